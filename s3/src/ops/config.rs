//! Bucket and object configuration: tagging, canned ACLs, lifecycle rules,
//! CORS (configuration, preflight, and the headers of actual cross-origin
//! requests), object tagging and object ACLs.
//!
//! Everything about a bucket is kept in its settings map, which the store
//! keeps opaque:
//!
//! - tags under [`TAGGING`], as a URL-encoded query string (`k=v&k2=v2`,
//!   see [`encode_tags`]) — the same form an object's tags take in its
//!   metadata (`ObjectMeta::extra[TAGGING]`), and the form of S3's
//!   `x-amz-tagging` header;
//! - the canned ACL under [`crate::ACL_SETTING`] (`private` when absent);
//! - lifecycle rules under [`LIFECYCLE`] and CORS rules under [`CORS`], as
//!   the canonical XML this server writes for them after validation, which
//!   is also what the Get operations answer. Lifecycle rules are stored
//!   and validated here; enforcing them is not this module's business.
//!
//! Object tags change a version's metadata in place: no new version, the
//! ETag and the modification time stay, and a snapshot that sees the
//! version sees the new tags (as S3's tagging of a version does). An
//! object's ACL is its bucket's; GetObjectAcl renders it with the bucket's
//! owner as the object's.
//!
//! A preflight (`OPTIONS`) needs no signature: the bucket's CORS rules
//! decide. An allowed preflight gets 200 with the `Access-Control-*`
//! headers; anything else 403 `AccessDenied`. Actual requests carrying an
//! `Origin` that a rule allows get the same headers through
//! [`cors_headers`], which the server calls for every request on a bucket.

use alexander_store::{At, BucketInfo, Store};
use http::{HeaderMap, Method, Response, StatusCode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::bucket::{bucket_acl, bucket_owner, owner_of, parse_canned_acl, refuse_grant_headers};
use super::object::check_version_id;
use super::object_acl::{self, ObjectAcl};
use super::{
    Access, Ctx, blocking, check_access, check_writable, empty_response, header, read_small_body,
    set_header, snapshot_key, xml_response,
};
use crate::error::S3Error;
use crate::server::{RequestBody, ResponseBody};
use crate::xml::{
    AccessControlPolicy, CorsConfiguration, CorsRule, LifecycleConfiguration, Tag, Tagging,
    from_xml, parse_tagging_header, to_xml,
};
use crate::{ACL_SETTING, s3_error};

type R = Result<Response<ResponseBody>, S3Error>;

/// The bucket setting (and `ObjectMeta::extra` entry) holding tags.
pub const TAGGING: &str = "tagging";
/// The bucket setting holding the lifecycle configuration's XML.
pub const LIFECYCLE: &str = "lifecycle";
/// The bucket setting holding the CORS configuration's XML.
pub const CORS: &str = "cors";

/// What tag keys and values keep unencoded: RFC 3986's unreserved set.
const TAG_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Writes tags as a URL query string, `k=v&k2=v2`, every byte outside
/// RFC 3986's unreserved set percent-encoded (a space is `%20`), sorted by
/// key: a tag set is a set, and S3 gives it back in key order whatever
/// order it was sent in.
pub fn encode_tags(tags: &[Tag]) -> String {
    let mut sorted: Vec<&Tag> = tags.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    sorted
        .into_iter()
        .map(|t| {
            format!(
                "{}={}",
                utf8_percent_encode(&t.key, TAG_ENCODE),
                utf8_percent_encode(&t.value, TAG_ENCODE)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Reads tags written by [`encode_tags`] (or an `x-amz-tagging` header,
/// where `+` is a space). Text that does not decode yields no tags.
pub fn decode_tags(text: &str) -> Vec<Tag> {
    parse_tagging_header(text.as_bytes()).unwrap_or_default()
}

fn xml_limit(ctx: &Ctx) -> usize {
    ctx.svc.config().limits.max_xml_bytes
}

/// Sets or removes one bucket setting, durably.
async fn set_setting(
    ctx: &Ctx,
    bucket: &str,
    name: &'static str,
    value: Option<String>,
) -> Result<(), S3Error> {
    let store = ctx.store().clone();
    let bucket = bucket.to_owned();
    blocking(move || Ok(store.set_bucket_setting(&bucket, name, value.as_deref())?)).await
}

/// GetBucketTagging: `NoSuchTagSet` when the bucket has no tags.
pub async fn get_bucket_tagging(ctx: Ctx, bucket: String) -> R {
    let info = check_access(&ctx, &bucket, Access::Owner)?;
    let tags = info
        .settings
        .get(TAGGING)
        .map(|t| decode_tags(t))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            s3_error!(NoSuchTagSet, "The TagSet does not exist").with_field("BucketName", bucket)
        })?;
    Ok(xml_response(StatusCode::OK, to_xml(&Tagging::new(tags))))
}

/// PutBucketTagging: replaces the bucket's tags (up to 50); an empty tag
/// set removes them. 204, as S3 answers.
pub async fn put_bucket_tagging(ctx: Ctx, bucket: String, body: RequestBody) -> R {
    check_access(&ctx, &bucket, Access::Owner)?;
    let raw = read_small_body(&ctx, body, xml_limit(&ctx)).await?;
    let tagging: Tagging = from_xml(&raw, xml_limit(&ctx))?;
    tagging.validate_bucket()?;
    let tags = &tagging.tag_set.tags;
    let value = (!tags.is_empty()).then(|| encode_tags(tags));
    set_setting(&ctx, &bucket, TAGGING, value).await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// DeleteBucketTagging, DeleteBucketLifecycle and DeleteBucketCors: remove
/// one setting; 204 whether or not it was set, as S3 answers.
pub async fn delete_bucket_setting(ctx: Ctx, bucket: String, name: &'static str) -> R {
    check_access(&ctx, &bucket, Access::Owner)?;
    set_setting(&ctx, &bucket, name, None).await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// The policy document for a bucket's canned ACL.
fn acl_policy(info: &BucketInfo) -> Result<AccessControlPolicy, S3Error> {
    let owner = owner_of(bucket_owner(info));
    let canned = bucket_acl(info);
    AccessControlPolicy::from_canned(owner, canned).ok_or_else(|| {
        S3Error::internal(format!(
            "bucket {} holds an unknown canned ACL {canned:?}",
            info.name
        ))
    })
}

/// GetBucketAcl: the bucket's canned ACL as a policy document.
pub async fn get_bucket_acl(ctx: Ctx, bucket: String) -> R {
    let info = check_access(&ctx, &bucket, Access::Owner)?;
    Ok(xml_response(StatusCode::OK, to_xml(&acl_policy(&info)?)))
}

/// PutBucketAcl: a canned ACL in `x-amz-acl`, or a policy document that
/// amounts to one; not both.
pub async fn put_bucket_acl(ctx: Ctx, bucket: String, body: RequestBody) -> R {
    let info = check_access(&ctx, &bucket, Access::Owner)?;
    refuse_grant_headers(&ctx)?;
    let header_acl = match ctx.header("x-amz-acl") {
        Some(v) => Some(parse_canned_acl(v)?),
        None => None,
    };
    let raw = read_small_body(&ctx, body, xml_limit(&ctx)).await?;
    let has_body = !raw.iter().all(u8::is_ascii_whitespace);
    let canned = match (header_acl, has_body) {
        (Some(_), true) => {
            return Err(s3_error!(
                InvalidRequest,
                "Specifying both Canned ACLs and Header Grants or an ACL body is not allowed"
            ));
        }
        (Some(acl), false) => acl,
        (None, _) => {
            let policy: AccessControlPolicy = from_xml(&raw, xml_limit(&ctx))?;
            policy.to_canned(&owner_of(bucket_owner(&info)).id)?
        }
    };
    let value = (canned != "private").then(|| canned.to_owned());
    set_setting(&ctx, &bucket, ACL_SETTING, value).await?;
    Ok(empty_response(StatusCode::OK))
}

/// GetBucketLifecycleConfiguration: the stored rules, or
/// `NoSuchLifecycleConfiguration`.
pub async fn get_bucket_lifecycle(ctx: Ctx, bucket: String) -> R {
    let info = check_access(&ctx, &bucket, Access::Owner)?;
    let xml = info.settings.get(LIFECYCLE).cloned().ok_or_else(|| {
        s3_error!(
            NoSuchLifecycleConfiguration,
            "The lifecycle configuration does not exist"
        )
        .with_field("BucketName", bucket)
    })?;
    Ok(xml_response(StatusCode::OK, xml))
}

/// PutBucketLifecycleConfiguration: validated, then stored in canonical
/// form (replacing any earlier rules).
pub async fn put_bucket_lifecycle(ctx: Ctx, bucket: String, body: RequestBody) -> R {
    check_access(&ctx, &bucket, Access::Owner)?;
    let raw = read_small_body(&ctx, body, xml_limit(&ctx)).await?;
    let conf: LifecycleConfiguration = from_xml(&raw, xml_limit(&ctx))?;
    conf.validate()?;
    set_setting(&ctx, &bucket, LIFECYCLE, Some(to_xml(&conf))).await?;
    Ok(empty_response(StatusCode::OK))
}

/// The lifecycle rules of a bucket, for whoever enforces them.
pub fn lifecycle_of(info: &BucketInfo) -> Option<LifecycleConfiguration> {
    let xml = info.settings.get(LIFECYCLE)?;
    match from_xml(xml.as_bytes(), usize::MAX) {
        Ok(conf) => Some(conf),
        Err(e) => {
            tracing::error!(bucket = %info.name, "stored lifecycle configuration does not parse: {e}");
            None
        }
    }
}

/// GetBucketCors: the stored rules, or `NoSuchCORSConfiguration`.
pub async fn get_bucket_cors(ctx: Ctx, bucket: String) -> R {
    let info = check_access(&ctx, &bucket, Access::Owner)?;
    let xml = info.settings.get(CORS).cloned().ok_or_else(|| {
        s3_error!(
            NoSuchCORSConfiguration,
            "The CORS configuration does not exist"
        )
        .with_field("BucketName", bucket)
    })?;
    Ok(xml_response(StatusCode::OK, xml))
}

/// PutBucketCors: validated, then stored in canonical form.
pub async fn put_bucket_cors(ctx: Ctx, bucket: String, body: RequestBody) -> R {
    check_access(&ctx, &bucket, Access::Owner)?;
    let raw = read_small_body(&ctx, body, xml_limit(&ctx)).await?;
    let conf: CorsConfiguration = from_xml(&raw, xml_limit(&ctx))?;
    conf.validate()?;
    set_setting(&ctx, &bucket, CORS, Some(to_xml(&conf))).await?;
    Ok(empty_response(StatusCode::OK))
}

/// The CORS rules of a bucket, if it has any.
fn cors_of(info: &BucketInfo) -> Option<CorsConfiguration> {
    let xml = info.settings.get(CORS)?;
    match from_xml(xml.as_bytes(), usize::MAX) {
        Ok(conf) => Some(conf),
        Err(e) => {
            tracing::error!(bucket = %info.name, "stored CORS configuration does not parse: {e}");
            None
        }
    }
}

fn cors_denied() -> S3Error {
    s3_error!(
        AccessDenied,
        "CORSResponse: This CORS request is not allowed. This is usually because the evaluation of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."
    )
}

/// The `Access-Control-*` headers a matching rule grants (`request_headers`
/// non-empty only for a preflight, which echoes them).
fn rule_headers(
    rule: &CorsRule,
    origin: &str,
    request_headers: &[&str],
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if rule.allowed_origins.iter().any(|o| o == "*") {
        out.push(("access-control-allow-origin", "*".to_owned()));
    } else {
        out.push(("access-control-allow-origin", origin.to_owned()));
        out.push(("access-control-allow-credentials", "true".to_owned()));
    }
    out.push((
        "access-control-allow-methods",
        rule.allowed_methods.join(", "),
    ));
    if !request_headers.is_empty() {
        out.push(("access-control-allow-headers", request_headers.join(", ")));
    }
    if !rule.expose_headers.is_empty() {
        out.push((
            "access-control-expose-headers",
            rule.expose_headers.join(", "),
        ));
    }
    if let Some(age) = rule.max_age_seconds {
        out.push(("access-control-max-age", age.to_string()));
    }
    out.push((
        "vary",
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Method".to_owned(),
    ));
    out
}

/// A CORS preflight: `Origin` and `Access-Control-Request-Method` (and
/// optionally `Access-Control-Request-Headers`) against the bucket's rules.
/// Needs no authentication.
pub async fn options(ctx: Ctx, bucket: Option<String>) -> R {
    let origin = ctx
        .header("origin")
        .filter(|o| !o.is_empty())
        .ok_or_else(|| {
            s3_error!(
                InvalidRequest,
                "Insufficient information. Origin request header needed."
            )
        })?;
    let method = ctx
        .header("access-control-request-method")
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            s3_error!(
                InvalidRequest,
                "Invalid Access-Control-Request-Method: null"
            )
        })?;
    let requested: Vec<&str> = ctx
        .header("access-control-request-headers")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    let Some(bucket) = bucket else {
        return Err(cors_denied());
    };
    let info = ctx.store().head_bucket(&bucket)?;
    let conf = cors_of(&info).ok_or_else(cors_denied)?;
    let rule = conf
        .find_rule(origin, method, &requested)
        .ok_or_else(cors_denied)?;
    let mut resp = empty_response(StatusCode::OK);
    for (name, value) in rule_headers(rule, origin, &requested) {
        set_header(resp.headers_mut(), name, &value);
    }
    Ok(resp)
}

/// The `Access-Control-*` headers an actual request on `bucket` earns: none
/// without an `Origin`, a CORS configuration and a rule allowing the origin
/// and method.
pub fn cors_response_headers(
    store: &Store,
    bucket: &str,
    method: &Method,
    request: &HeaderMap,
) -> Vec<(&'static str, String)> {
    let Some(origin) = header(request, "origin").filter(|o| !o.is_empty()) else {
        return Vec::new();
    };
    let Ok(info) = store.head_bucket(bucket) else {
        return Vec::new();
    };
    let Some(conf) = cors_of(&info) else {
        return Vec::new();
    };
    match conf.find_rule(origin, method.as_str(), &[]) {
        Some(rule) => rule_headers(rule, origin, &[]),
        None => Vec::new(),
    }
}

/// Adds to `response` the `Access-Control-*` headers an actual request on
/// `bucket` earns (see [`cors_response_headers`]).
pub fn cors_headers(
    store: &Store,
    bucket: &str,
    method: &Method,
    request: &HeaderMap,
    response: &mut HeaderMap,
) {
    for (name, value) in cors_response_headers(store, bucket, method, request) {
        set_header(response, name, &value);
    }
}

/// Which version an object-level configuration request names: a snapshot
/// view (`.snapshots/NAME/key`, read-only), a version, or the current one.
/// Returns the store key and where to read it.
fn object_target<'a>(
    key: &'a str,
    version_id: Option<&'a str>,
) -> Result<(&'a str, At<'a>), S3Error> {
    match (snapshot_key(key), version_id) {
        (Some(_), Some(_)) => Err(s3_error!(
            InvalidArgument,
            "A key under .snapshots/ names a snapshot's view; it takes no versionId"
        )),
        (Some((name, inner)), None) => Ok((inner, At::Snapshot(name))),
        (None, Some(id)) => Ok((key, At::Version(id))),
        (None, None) => Ok((key, At::Current)),
    }
}

/// Whether responses about this bucket's objects carry `x-amz-version-id`:
/// only once versioning was ever turned on, as S3 does.
fn shows_versions(info: &BucketInfo) -> bool {
    info.versioning != alexander_store::Versioning::Unversioned
}

/// GetObjectTagging: the version's tags (possibly none), to the owner
/// only: in S3 no ACL grants it, neither the bucket's (whose READ is
/// listing) nor the object's (whose READ is GetObject).
pub async fn get_object_tagging(
    ctx: Ctx,
    bucket: String,
    key: String,
    version_id: Option<String>,
) -> R {
    let info = check_access(&ctx, &bucket, Access::Owner)?;
    let store = ctx.store().clone();
    let object = blocking(move || {
        let (k, at) = object_target(&key, version_id.as_deref())?;
        Ok(store.head_object(&bucket, k, at)?)
    })
    .await?;
    let tags = object
        .meta
        .extra
        .get(TAGGING)
        .map(|t| decode_tags(t))
        .unwrap_or_default();
    let mut resp = xml_response(StatusCode::OK, to_xml(&Tagging::new(tags)));
    if shows_versions(&info) {
        set_header(resp.headers_mut(), "x-amz-version-id", &object.version_id);
    }
    Ok(resp)
}

/// PutObjectTagging: replaces a version's tags (up to 10) without making a
/// new version.
pub async fn put_object_tagging(
    ctx: Ctx,
    bucket: String,
    key: String,
    version_id: Option<String>,
    body: RequestBody,
) -> R {
    let info = check_access(&ctx, &bucket, Access::Write)?;
    check_writable(&key)?;
    let raw = read_small_body(&ctx, body, xml_limit(&ctx)).await?;
    let tagging: Tagging = from_xml(&raw, xml_limit(&ctx))?;
    tagging.validate_object()?;
    let tags = tagging.tag_set.tags;
    let object = update_tags(
        &ctx,
        bucket,
        key,
        version_id,
        (!tags.is_empty()).then(|| encode_tags(&tags)),
    )
    .await?;
    let mut resp = empty_response(StatusCode::OK);
    if shows_versions(&info) {
        set_header(resp.headers_mut(), "x-amz-version-id", &object.version_id);
    }
    Ok(resp)
}

/// DeleteObjectTagging: removes a version's tags; 204.
pub async fn delete_object_tagging(
    ctx: Ctx,
    bucket: String,
    key: String,
    version_id: Option<String>,
) -> R {
    let info = check_access(&ctx, &bucket, Access::Write)?;
    check_writable(&key)?;
    let object = update_tags(&ctx, bucket, key, version_id, None).await?;
    let mut resp = empty_response(StatusCode::NO_CONTENT);
    if shows_versions(&info) {
        set_header(resp.headers_mut(), "x-amz-version-id", &object.version_id);
    }
    Ok(resp)
}

async fn update_tags(
    ctx: &Ctx,
    bucket: String,
    key: String,
    version_id: Option<String>,
    encoded: Option<String>,
) -> Result<alexander_store::ObjectInfo, S3Error> {
    let store = ctx.store().clone();
    blocking(move || {
        let at = match &version_id {
            Some(id) => At::Version(id),
            None => At::Current,
        };
        Ok(
            store.update_object_meta(&bucket, &key, at, |meta| match encoded {
                Some(tags) => {
                    meta.extra.insert(TAGGING.to_owned(), tags);
                }
                None => {
                    meta.extra.remove(TAGGING);
                }
            })?,
        )
    })
    .await
}

/// GetObjectAcl: the version's canned ACL as a policy document, owned by
/// the bucket's owner.
pub async fn get_object_acl(
    ctx: Ctx,
    bucket: String,
    key: String,
    version_id: Option<String>,
) -> R {
    let info = check_access(&ctx, &bucket, Access::Owner)?;
    let store = ctx.store().clone();
    let name = bucket.clone();
    let object = blocking(move || {
        let (k, at) = object_target(&key, version_id.as_deref())?;
        Ok(store.head_object(&name, k, at)?)
    })
    .await?;
    let acl = ObjectAcl::of(&object.meta);
    let policy = AccessControlPolicy::from_canned(owner_of(bucket_owner(&info)), acl.name())
        .ok_or_else(|| S3Error::internal(format!("no policy for {}", acl.name())))?;
    let mut resp = xml_response(StatusCode::OK, to_xml(&policy));
    if shows_versions(&info) {
        set_header(resp.headers_mut(), "x-amz-version-id", &object.version_id);
    }
    Ok(resp)
}

/// PutObjectAcl: a canned ACL in `x-amz-acl`, grants in `x-amz-grant-*`
/// headers, or a policy document, each amounting to one of the canned ACLs
/// objects take ([`ObjectAcl`]); the version's metadata changes in place
/// (no new version, same ETag and modification time).
pub async fn put_object_acl(
    ctx: Ctx,
    bucket: String,
    key: String,
    version_id: Option<String>,
    body: RequestBody,
) -> R {
    let info = check_access(&ctx, &bucket, Access::Owner)?;
    check_writable(&key)?;
    if let Some(v) = &version_id {
        check_version_id(v)?;
    }
    let owner = owner_of(bucket_owner(&info));
    let from_headers = object_acl::from_headers(&ctx.parts.headers, &owner.id)?;
    let raw = read_small_body(&ctx, body, xml_limit(&ctx)).await?;
    let has_body = !raw.iter().all(u8::is_ascii_whitespace);
    let acl = match (from_headers, has_body) {
        (Some(_), true) => {
            return Err(s3_error!(
                UnexpectedContent,
                "This request does not support content"
            ));
        }
        (Some(acl), false) => acl,
        (None, false) => {
            return Err(s3_error!(
                MissingSecurityHeader,
                "Your request was missing a required header"
            )
            .with_field("MissingHeaderName", "x-amz-acl"));
        }
        (None, true) => {
            let policy: AccessControlPolicy = from_xml(&raw, xml_limit(&ctx))?;
            object_acl::from_policy(&policy, &owner.id)?
        }
    };
    let store = ctx.store().clone();
    blocking(move || {
        let at = match &version_id {
            Some(id) => At::Version(id),
            None => At::Current,
        };
        Ok(store.update_object_meta(&bucket, &key, at, |meta| acl.store_in(meta))?)
    })
    .await?;
    Ok(empty_response(StatusCode::OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        let tags = vec![
            Tag::new("env", "prod"),
            Tag::new("a b+c", "x=y&z"),
            Tag::new("ünï", ""),
            Tag::new("k~._-", "%41"),
        ];
        let text = encode_tags(&tags);
        // Sorted by key, whatever the order sent.
        assert_eq!(
            text,
            "a%20b%2Bc=x%3Dy%26z&env=prod&k~._-=%2541&%C3%BCn%C3%AF="
        );
        let mut sorted = tags.clone();
        sorted.sort_by(|a, b| a.key.cmp(&b.key));
        assert_eq!(decode_tags(&text), sorted);
        assert_eq!(encode_tags(&[]), "");
        assert!(decode_tags("").is_empty());
        // The x-amz-tagging header's form, with + as a space.
        assert_eq!(decode_tags("a+b=c"), vec![Tag::new("a b", "c")]);
        assert!(decode_tags("k=%zz").is_empty());
    }

    #[test]
    fn preflight_headers() {
        let rule = CorsRule {
            allowed_origins: vec!["https://*.example.com".into()],
            allowed_methods: vec!["GET".into(), "PUT".into()],
            allowed_headers: vec!["*".into()],
            expose_headers: vec!["ETag".into(), "x-amz-version-id".into()],
            max_age_seconds: Some(600),
            ..Default::default()
        };
        let h = rule_headers(
            &rule,
            "https://app.example.com",
            &["content-type", "x-amz-date"],
        );
        let get = |n: &str| h.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        assert_eq!(
            get("access-control-allow-origin"),
            Some("https://app.example.com")
        );
        assert_eq!(get("access-control-allow-credentials"), Some("true"));
        assert_eq!(get("access-control-allow-methods"), Some("GET, PUT"));
        assert_eq!(
            get("access-control-allow-headers"),
            Some("content-type, x-amz-date")
        );
        assert_eq!(
            get("access-control-expose-headers"),
            Some("ETag, x-amz-version-id")
        );
        assert_eq!(get("access-control-max-age"), Some("600"));
        let any = CorsRule {
            allowed_origins: vec!["*".into()],
            allowed_methods: vec!["GET".into()],
            ..Default::default()
        };
        let h = rule_headers(&any, "http://x", &[]);
        assert!(h.contains(&("access-control-allow-origin", "*".to_owned())));
        assert!(!h.iter().any(
            |(k, _)| *k == "access-control-allow-credentials" || *k == "access-control-max-age"
        ));
    }

    #[test]
    fn object_targets() {
        assert_eq!(object_target("a/b", None).unwrap(), ("a/b", At::Current));
        assert_eq!(
            object_target("a", Some("null")).unwrap(),
            ("a", At::Version("null"))
        );
        assert_eq!(
            object_target(".snapshots/s1/a/b", None).unwrap(),
            ("a/b", At::Snapshot("s1"))
        );
        assert!(object_target(".snapshots/s1/a", Some("x")).is_err());
    }
}
