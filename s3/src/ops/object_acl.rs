//! Object ACLs: the canned ACL each object version carries, how a request
//! sets it (`x-amz-acl`, `x-amz-grant-*`, a PutObjectAcl body), and what it
//! grants.
//!
//! An object belongs to its bucket's owner (this server records no other
//! object owner), so S3's `bucket-owner-read` and
//! `bucket-owner-full-control`, which differ from `private` only when the
//! writer is not the bucket's owner, are `private` here. What an object's
//! ACL can say is one of:
//!
//! | ACL                  | grants beyond the owner's full control          |
//! |----------------------|-------------------------------------------------|
//! | `private`            | nothing                                         |
//! | `public-read`        | READ to everyone, anonymous callers included    |
//! | `public-read-write`  | the same (WRITE on an object means nothing)     |
//! | `authenticated-read` | READ to every caller with a valid signature     |
//!
//! READ on an object is GetObject and HeadObject of that version (and
//! reading it as a copy source). It adds to what the bucket's ACL grants:
//! a caller the bucket lets read reads every object in it, as before
//! object ACLs existed; a caller it does not may still read an object
//! whose ACL says so. Reading or changing the ACL itself takes the owner.
//!
//! The ACL is kept in the version's metadata (`ObjectMeta::extra`, under
//! [`OBJECT_ACL`]), absent for `private`: versions written before object
//! ACLs existed read as `private`, and the store needs no new field. Each
//! version has its own; a new version (a PUT, a completed upload, a copy)
//! gets the request's ACL, never the one it replaces or copies.
//!
//! Explicit grants (`x-amz-grant-*` headers, an `AccessControlPolicy` body)
//! are accepted when they amount to one of the canned ACLs above (grants to
//! the owner, `READ`/`WRITE` to `AllUsers`, `READ` to `AuthenticatedUsers`);
//! a grant to any other user, group or e-mail address is `NotImplemented`.

use alexander_store::{BucketInfo, ObjectMeta};
use http::HeaderMap;

use super::bucket::{bucket_owner, owner_of};
use super::header;
use crate::error::S3Error;
use crate::iam::Principal;
use crate::s3_error;
use crate::xml::{AccessControlList, AccessControlPolicy, Grant, Grantee};

/// The `ObjectMeta::extra` entry holding a version's canned ACL.
pub const OBJECT_ACL: &str = "acl";

/// The request headers that grant permissions explicitly, with the
/// permission each grants.
const GRANT_HEADERS: [(&str, &str); 5] = [
    ("x-amz-grant-read", "READ"),
    ("x-amz-grant-write", "WRITE"),
    ("x-amz-grant-read-acp", "READ_ACP"),
    ("x-amz-grant-write-acp", "WRITE_ACP"),
    ("x-amz-grant-full-control", "FULL_CONTROL"),
];

/// An object version's canned ACL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ObjectAcl {
    #[default]
    Private,
    PublicRead,
    PublicReadWrite,
    AuthenticatedRead,
}

impl ObjectAcl {
    /// Parses a canned ACL as `x-amz-acl` (or a POST form's `acl` field)
    /// names it. S3's `bucket-owner-*` are `private` (see the module
    /// documentation); `aws-exec-read` and `log-delivery-write` name
    /// grantees this server does not have and are `NotImplemented`;
    /// anything else is `InvalidArgument`, as S3 answers it.
    pub fn parse_canned(value: &str) -> Result<ObjectAcl, S3Error> {
        match value.trim() {
            "private" | "bucket-owner-read" | "bucket-owner-full-control" => Ok(ObjectAcl::Private),
            "public-read" => Ok(ObjectAcl::PublicRead),
            "public-read-write" => Ok(ObjectAcl::PublicReadWrite),
            "authenticated-read" => Ok(ObjectAcl::AuthenticatedRead),
            v @ ("aws-exec-read" | "log-delivery-write") => Err(s3_error!(
                NotImplemented,
                "The canned ACL {v} is not implemented: it grants to a grantee this server does not have"
            )),
            v => Err(s3_error!(InvalidArgument, "Invalid canned ACL")
                .with_field("ArgumentName", "x-amz-acl")
                .with_field("ArgumentValue", v)),
        }
    }

    /// The canned ACL's name.
    pub fn name(self) -> &'static str {
        match self {
            ObjectAcl::Private => "private",
            ObjectAcl::PublicRead => "public-read",
            ObjectAcl::PublicReadWrite => "public-read-write",
            ObjectAcl::AuthenticatedRead => "authenticated-read",
        }
    }

    /// The ACL a version's metadata holds. A value this server did not
    /// write grants nothing (`private`): it fails closed.
    pub fn of(meta: &ObjectMeta) -> ObjectAcl {
        match meta.extra.get(OBJECT_ACL).map(String::as_str) {
            Some("public-read") => ObjectAcl::PublicRead,
            Some("public-read-write") => ObjectAcl::PublicReadWrite,
            Some("authenticated-read") => ObjectAcl::AuthenticatedRead,
            _ => ObjectAcl::Private,
        }
    }

    /// Records the ACL in a version's metadata (`private` as no entry).
    pub fn store_in(self, meta: &mut ObjectMeta) {
        match self {
            ObjectAcl::Private => meta.extra.remove(OBJECT_ACL),
            other => meta
                .extra
                .insert(OBJECT_ACL.to_owned(), other.name().to_owned()),
        };
    }

    /// Whether the ACL lets `principal` read the version (besides its
    /// owner, who always may).
    pub fn grants_read(self, principal: &Principal) -> bool {
        match self {
            ObjectAcl::Private => false,
            ObjectAcl::PublicRead | ObjectAcl::PublicReadWrite => true,
            ObjectAcl::AuthenticatedRead => *principal != Principal::Anonymous,
        }
    }

    /// The ACL a policy document or a set of grants amounts to, for an
    /// owner whose canonical id is `owner_id`.
    pub fn from_policy(policy: &AccessControlPolicy, owner_id: &str) -> Result<ObjectAcl, S3Error> {
        ObjectAcl::parse_canned(policy.to_object_canned(owner_id)?)
    }

    /// The ACL a new version written by this request gets (PutObject,
    /// CopyObject, CreateMultipartUpload): the one it names, else
    /// `private`, never the ACL of a version it replaces or copies, as in
    /// S3.
    pub fn for_new_version(headers: &HeaderMap, bucket: &BucketInfo) -> Result<ObjectAcl, S3Error> {
        let owner = owner_of(bucket_owner(bucket));
        Ok(ObjectAcl::from_headers(headers, &owner.id)?.unwrap_or_default())
    }

    /// The ACL a write request asks for: `x-amz-acl`, or `x-amz-grant-*`
    /// headers that amount to a canned ACL, or `None` when it names none.
    /// Both at once are `InvalidRequest`, as in S3. `owner_id` is the
    /// canonical id of the object's owner (its bucket's).
    pub fn from_headers(headers: &HeaderMap, owner_id: &str) -> Result<Option<ObjectAcl>, S3Error> {
        // S3 takes an empty x-amz-acl for none.
        let canned = header(headers, "x-amz-acl").filter(|v| !v.trim().is_empty());
        let grants = grants_from_headers(headers)?;
        match (canned, grants) {
            (Some(_), Some(_)) => Err(s3_error!(
                InvalidRequest,
                "Specifying both Canned ACLs and Header Grants is not allowed"
            )),
            (Some(v), None) => Ok(Some(ObjectAcl::parse_canned(v)?)),
            (None, Some(policy)) => Ok(Some(ObjectAcl::from_policy(&policy, owner_id)?)),
            (None, None) => Ok(None),
        }
    }
}

/// The grants of the `x-amz-grant-*` headers, as a policy, or `None` when
/// there are none. Each header holds a comma-separated list of grantees,
/// `id="…"`, `uri="…"` or `emailAddress="…"`.
fn grants_from_headers(headers: &HeaderMap) -> Result<Option<AccessControlPolicy>, S3Error> {
    if let Some(unknown) = headers
        .keys()
        .map(|n| n.as_str())
        .find(|n| n.starts_with("x-amz-grant-") && !GRANT_HEADERS.iter().any(|(h, _)| h == n))
    {
        return Err(s3_error!(
            NotImplemented,
            "A header you provided implies functionality that is not implemented: {unknown}"
        ));
    }
    let mut grants = Vec::new();
    for (name, permission) in GRANT_HEADERS {
        for value in headers.get_all(name) {
            let text = value.to_str().map_err(|_| bad_grant(name, "not ASCII"))?;
            for item in text.split(',') {
                grants.push(Grant {
                    grantee: parse_grantee(name, item.trim())?,
                    permission: permission.to_owned(),
                });
            }
        }
    }
    Ok((!grants.is_empty()).then(|| AccessControlPolicy {
        access_control_list: AccessControlList { grants },
        ..AccessControlPolicy::default()
    }))
}

fn bad_grant(name: &str, value: &str) -> S3Error {
    s3_error!(InvalidArgument, "Argument format not recognized")
        .with_field("ArgumentName", name)
        .with_field("ArgumentValue", value)
}

/// One grantee of a grant header: `type="value"` (quotes optional).
fn parse_grantee(name: &str, item: &str) -> Result<Grantee, S3Error> {
    let (kind, value) = item.split_once('=').ok_or_else(|| bad_grant(name, item))?;
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    if value.is_empty() {
        return Err(bad_grant(name, item));
    }
    let mut g = Grantee::default();
    match kind.trim() {
        "id" => {
            g.kind = "CanonicalUser".into();
            g.id = Some(value.to_owned());
        }
        "uri" => {
            g.kind = "Group".into();
            g.uri = Some(value.to_owned());
        }
        "emailAddress" => {
            g.kind = "AmazonCustomerByEmail".into();
            g.email_address = Some(value.to_owned());
        }
        _ => return Err(bad_grant(name, item)),
    }
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::S3ErrorCode;
    use crate::xml::{ALL_USERS_URI, AUTHENTICATED_USERS_URI};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.append(*n, v.parse().unwrap());
        }
        h
    }

    fn code(r: Result<Option<ObjectAcl>, S3Error>) -> S3ErrorCode {
        r.unwrap_err().code
    }

    #[test]
    fn canned_names() {
        use ObjectAcl::*;
        for (name, want) in [
            ("private", Private),
            ("public-read", PublicRead),
            ("public-read-write", PublicReadWrite),
            ("authenticated-read", AuthenticatedRead),
            ("bucket-owner-read", Private),
            ("bucket-owner-full-control", Private),
        ] {
            assert_eq!(ObjectAcl::parse_canned(name).unwrap(), want, "{name}");
        }
        for acl in [Private, PublicRead, PublicReadWrite, AuthenticatedRead] {
            let mut meta = ObjectMeta::default();
            acl.store_in(&mut meta);
            assert_eq!(ObjectAcl::of(&meta), acl);
            assert_eq!(meta.extra.contains_key(OBJECT_ACL), acl != Private);
        }
        let err = ObjectAcl::parse_canned("aws-exec-read").unwrap_err();
        assert_eq!(err.code, S3ErrorCode::NotImplemented);
        let err = ObjectAcl::parse_canned("public").unwrap_err();
        assert_eq!(err.code, S3ErrorCode::InvalidArgument);
        // What this server did not write grants nothing.
        let mut meta = ObjectMeta::default();
        meta.extra.insert(OBJECT_ACL.into(), "everyone".into());
        assert_eq!(ObjectAcl::of(&meta), Private);
    }

    #[test]
    fn who_may_read() {
        let (anon, alice) = (Principal::Anonymous, Principal::User("alice".into()));
        // (acl, anonymous reads, a signed user reads)
        let table = [
            (ObjectAcl::Private, false, false),
            (ObjectAcl::PublicRead, true, true),
            (ObjectAcl::PublicReadWrite, true, true),
            (ObjectAcl::AuthenticatedRead, false, true),
        ];
        for (acl, a, u) in table {
            assert_eq!(acl.grants_read(&anon), a, "{acl:?} anonymous");
            assert_eq!(acl.grants_read(&alice), u, "{acl:?} alice");
        }
    }

    #[test]
    fn requested_in_headers() {
        let owner = "0wner";
        assert_eq!(ObjectAcl::from_headers(&headers(&[]), owner).unwrap(), None);
        assert_eq!(
            ObjectAcl::from_headers(&headers(&[("x-amz-acl", "")]), owner).unwrap(),
            None
        );
        assert_eq!(
            ObjectAcl::from_headers(&headers(&[("x-amz-acl", "public-read")]), owner).unwrap(),
            Some(ObjectAcl::PublicRead)
        );
        let all = format!("uri=\"{}\"", ALL_USERS_URI);
        let auth = format!("uri={}", AUTHENTICATED_USERS_URI);
        let me = format!("id=\"{owner}\"");
        // (grant headers, canned ACL they amount to)
        let ok: [(Vec<(&'static str, &str)>, ObjectAcl); 4] = [
            (vec![("x-amz-grant-read", &all)], ObjectAcl::PublicRead),
            (
                vec![("x-amz-grant-read", &all), ("x-amz-grant-write", &all)],
                ObjectAcl::PublicReadWrite,
            ),
            (
                vec![("x-amz-grant-read", &auth)],
                ObjectAcl::AuthenticatedRead,
            ),
            (vec![("x-amz-grant-full-control", &me)], ObjectAcl::Private),
        ];
        for (h, want) in ok {
            assert_eq!(
                ObjectAcl::from_headers(&headers(&h), owner).unwrap(),
                Some(want),
                "{h:?}"
            );
        }
        let both = format!("{me}, {all}");
        assert_eq!(
            ObjectAcl::from_headers(&headers(&[("x-amz-grant-read", &both)]), owner).unwrap(),
            Some(ObjectAcl::PublicRead)
        );
        // Refused: both kinds, another user, an e-mail, a bad format.
        let refused: [(Vec<(&'static str, &str)>, S3ErrorCode); 6] = [
            (
                vec![("x-amz-acl", "private"), ("x-amz-grant-read", &all)],
                S3ErrorCode::InvalidRequest,
            ),
            (
                vec![("x-amz-grant-read", "id=\"someone-else\"")],
                S3ErrorCode::NotImplemented,
            ),
            (
                vec![("x-amz-grant-read", "emailAddress=\"a@example.com\"")],
                S3ErrorCode::NotImplemented,
            ),
            (
                vec![("x-amz-grant-read-acp", &all)],
                S3ErrorCode::NotImplemented,
            ),
            (
                vec![("x-amz-grant-read", "name=\"x\"")],
                S3ErrorCode::InvalidArgument,
            ),
            (
                vec![("x-amz-grant-everything", &all)],
                S3ErrorCode::NotImplemented,
            ),
        ];
        for (h, want) in refused {
            assert_eq!(
                code(ObjectAcl::from_headers(&headers(&h), owner)),
                want,
                "{h:?}"
            );
        }
    }
}
