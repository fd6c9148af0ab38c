//! PostObject: browser uploads, `POST /bucket` with a
//! `multipart/form-data` body whose fields stand for PutObject's headers
//! and whose last field, `file`, is the object.
//!
//! The form is authenticated by its own fields, not by an `Authorization`
//! header: `policy` (base64 JSON, see [`policy`]) signed with SigV4
//! (`x-amz-algorithm`, `x-amz-credential`, `x-amz-date`,
//! `x-amz-signature`, the signature being the HMAC of the base64 policy
//! under the credential's signing key). The credential's key must be a
//! live Alexander key; the upload then runs as its user, with the same
//! bucket access check as PutObject. A form with neither policy nor
//! signature is anonymous, and only a bucket whose ACL lets anyone write
//! takes it.
//!
//! Everything is checked from the fields before the file (signature,
//! expiration, conditions, access, metadata) and only then is the file
//! streamed to the store, through the same pipeline as a PUT body; its
//! size is held to the policy's `content-length-range` as it streams, and
//! the commit happens only if every check passed, so a refused POST stores
//! nothing.
//!
//! Choices where this server differs from S3: SigV2 forms
//! (`AWSAccessKeyId`, `signature`) are refused, as SigV2 is everywhere;
//! `acl` takes the canned ACLs PutObject's `x-amz-acl` takes; a request that also carries an
//! `Authorization` header or presigned query is refused rather than
//! guessed at.

pub mod policy;

use std::collections::BTreeMap;

use alexander_store::PutOptions;
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::BodyExt;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use subtle::ConstantTimeEq;

use super::multipart::path_encode;
use super::object::{check_key, checksum_key, refuse_unsupported, set_version_header};
use super::object_acl;
use super::upload::{BodyHashes, Upload, store_upload};
use super::{
    Access, Ctx, check_access, check_writable, config, header, meta_from_headers, set_header,
};
use crate::auth::sigv4::{self, ALGORITHM, SigningKey};
use crate::checksum::{self, Checksummer, DeclaredChecksum};
use crate::error::{S3Error, S3ErrorCode};
use crate::form::{self, FormReader, Part};
use crate::iam::{Principal, now_ns};
use crate::s3_error;
use crate::server::{RequestBody, ResponseBody, empty, full};
use crate::xml::{Tagging, from_xml, quote_etag, to_xml};
use policy::Policy;

type R = Result<Response<ResponseBody>, S3Error>;

/// The fields that authenticate a form; they are not object metadata.
const AUTH_FIELDS: [&str; 5] = [
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-signature",
    "x-amz-security-token",
];

/// Fields that become the object's system metadata, as the headers of
/// the same name do on PutObject.
const HEADER_FIELDS: [&str; 7] = [
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-md5",
    "content-type",
    "expires",
];

/// The reply to `success_action_status=201`.
#[derive(Debug, Serialize)]
#[serde(rename = "PostResponse")]
struct PostResponse {
    #[serde(rename = "Location")]
    location: String,
    #[serde(rename = "Bucket")]
    bucket: String,
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "ETag")]
    etag: String,
}

fn missing(field: &str) -> S3Error {
    s3_error!(
        InvalidArgument,
        "Bucket POST must contain a field named '{field}'.  If it is specified, please check the order of the fields."
    )
    .with_field("ArgumentName", field)
    .with_field("ArgumentValue", "")
}

fn bad_field(field: &str, value: &str, why: &str) -> S3Error {
    s3_error!(InvalidArgument, "{why}")
        .with_field("ArgumentName", field)
        .with_field("ArgumentValue", value)
}

pub async fn post_object(mut ctx: Ctx, bucket: String, body: RequestBody) -> R {
    if !matches!(ctx.principal, Principal::Anonymous) {
        return Err(s3_error!(
            InvalidRequest,
            "A POST upload is authenticated by its form's policy and signature; send it without an Authorization header or presigned query"
        ));
    }
    let boundary = header(&ctx.parts.headers, "content-type")
        .and_then(form::boundary)
        .ok_or_else(|| {
            s3_error!(
                PreconditionFailed,
                "Bucket POST must be of the enclosure-type multipart/form-data"
            )
            .with_field(
                "Condition",
                "Bucket POST must be of the enclosure-type-multipart/form-data",
            )
        })?;
    let mut reader = FormReader::new(body, &boundary);
    let mut fields = BTreeMap::new();
    let filename = loop {
        match reader.next_part().await? {
            None => {
                return Err(s3_error!(
                    IncorrectNumberOfFilesInPostRequest,
                    "POST requires exactly one file upload per request."
                ));
            }
            Some(Part::Field { name, value }) => {
                let name = name.to_ascii_lowercase();
                if fields.contains_key(&name) {
                    return Err(bad_field(
                        &name,
                        &value,
                        "A form field may be given only once.",
                    ));
                }
                fields.insert(name, value);
            }
            Some(Part::File { filename }) => break filename.unwrap_or_default(),
        }
    };

    let key = fields
        .get("key")
        .ok_or_else(|| missing("key"))?
        .replace("${filename}", &filename);
    if key.is_empty() {
        return Err(bad_field(
            "key",
            "",
            "User key must have a length greater than 0.",
        ));
    }
    check_key(&key)?;
    check_writable(&key)?;

    // Who signed the form, and what its policy allows.
    let range = match authenticate(&ctx, &fields)? {
        Some((principal, policy)) => {
            let range = policy.check(now_ns(), &bucket, &key, &fields)?;
            ctx.principal = principal;
            range
        }
        None => (0, u64::MAX),
    };
    let binfo = check_access(&ctx, &bucket, Access::Write)?;

    // The fields that stand for PutObject's headers.
    let headers = object_headers(&fields)?;
    refuse_unsupported(&headers)?;
    let limits = &ctx.svc.inner.config.limits;
    let mut meta = meta_from_headers(&headers, limits.max_user_metadata, &ctx.principal)?;
    object_acl::for_new_version(&headers, &binfo)?.store_in(&mut meta);
    if let Some(xml) = fields.get("tagging") {
        let tagging: Tagging = from_xml(xml.as_bytes(), limits.max_xml_bytes)?;
        tagging.validate_object()?;
        let tags = tagging.tag_set.tags;
        if !tags.is_empty() {
            meta.extra
                .insert(config::TAGGING.to_owned(), config::encode_tags(&tags));
        }
    }
    let checksum = match checksum::declared_checksum(&headers)? {
        Some(DeclaredChecksum::Header { algorithm, value }) => {
            meta.extra
                .insert(checksum_key(algorithm).to_owned(), value.clone());
            Some((
                DeclaredChecksum::Header { algorithm, value },
                Checksummer::new(algorithm),
            ))
        }
        Some(DeclaredChecksum::Trailer { .. }) => {
            return Err(s3_error!(
                InvalidRequest,
                "A POST upload cannot announce a trailing checksum"
            ));
        }
        None => None,
    };
    let md5 = match headers.get("content-md5") {
        Some(v) => Some((
            checksum::parse_content_md5(v.as_bytes())?,
            md5::Md5::default(),
        )),
        None => None,
    };
    let (min_size, max_size) = range;
    let upload = Upload {
        body: reader.into_file().boxed_unsync(),
        decoder: None,
        expected_len: None,
        max_len: max_size.min(limits.max_put_size),
        seen: 0,
        ended: false,
        hashes: Some(BodyHashes {
            sha256: None,
            md5,
            checksum,
            computed: None,
        }),
    };
    let (b, k) = (bucket.clone(), key.clone());
    let (stored, outcome) = store_upload(ctx.store().clone(), upload, move |store, staged, _| {
        if staged.size() < min_size {
            // Dropped uncommitted: its chunks are left for GC.
            return Ok(Err(staged.size()));
        }
        store
            .put_staged(
                &b,
                &k,
                staged,
                PutOptions {
                    meta,
                    condition: None,
                },
            )
            .map(Ok)
    })
    .await?;
    let info = stored.map_err(|size| {
        s3_error!(
            EntityTooSmall,
            "Your proposed upload is smaller than the minimum allowed size"
        )
        .with_field("ProposedSize", size.to_string())
        .with_field("MinSizeAllowed", min_size.to_string())
    })?;

    let etag = quote_etag(&info.etag);
    let host = header(&ctx.parts.headers, "host").unwrap_or("localhost");
    let location = format!(
        "http://{host}/{}/{}",
        path_encode(&bucket),
        path_encode(&key)
    );
    let redirect = fields
        .get("success_action_redirect")
        .or_else(|| fields.get("redirect"))
        .filter(|url| url.starts_with("http://") || url.starts_with("https://"));
    let mut resp = if let Some(url) = redirect {
        let q = |v: &str| utf8_percent_encode(v, NON_ALPHANUMERIC).to_string();
        let sep = if url.contains('?') { '&' } else { '?' };
        let target = format!(
            "{url}{sep}bucket={}&key={}&etag={}",
            q(&bucket),
            q(&key),
            q(&etag)
        );
        let mut r = Response::new(empty());
        *r.status_mut() = StatusCode::SEE_OTHER;
        set_header(r.headers_mut(), "location", &target);
        r
    } else {
        match fields.get("success_action_status").map(String::as_str) {
            Some("200") => status_only(StatusCode::OK),
            Some("201") => {
                let doc = PostResponse {
                    location: location.clone(),
                    bucket: bucket.clone(),
                    key: key.clone(),
                    etag: etag.clone(),
                };
                let mut r = Response::new(full(to_xml(&doc)));
                *r.status_mut() = StatusCode::CREATED;
                set_header(r.headers_mut(), "content-type", "application/xml");
                r
            }
            // S3 answers 204 for anything else, and by default.
            _ => status_only(StatusCode::NO_CONTENT),
        }
    };
    let h = resp.headers_mut();
    set_header(h, "etag", &etag);
    if !h.contains_key("location") {
        set_header(h, "location", &location);
    }
    set_version_header(h, "x-amz-version-id", binfo.versioning, &info.version_id);
    if let Some((algorithm, value)) = &outcome.checksum {
        set_header(h, algorithm.header_name(), value);
    }
    Ok(resp)
}

fn status_only(status: StatusCode) -> Response<ResponseBody> {
    let mut r = Response::new(empty());
    *r.status_mut() = status;
    r
}

/// The form's signer and policy; `None` for an anonymous form (no policy,
/// no signature).
fn authenticate(
    ctx: &Ctx,
    fields: &BTreeMap<String, String>,
) -> Result<Option<(Principal, Policy)>, S3Error> {
    if fields.contains_key("awsaccesskeyid") || fields.contains_key("signature") {
        return Err(s3_error!(
            InvalidRequest,
            "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
        ));
    }
    let policy_text = fields.get("policy");
    let signature = fields.get("x-amz-signature");
    let (policy_text, signature) = match (policy_text, signature) {
        (None, None) => {
            if let Some(name) = AUTH_FIELDS.iter().find(|n| fields.contains_key(**n)) {
                return Err(bad_field(
                    name,
                    &fields[*name],
                    "A form with authentication fields must carry a policy and its signature.",
                ));
            }
            return Ok(None);
        }
        (None, Some(_)) => return Err(missing("policy")),
        (Some(_), None) => return Err(missing("x-amz-signature")),
        (Some(p), Some(s)) => (p, s),
    };
    if let Some(token) = fields.get("x-amz-security-token") {
        return Err(bad_field(
            "x-amz-security-token",
            token,
            "Alexander issues no session credentials; sign with a user's access key.",
        ));
    }
    let algorithm = fields
        .get("x-amz-algorithm")
        .ok_or_else(|| missing("x-amz-algorithm"))?;
    if algorithm != ALGORITHM {
        return Err(bad_field(
            "x-amz-algorithm",
            algorithm,
            "The only x-amz-algorithm supported is AWS4-HMAC-SHA256.",
        ));
    }
    let credential = fields
        .get("x-amz-credential")
        .ok_or_else(|| missing("x-amz-credential"))?;
    let amz_date = fields
        .get("x-amz-date")
        .ok_or_else(|| missing("x-amz-date"))?;
    let region = &ctx.svc.inner.config.region;
    let (access_key, date) = parse_credential(credential, region)?;
    if sigv4::parse_amz_date(amz_date).is_none() || !amz_date.starts_with(date) {
        return Err(bad_field(
            "x-amz-date",
            amz_date,
            "x-amz-date must be YYYYMMDD'T'HHMMSS'Z' on the credential's date.",
        ));
    }
    let found = ctx.svc.inner.iam.lookup(access_key).map_err(|e| {
        tracing::error!("looking up access key {access_key}: {e}");
        S3Error::internal("the access key could not be read")
    })?;
    let Some((secret, principal)) = found else {
        return Err(S3Error::new(
            S3ErrorCode::InvalidAccessKeyId,
            "The AWS Access Key Id you provided does not exist in our records.",
        )
        .with_field("AWSAccessKeyId", access_key.to_owned()));
    };
    let key = SigningKey::derive(&secret, date, region, "s3");
    let computed = key.sign(policy_text.as_bytes());
    let provided = hex::decode(signature.trim()).unwrap_or_default();
    if !bool::from(computed.as_slice().ct_eq(&provided)) {
        return Err(S3Error::new(
            S3ErrorCode::SignatureDoesNotMatch,
            "The request signature we calculated does not match the signature you provided. \
             Check your key and signing method.",
        )
        .with_field("AWSAccessKeyId", access_key.to_owned())
        .with_field("StringToSign", policy_text.clone()));
    }
    // Policy errors come after the signature: only the signer learns them.
    Ok(Some((principal, Policy::parse(policy_text)?)))
}

/// `AK/YYYYMMDD/region/s3/aws4_request` → (AK, YYYYMMDD), for this server's
/// region.
fn parse_credential<'a>(credential: &'a str, region: &str) -> Result<(&'a str, &'a str), S3Error> {
    let bad = |why: &str| bad_field("x-amz-credential", credential, why);
    let mut parts = credential.rsplitn(5, '/');
    let (Some(terminator), Some(service), Some(cred_region), Some(date), Some(access_key)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(bad(
            "The credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        ));
    };
    if access_key.is_empty() || date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(
            "The credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        ));
    }
    if terminator != "aws4_request" || service != "s3" {
        return Err(bad("The credential must be scoped to s3 and aws4_request."));
    }
    if cred_region != region {
        return Err(bad(&format!(
            "The credential's region '{cred_region}' is wrong; expecting '{region}'."
        )));
    }
    Ok((access_key, date))
}

/// The form fields that stand for PutObject's request headers, as headers.
fn object_headers(fields: &BTreeMap<String, String>) -> Result<HeaderMap, S3Error> {
    let mut headers = HeaderMap::new();
    for (name, value) in fields {
        let header_name = match name.as_str() {
            "acl" => "x-amz-acl",
            n if HEADER_FIELDS.contains(&n) => n,
            n if n.starts_with("x-amz-") && !AUTH_FIELDS.contains(&n) => n,
            _ => continue,
        };
        let n = HeaderName::from_bytes(header_name.as_bytes())
            .map_err(|_| bad_field(name, value, "The form field's name is not valid."))?;
        let v = HeaderValue::from_str(value)
            .map_err(|_| bad_field(name, value, "The form field's value is not valid."))?;
        headers.insert(n, v);
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials() {
        assert_eq!(
            parse_credential("AK/20260101/us-east-1/s3/aws4_request", "us-east-1").unwrap(),
            ("AK", "20260101")
        );
        for bad in [
            "AK/20260101/eu-west-1/s3/aws4_request",
            "AK/20260101/us-east-1/iam/aws4_request",
            "AK/2026011/us-east-1/s3/aws4_request",
            "/20260101/us-east-1/s3/aws4_request",
            "AK/20260101/us-east-1/s3/aws4",
            "nonsense",
        ] {
            assert_eq!(
                parse_credential(bad, "us-east-1").unwrap_err().code,
                S3ErrorCode::InvalidArgument,
                "{bad}"
            );
        }
    }

    #[test]
    fn header_fields() {
        let fields: BTreeMap<String, String> = [
            ("acl", "private"),
            ("content-type", "image/png"),
            ("x-amz-meta-a", "1"),
            ("x-amz-credential", "AK/..."),
            ("key", "k"),
            ("success_action_status", "201"),
        ]
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
        let h = object_headers(&fields).unwrap();
        assert_eq!(h.len(), 3);
        assert_eq!(h["x-amz-acl"], "private");
        assert_eq!(h["content-type"], "image/png");
        assert_eq!(h["x-amz-meta-a"], "1");
    }

    #[test]
    fn post_response_xml() {
        let doc = PostResponse {
            location: "http://h/b/k".into(),
            bucket: "b".into(),
            key: "k".into(),
            etag: "\"e\"".into(),
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse><Location>http://h/b/k</Location>\
             <Bucket>b</Bucket><Key>k</Key><ETag>\"e\"</ETag></PostResponse>"
        );
    }
}
