//! Object ACLs: the canned ACL each object version carries, how a request
//! sets it (`x-amz-acl`, `x-amz-grant-*`, a PutObjectAcl body), and what it
//! grants.
//!
//! An object belongs to its bucket's owner (this server records no other
//! object owner), so S3's `bucket-owner-read` and
//! `bucket-owner-full-control`, which differ from `private` only when the
//! writer is not the bucket's owner, are `private` here. What an object's
//! canned ACL can be, and what each grants, is the store's rule
//! ([`alexander_store::access`], shared with the mount): `private`,
//! `public-read`, `public-read-write` (WRITE on an object means nothing)
//! and `authenticated-read`.
//!
//! READ on an object is GetObject and HeadObject of that version (and
//! GetObjectAttributes, and reading it as a copy source). The bucket's ACL
//! never grants it: a bucket's READ (`public-read`) is ListBucket, as in
//! S3, so a caller other than the owner reads exactly the objects whose
//! own ACL grants it read. Reading or changing the ACL itself takes the
//! owner.
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

use alexander_store::BucketInfo;
pub use alexander_store::access::{OBJECT_ACL, ObjectAcl};
use http::HeaderMap;

use super::bucket::{bucket_owner, owner_of};
use super::header;
use crate::error::S3Error;
use crate::s3_error;
use crate::xml::{AccessControlList, AccessControlPolicy, Grant, Grantee};

/// The request headers that grant permissions explicitly, with the
/// permission each grants.
const GRANT_HEADERS: [(&str, &str); 5] = [
    ("x-amz-grant-read", "READ"),
    ("x-amz-grant-write", "WRITE"),
    ("x-amz-grant-read-acp", "READ_ACP"),
    ("x-amz-grant-write-acp", "WRITE_ACP"),
    ("x-amz-grant-full-control", "FULL_CONTROL"),
];

/// Parses a canned ACL as `x-amz-acl` (or a POST form's `acl` field) names
/// it. S3's `bucket-owner-*` are `private` (see the module documentation);
/// `aws-exec-read` and `log-delivery-write` name grantees this server does
/// not have and are `NotImplemented`; anything else is `InvalidArgument`,
/// as S3 answers it.
pub fn parse_canned(value: &str) -> Result<ObjectAcl, S3Error> {
    match value.trim() {
        "bucket-owner-read" | "bucket-owner-full-control" => Ok(ObjectAcl::Private),
        v @ ("aws-exec-read" | "log-delivery-write") => Err(s3_error!(
            NotImplemented,
            "The canned ACL {v} is not implemented: it grants to a grantee this server does not have"
        )),
        v => ObjectAcl::from_name(v).ok_or_else(|| {
            s3_error!(InvalidArgument, "Invalid canned ACL")
                .with_field("ArgumentName", "x-amz-acl")
                .with_field("ArgumentValue", v)
        }),
    }
}

/// The ACL a policy document or a set of grants amounts to, for an owner
/// whose canonical id is `owner_id`.
pub fn from_policy(policy: &AccessControlPolicy, owner_id: &str) -> Result<ObjectAcl, S3Error> {
    parse_canned(policy.to_object_canned(owner_id)?)
}

/// The ACL a new version written by this request gets (PutObject,
/// CopyObject, CreateMultipartUpload): the one it names, else `private`,
/// never the ACL of a version it replaces or copies, as in S3.
pub fn for_new_version(headers: &HeaderMap, bucket: &BucketInfo) -> Result<ObjectAcl, S3Error> {
    let owner = owner_of(bucket_owner(bucket));
    Ok(from_headers(headers, &owner.id)?.unwrap_or_default())
}

/// The ACL a write request asks for: `x-amz-acl`, or `x-amz-grant-*`
/// headers that amount to a canned ACL, or `None` when it names none. Both
/// at once are `InvalidRequest`, as in S3. `owner_id` is the canonical id
/// of the object's owner (its bucket's).
pub fn from_headers(headers: &HeaderMap, owner_id: &str) -> Result<Option<ObjectAcl>, S3Error> {
    // S3 takes an empty x-amz-acl for none.
    let canned = header(headers, "x-amz-acl").filter(|v| !v.trim().is_empty());
    let grants = grants_from_headers(headers)?;
    match (canned, grants) {
        (Some(_), Some(_)) => Err(s3_error!(
            InvalidRequest,
            "Specifying both Canned ACLs and Header Grants is not allowed"
        )),
        (Some(v), None) => Ok(Some(parse_canned(v)?)),
        (None, Some(policy)) => Ok(Some(from_policy(&policy, owner_id)?)),
        (None, None) => Ok(None),
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
            assert_eq!(parse_canned(name).unwrap(), want, "{name}");
        }
        let err = parse_canned("aws-exec-read").unwrap_err();
        assert_eq!(err.code, S3ErrorCode::NotImplemented);
        let err = parse_canned("public").unwrap_err();
        assert_eq!(err.code, S3ErrorCode::InvalidArgument);
        assert_eq!(ObjectAcl::from_name("bucket-owner-read"), None);
    }

    #[test]
    fn requested_in_headers() {
        let owner = "0wner";
        assert_eq!(from_headers(&headers(&[]), owner).unwrap(), None);
        assert_eq!(
            from_headers(&headers(&[("x-amz-acl", "")]), owner).unwrap(),
            None
        );
        assert_eq!(
            from_headers(&headers(&[("x-amz-acl", "public-read")]), owner).unwrap(),
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
                from_headers(&headers(&h), owner).unwrap(),
                Some(want),
                "{h:?}"
            );
        }
        let both = format!("{me}, {all}");
        assert_eq!(
            from_headers(&headers(&[("x-amz-grant-read", &both)]), owner).unwrap(),
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
            assert_eq!(code(from_headers(&headers(&h), owner)), want, "{h:?}");
        }
    }
}
