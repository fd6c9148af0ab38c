//! Access control policies: GetBucketAcl / GetObjectAcl replies and the
//! PutBucketAcl / PutObjectAcl bodies, with the mapping to and from the
//! canned ACLs this server stores (`private`, `public-read`,
//! `public-read-write` for buckets and objects, `authenticated-read` for
//! objects).

use serde::{Deserialize, Serialize, Serializer};

use super::{Owner, XSI_XMLNS, Xmlns};
use crate::error::S3Error;
use crate::s3_error;

/// The group every requester, signed or not, belongs to.
pub const ALL_USERS_URI: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
/// The group every signed requester belongs to.
pub const AUTHENTICATED_USERS_URI: &str =
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

/// The `xmlns:xsi` attribute of a grantee; ignored when reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XsiNs;

impl Serialize for XsiNs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(XSI_XMLNS)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "AccessControlPolicy")]
pub struct AccessControlPolicy {
    #[serde(rename = "@xmlns", skip_deserializing)]
    pub xmlns: Xmlns,
    #[serde(rename = "Owner", default)]
    pub owner: Option<Owner>,
    #[serde(rename = "AccessControlList", default)]
    pub access_control_list: AccessControlList,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessControlList {
    #[serde(rename = "Grant", default)]
    pub grants: Vec<Grant>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    #[serde(rename = "Grantee")]
    pub grantee: Grantee,
    /// `FULL_CONTROL`, `WRITE`, `WRITE_ACP`, `READ` or `READ_ACP`.
    #[serde(rename = "Permission")]
    pub permission: String,
}

/// Who is granted: a canonical user (`ID`), a group (`URI`) or an e-mail
/// address, told apart by `xsi:type`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grantee {
    #[serde(rename = "@xmlns:xsi", skip_deserializing)]
    pub xmlns_xsi: XsiNs,
    /// `CanonicalUser`, `Group` or `AmazonCustomerByEmail`. quick-xml reads
    /// attributes by local name, hence the alias.
    #[serde(rename = "@xsi:type", alias = "@type")]
    pub kind: String,
    #[serde(rename = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(
        rename = "DisplayName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub display_name: Option<String>,
    #[serde(
        rename = "EmailAddress",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub email_address: Option<String>,
    #[serde(rename = "URI", default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

impl Grantee {
    pub fn user(owner: &Owner) -> Grantee {
        Grantee {
            kind: "CanonicalUser".into(),
            id: Some(owner.id.clone()),
            display_name: owner.display_name.clone(),
            ..Default::default()
        }
    }

    pub fn group(uri: &str) -> Grantee {
        Grantee {
            kind: "Group".into(),
            uri: Some(uri.into()),
            ..Default::default()
        }
    }
}

/// What a policy grants beyond its owner's full control: the grants to
/// the two groups a canned ACL can name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct GroupGrants {
    all_read: bool,
    all_write: bool,
    authenticated_read: bool,
}

impl AccessControlPolicy {
    /// The policy a canned ACL stands for, or `None` for a canned ACL this
    /// server does not know.
    pub fn from_canned(owner: Owner, canned: &str) -> Option<AccessControlPolicy> {
        let mut grants = vec![Grant {
            grantee: Grantee::user(&owner),
            permission: "FULL_CONTROL".into(),
        }];
        let group = |uri: &str, permission: &str| Grant {
            grantee: Grantee::group(uri),
            permission: permission.into(),
        };
        match canned {
            "private" => {}
            "public-read" => grants.push(group(ALL_USERS_URI, "READ")),
            "public-read-write" => {
                grants.push(group(ALL_USERS_URI, "READ"));
                grants.push(group(ALL_USERS_URI, "WRITE"));
            }
            "authenticated-read" => grants.push(group(AUTHENTICATED_USERS_URI, "READ")),
            _ => return None,
        }
        Some(AccessControlPolicy {
            xmlns: Xmlns,
            owner: Some(owner),
            access_control_list: AccessControlList { grants },
        })
    }

    /// Reads the grants of a policy whose owner's canonical id is
    /// `owner_id`. Grants to the owner are implied (S3 always keeps the
    /// owner's full control); grants to everyone may be `READ` and `WRITE`,
    /// to authenticated users `READ`. Any other grantee or permission is
    /// `NotImplemented`, and an unknown grantee type `MalformedACLError`.
    fn group_grants(&self, owner_id: &str) -> Result<GroupGrants, S3Error> {
        let mut out = GroupGrants::default();
        for grant in &self.access_control_list.grants {
            let g = &grant.grantee;
            let permission = grant.permission.as_str();
            match g.kind.as_str() {
                "CanonicalUser" if g.id.as_deref() == Some(owner_id) => continue,
                "Group" if g.uri.as_deref() == Some(ALL_USERS_URI) => match permission {
                    "READ" => out.all_read = true,
                    "WRITE" => out.all_write = true,
                    _ => {
                        return Err(s3_error!(
                            NotImplemented,
                            "Only READ and WRITE may be granted to AllUsers"
                        ));
                    }
                },
                "Group"
                    if g.uri.as_deref() == Some(AUTHENTICATED_USERS_URI)
                        && permission == "READ" =>
                {
                    out.authenticated_read = true;
                }
                "CanonicalUser" | "Group" | "AmazonCustomerByEmail" => {
                    return Err(s3_error!(
                        NotImplemented,
                        "Only grants that amount to a canned ACL (private, public-read, public-read-write, authenticated-read) are supported"
                    ));
                }
                _ => {
                    return Err(s3_error!(
                        MalformedACLError,
                        "The XML you provided was not well-formed or did not validate against our published schema"
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The canned ACL a PutBucketAcl body amounts to, for an owner whose
    /// canonical id is `owner_id`: `private`, `public-read` or
    /// `public-read-write`; any other set of grants is `NotImplemented`
    /// (see [`AccessControlPolicy::to_object_canned`] for objects).
    pub fn to_canned(&self, owner_id: &str) -> Result<&'static str, S3Error> {
        match self.group_grants(owner_id)? {
            GroupGrants {
                authenticated_read: true,
                ..
            } => Err(s3_error!(
                NotImplemented,
                "Only the canned ACLs private, public-read and public-read-write are supported on buckets"
            )),
            GroupGrants {
                all_read,
                all_write,
                ..
            } => match (all_read, all_write) {
                (false, false) => Ok("private"),
                (true, false) => Ok("public-read"),
                (true, true) => Ok("public-read-write"),
                (false, true) => Err(s3_error!(
                    NotImplemented,
                    "WRITE without READ for AllUsers is not supported"
                )),
            },
        }
    }

    /// The canned ACL a PutObjectAcl body (or a set of `x-amz-grant-*`
    /// headers) amounts to: `private`, `public-read`, `public-read-write`
    /// or `authenticated-read`; any other set of grants is
    /// `NotImplemented`.
    pub fn to_object_canned(&self, owner_id: &str) -> Result<&'static str, S3Error> {
        let g = self.group_grants(owner_id)?;
        match (g.all_read, g.all_write, g.authenticated_read) {
            (false, false, false) => Ok("private"),
            (true, false, false) => Ok("public-read"),
            (true, true, false) => Ok("public-read-write"),
            (false, false, true) => Ok("authenticated-read"),
            _ => Err(s3_error!(
                NotImplemented,
                "Only grants that amount to a canned ACL (private, public-read, public-read-write, authenticated-read) are supported"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::S3ErrorCode;
    use crate::xml::{from_xml, to_xml};

    fn owner() -> Owner {
        Owner {
            id: "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a".into(),
            display_name: Some("root".into()),
        }
    }

    #[test]
    fn canned_policy_xml() {
        let doc = AccessControlPolicy::from_canned(owner(), "public-read").unwrap();
        let id = &owner().id;
        assert_eq!(
            to_xml(&doc),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <Owner><ID>{id}</ID><DisplayName>root</DisplayName></Owner>\
                 <AccessControlList>\
                 <Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\">\
                 <ID>{id}</ID><DisplayName>root</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>\
                 <Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\">\
                 <URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>\
                 </AccessControlList></AccessControlPolicy>"
            )
        );
        assert!(AccessControlPolicy::from_canned(owner(), "bucket-owner-read").is_none());
    }

    #[test]
    fn parse_and_map_to_canned() {
        for canned in ["private", "public-read", "public-read-write"] {
            // What we write, we read back to the same canned ACL.
            let xml = to_xml(&AccessControlPolicy::from_canned(owner(), canned).unwrap());
            let p: AccessControlPolicy = from_xml(xml.as_bytes(), 1 << 16).unwrap();
            assert_eq!(p.to_canned(&owner().id).unwrap(), canned);
            assert_eq!(p.owner, Some(owner()));
        }
        // As the AWS CLI sends --access-control-policy, with the xsi prefix
        // bound on the root and whitespace.
        let body = br#"<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <AccessControlList>
    <Grant>
      <Permission>READ</Permission>
      <Grantee xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee>
    </Grant>
  </AccessControlList>
  <Owner><ID>me</ID></Owner>
</AccessControlPolicy>"#;
        let p: AccessControlPolicy = from_xml(body, 1 << 16).unwrap();
        assert_eq!(p.access_control_list.grants[0].grantee.kind, "Group");
        assert_eq!(p.to_canned("me").unwrap(), "public-read");

        let other_user = AccessControlPolicy {
            access_control_list: AccessControlList {
                grants: vec![Grant {
                    grantee: Grantee::user(&Owner {
                        id: "someone-else".into(),
                        display_name: None,
                    }),
                    permission: "READ".into(),
                }],
            },
            ..Default::default()
        };
        assert_eq!(
            other_user.to_canned("me").unwrap_err().code,
            S3ErrorCode::NotImplemented
        );
        let mut bad_type = other_user.clone();
        bad_type.access_control_list.grants[0].grantee.kind = "Robot".into();
        assert_eq!(
            bad_type.to_canned("me").unwrap_err().code,
            S3ErrorCode::MalformedACLError
        );
        let missing_type = b"<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>x</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>";
        assert_eq!(
            from_xml::<AccessControlPolicy>(missing_type, 1 << 16)
                .unwrap_err()
                .code,
            S3ErrorCode::MalformedXML
        );
    }
}
