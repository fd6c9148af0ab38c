//! Bucket operations: ListBuckets, CreateBucket, DeleteBucket, HeadBucket,
//! GetBucketLocation and Get/PutBucketVersioning.
//!
//! A bucket's owner is the user that created it, kept in the bucket setting
//! [`OWNER_SETTING`]; a bucket without one (made through the mount or the
//! command line) belongs to root. Root sees and reaches every bucket; a user
//! lists the buckets it owns and reaches others only as their canned ACL
//! ([`ACL_SETTING`]) allows. Bucket names are one global namespace, as in
//! S3: creating a name someone else holds is `BucketAlreadyExists`. One the
//! caller holds is decided by the configured region, as S3 decides it: in
//! `us-east-1` (legacy behaviour) a 200 that resets the bucket's canned ACL
//! to the request's (`private` without `x-amz-acl`), in every other region
//! `409 BucketAlreadyOwnedByYou`.
//!
//! `health`, `healthz`, `readyz` and `metrics` cannot be bucket names: the
//! server answers those paths itself, so such a bucket could never be
//! listed path-style.

use alexander_store::{BucketInfo, Versioning};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{Response, StatusCode};

use super::{
    Access, Ctx, blocking, check_access, empty_response, owner_id, read_small_body, set_header,
    xml_response,
};
use crate::error::S3Error;
use crate::iam::Principal;
use crate::router::Endpoint;
use crate::server::{RequestBody, ResponseBody};
use crate::xml::{
    BucketEntry, Buckets, CreateBucketConfiguration, ListAllMyBucketsResult, LocationConstraint,
    Owner, Timestamp, VersioningConfiguration, VersioningStatus, Xmlns, from_xml, to_xml,
};
use crate::{ACL_SETTING, OWNER_SETTING, s3_error};

type R = Result<Response<ResponseBody>, S3Error>;

/// Names the server answers itself, so no bucket may take them.
pub const RESERVED_BUCKET_NAMES: [&str; 4] = ["health", "healthz", "readyz", "metrics"];

/// The most buckets one ListBuckets page may hold (S3's `max-buckets` cap).
const MAX_BUCKETS: u32 = 10_000;

/// Canned ACLs S3 knows that this server does not implement.
const UNSUPPORTED_CANNED_ACLS: [&str; 5] = [
    "authenticated-read",
    "aws-exec-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
    "log-delivery-write",
];

/// The user owning a bucket: its owner setting, or root when none is set.
pub fn bucket_owner(info: &BucketInfo) -> &str {
    alexander_store::access::bucket_owner(&info.settings)
}

/// The `Owner` element for a user.
pub fn owner_of(name: &str) -> Owner {
    Owner {
        id: owner_id(name),
        display_name: Some(name.to_owned()),
    }
}

/// The canned ACL of a bucket (`private` when none was set).
pub fn bucket_acl(info: &BucketInfo) -> &str {
    alexander_store::access::bucket_acl(&info.settings)
}

/// Checks a canned ACL given in `x-amz-acl`: the three this server stores
/// pass; S3's others are `NotImplemented`; anything else `InvalidArgument`.
pub fn parse_canned_acl(value: &str) -> Result<&'static str, S3Error> {
    match value {
        "private" => Ok("private"),
        "public-read" => Ok("public-read"),
        "public-read-write" => Ok("public-read-write"),
        v if UNSUPPORTED_CANNED_ACLS.contains(&v) => Err(s3_error!(
            NotImplemented,
            "Only the canned ACLs private, public-read and public-read-write are supported"
        )),
        v => Err(s3_error!(InvalidArgument, "Invalid canned ACL")
            .with_field("ArgumentName", "x-amz-acl")
            .with_field("ArgumentValue", v)),
    }
}

/// Refuses explicit grant headers (`x-amz-grant-read`, …): only canned ACLs
/// are supported.
pub fn refuse_grant_headers(ctx: &Ctx) -> Result<(), S3Error> {
    if ctx
        .parts
        .headers
        .keys()
        .any(|n| n.as_str().starts_with("x-amz-grant-"))
    {
        return Err(s3_error!(
            NotImplemented,
            "Explicit grants (x-amz-grant-*) are not supported; use a canned ACL"
        ));
    }
    Ok(())
}

/// The name of the authenticated caller, or `AccessDenied` for an anonymous
/// request.
fn caller(ctx: &Ctx) -> Result<String, S3Error> {
    ctx.principal
        .name()
        .map(str::to_owned)
        .ok_or_else(|| s3_error!(AccessDenied, "Access Denied"))
}

/// ListBuckets: root sees every bucket, a user the buckets it owns.
/// `prefix`, `max-buckets`, `continuation-token` (an opaque encoding of the
/// last name returned) and `bucket-region` are honoured as S3 does.
pub async fn list_buckets(ctx: Ctx, e: Endpoint) -> R {
    let Endpoint::ListBuckets {
        prefix,
        max_buckets,
        continuation_token,
        bucket_region,
    } = e
    else {
        return Err(S3Error::internal(
            "list_buckets called for another operation",
        ));
    };
    let me = caller(&ctx)?;
    let max = match max_buckets {
        None => None,
        Some(n) if (1..=MAX_BUCKETS).contains(&n) => Some(n as usize),
        Some(n) => {
            return Err(s3_error!(
                InvalidArgument,
                "max-buckets must be between 1 and {MAX_BUCKETS}"
            )
            .with_field("ArgumentName", "max-buckets")
            .with_field("ArgumentValue", n.to_string()));
        }
    };
    let after = match continuation_token.as_deref() {
        None => None,
        Some(t) => Some(decode_token(t).ok_or_else(|| {
            s3_error!(
                InvalidArgument,
                "The continuation token provided is incorrect"
            )
            .with_field("ArgumentName", "continuation-token")
        })?),
    };
    let region = ctx.svc.config().region.clone();
    let store = ctx.store().clone();
    let all = blocking(move || Ok(store.list_buckets()?)).await?;
    let wrong_region = bucket_region.as_deref().is_some_and(|r| r != region);
    let mut visible = all.iter().filter(|b| {
        !wrong_region
            && b.name.starts_with(&prefix)
            && after.as_deref().is_none_or(|a| b.name.as_str() > a)
            && match &ctx.principal {
                Principal::Root => true,
                _ => bucket_owner(b) == me,
            }
    });
    let mut entries = Vec::new();
    let mut truncated = false;
    for b in visible.by_ref() {
        if max.is_some_and(|m| entries.len() == m) {
            truncated = true;
            break;
        }
        entries.push(BucketEntry {
            name: b.name.clone(),
            creation_date: Timestamp(b.created_ns),
            bucket_region: Some(region.clone()),
        });
    }
    let doc = ListAllMyBucketsResult {
        xmlns: Xmlns,
        owner: owner_of(&me),
        continuation_token: if truncated {
            entries.last().map(|b| encode_token(&b.name))
        } else {
            None
        },
        buckets: Buckets { bucket: entries },
        prefix: (!prefix.is_empty()).then_some(prefix),
    };
    Ok(xml_response(StatusCode::OK, to_xml(&doc)))
}

/// An opaque continuation token for a name.
pub fn encode_token(name: &str) -> String {
    URL_SAFE_NO_PAD.encode(name.as_bytes())
}

/// The name in a continuation token, if it is one of ours.
pub fn decode_token(token: &str) -> Option<String> {
    if token.is_empty() {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(token.as_bytes()).ok()?;
    String::from_utf8(bytes).ok().filter(|s| !s.contains('\0'))
}

/// The region where S3 answers the re-creation of one's own bucket with a
/// 200, for legacy compatibility.
const LEGACY_REGION: &str = "us-east-1";

/// CreateBucket: the caller becomes the owner; the body, if any, may only
/// name this server's region; `x-amz-acl` sets the canned ACL.
pub async fn create_bucket(ctx: Ctx, bucket: String, body: RequestBody) -> R {
    let me = caller(&ctx)?;
    if RESERVED_BUCKET_NAMES.contains(&bucket.as_str()) {
        return Err(s3_error!(
            InvalidBucketName,
            "The specified bucket is not valid: {bucket:?} is reserved by this server"
        )
        .with_field("BucketName", bucket));
    }
    refuse_grant_headers(&ctx)?;
    let acl = match ctx.header("x-amz-acl") {
        Some(v) => Some(parse_canned_acl(v)?),
        None => None,
    };
    if ctx
        .header("x-amz-bucket-object-lock-enabled")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Err(s3_error!(NotImplemented, "Object Lock is not supported"));
    }
    let limit = ctx.svc.config().limits.max_xml_bytes;
    let raw = read_small_body(&ctx, body, limit).await?;
    let region = ctx.svc.config().region.clone();
    if !raw.iter().all(u8::is_ascii_whitespace) {
        let conf: CreateBucketConfiguration = from_xml(&raw, limit)?;
        match conf.location_constraint.as_deref().map(str::trim) {
            None | Some("") => {}
            Some(r) if r == region => {}
            Some(r) => {
                return Err(s3_error!(
                    IllegalLocationConstraintException,
                    "The {r} location constraint is incompatible for the region specific endpoint this request was sent to."
                ));
            }
        }
    }
    let store = ctx.store().clone();
    let name = bucket.clone();
    let owner = me.clone();
    blocking(move || {
        let region = region;
        let mut settings = std::collections::BTreeMap::new();
        settings.insert(OWNER_SETTING.to_owned(), owner.clone());
        if let Some(acl) = acl.filter(|a| *a != "private") {
            settings.insert(ACL_SETTING.to_owned(), acl.to_owned());
        }
        match store.create_bucket_with(&name, settings) {
            Ok(_) => {}
            Err(alexander_store::Error::BucketAlreadyExists(_)) => {
                let info = store.head_bucket(&name)?;
                if bucket_owner(&info) == owner && region == LEGACY_REGION {
                    let acl = acl.filter(|a| *a != "private");
                    store.set_bucket_setting(&name, ACL_SETTING, acl)?;
                    return Ok(());
                }
                return Err(if bucket_owner(&info) == owner {
                    s3_error!(
                        BucketAlreadyOwnedByYou,
                        "Your previous request to create the named bucket succeeded and you already own it."
                    )
                } else {
                    s3_error!(
                        BucketAlreadyExists,
                        "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."
                    )
                }
                .with_field("BucketName", name));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    })
    .await?;
    let mut resp = empty_response(StatusCode::OK);
    set_header(resp.headers_mut(), "location", &format!("/{bucket}"));
    Ok(resp)
}

/// DeleteBucket: the owner's, and only when the bucket holds nothing.
pub async fn delete_bucket(ctx: Ctx, bucket: String) -> R {
    check_access(&ctx, &bucket, Access::Owner)?;
    let store = ctx.store().clone();
    blocking(move || Ok(store.delete_bucket(&bucket)?)).await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// HeadBucket: 200 with the bucket's region to whoever may read it.
pub async fn head_bucket(ctx: Ctx, bucket: String) -> R {
    check_access(&ctx, &bucket, Access::List)?;
    let mut resp = empty_response(StatusCode::OK);
    let h = resp.headers_mut();
    set_header(h, "x-amz-bucket-region", &ctx.svc.config().region);
    set_header(h, "x-amz-access-point-alias", "false");
    Ok(resp)
}

/// GetBucketLocation: empty for us-east-1, as S3 answers, else the region.
pub async fn get_bucket_location(ctx: Ctx, bucket: String) -> R {
    check_access(&ctx, &bucket, Access::Owner)?;
    let region = &ctx.svc.config().region;
    let doc = LocationConstraint {
        xmlns: Xmlns,
        region: (region != "us-east-1").then(|| region.clone()),
    };
    Ok(xml_response(StatusCode::OK, to_xml(&doc)))
}

/// GetBucketVersioning: no `Status` for a bucket never versioned.
pub async fn get_bucket_versioning(ctx: Ctx, bucket: String) -> R {
    let info = check_access(&ctx, &bucket, Access::Owner)?;
    let status = match info.versioning {
        Versioning::Unversioned => None,
        Versioning::Enabled => Some("Enabled".to_owned()),
        Versioning::Suspended => Some("Suspended".to_owned()),
    };
    let doc = VersioningConfiguration {
        status,
        ..Default::default()
    };
    Ok(xml_response(StatusCode::OK, to_xml(&doc)))
}

/// PutBucketVersioning: `Enabled` or `Suspended`; a body without `Status`
/// changes nothing; enabling MFA delete is `NotImplemented`.
pub async fn put_bucket_versioning(ctx: Ctx, bucket: String, body: RequestBody) -> R {
    check_access(&ctx, &bucket, Access::Owner)?;
    let limit = ctx.svc.config().limits.max_xml_bytes;
    let raw = read_small_body(&ctx, body, limit).await?;
    let conf: VersioningConfiguration = from_xml(&raw, limit)?;
    let state = match conf.requested()? {
        None => return Ok(empty_response(StatusCode::OK)),
        Some(VersioningStatus::Enabled) => Versioning::Enabled,
        Some(VersioningStatus::Suspended) => Versioning::Suspended,
    };
    let store = ctx.store().clone();
    blocking(move || Ok(store.set_versioning(&bucket, state)?)).await?;
    Ok(empty_response(StatusCode::OK))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::S3ErrorCode;

    #[test]
    fn canned_acls() {
        assert_eq!(parse_canned_acl("public-read").unwrap(), "public-read");
        assert_eq!(
            parse_canned_acl("authenticated-read").unwrap_err().code,
            S3ErrorCode::NotImplemented
        );
        assert_eq!(
            parse_canned_acl("bogus").unwrap_err().code,
            S3ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn tokens_round_trip() {
        for name in ["a", "bucket.with-dots", "x/y é+"] {
            assert_eq!(decode_token(&encode_token(name)).as_deref(), Some(name));
        }
        assert_eq!(decode_token(""), None);
        assert_eq!(decode_token("!!"), None);
    }
}
