//! CORS configurations: the body of PutBucketCors, the reply of
//! GetBucketCors, S3's checks, and rule matching for preflight and actual
//! requests.

use serde::{Deserialize, Serialize};

use super::Xmlns;
use crate::error::S3Error;
use crate::s3_error;

/// The most rules a configuration may hold.
pub const MAX_CORS_RULES: usize = 100;

/// The methods a rule may allow.
pub const CORS_METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "HEAD"];

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "CORSConfiguration")]
pub struct CorsConfiguration {
    #[serde(rename = "@xmlns", skip_deserializing)]
    pub xmlns: Xmlns,
    #[serde(rename = "CORSRule", default)]
    pub rules: Vec<CorsRule>,
}

/// One rule. Read through a list of elements, so that the repeated
/// elements may be interleaved in any order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "CorsRuleXml")]
pub struct CorsRule {
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "AllowedHeader")]
    pub allowed_headers: Vec<String>,
    #[serde(rename = "AllowedMethod")]
    pub allowed_methods: Vec<String>,
    #[serde(rename = "AllowedOrigin")]
    pub allowed_origins: Vec<String>,
    #[serde(rename = "ExposeHeader")]
    pub expose_headers: Vec<String>,
    #[serde(rename = "MaxAgeSeconds", skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<i64>,
}

#[derive(Deserialize)]
struct CorsRuleXml {
    #[serde(rename = "$value", default)]
    items: Vec<CorsItem>,
}

#[derive(Deserialize)]
enum CorsItem {
    #[serde(rename = "ID")]
    Id(String),
    AllowedHeader(String),
    AllowedMethod(String),
    AllowedOrigin(String),
    ExposeHeader(String),
    MaxAgeSeconds(i64),
}

impl From<CorsRuleXml> for CorsRule {
    fn from(xml: CorsRuleXml) -> CorsRule {
        let mut rule = CorsRule::default();
        for item in xml.items {
            match item {
                CorsItem::Id(id) => rule.id = Some(id),
                CorsItem::AllowedHeader(h) => rule.allowed_headers.push(h),
                CorsItem::AllowedMethod(m) => rule.allowed_methods.push(m),
                CorsItem::AllowedOrigin(o) => rule.allowed_origins.push(o),
                CorsItem::ExposeHeader(h) => rule.expose_headers.push(h),
                CorsItem::MaxAgeSeconds(s) => rule.max_age_seconds = Some(s),
            }
        }
        rule
    }
}

impl CorsConfiguration {
    /// S3's checks on a configuration being put: 1..=100 rules, each with
    /// at least one origin and one method (`MalformedXML`); methods among
    /// GET, PUT, POST, DELETE, HEAD and at most one `*` per origin or
    /// header (`InvalidRequest`); IDs of at most 255 characters
    /// (`InvalidArgument`).
    pub fn validate(&self) -> Result<(), S3Error> {
        if self.rules.is_empty() || self.rules.len() > MAX_CORS_RULES {
            return Err(super::malformed());
        }
        for rule in &self.rules {
            if rule.allowed_origins.is_empty() || rule.allowed_methods.is_empty() {
                return Err(super::malformed());
            }
            if rule.id.as_ref().is_some_and(|id| id.chars().count() > 255) {
                return Err(s3_error!(
                    InvalidArgument,
                    "ID length should not exceed allowed limit of 255"
                ));
            }
            if let Some(m) = rule
                .allowed_methods
                .iter()
                .find(|m| !CORS_METHODS.contains(&m.as_str()))
            {
                return Err(s3_error!(
                    InvalidRequest,
                    "Found unsupported HTTP method in CORS config. Unsupported method is {m}"
                ));
            }
            for origin in &rule.allowed_origins {
                if origin.matches('*').count() > 1 {
                    return Err(s3_error!(
                        InvalidRequest,
                        "AllowedOrigin \"{origin}\" can not have more than one wildcard."
                    ));
                }
            }
            for header in &rule.allowed_headers {
                if header.matches('*').count() > 1 {
                    return Err(s3_error!(
                        InvalidRequest,
                        "AllowedHeader \"{header}\" can not have more than one wildcard."
                    ));
                }
            }
        }
        Ok(())
    }

    /// The first rule that allows `origin` to use `method` with the given
    /// request headers (for a preflight, the names listed in
    /// `Access-Control-Request-Headers`), as S3 picks it.
    pub fn find_rule(
        &self,
        origin: &str,
        method: &str,
        request_headers: &[&str],
    ) -> Option<&CorsRule> {
        self.rules
            .iter()
            .find(|r| r.matches(origin, method, request_headers))
    }
}

impl CorsRule {
    /// Whether the rule allows `origin` (case-sensitive, one `*` wildcard),
    /// `method` (exact) and every one of `request_headers`
    /// (case-insensitive, one `*` wildcard).
    pub fn matches(&self, origin: &str, method: &str, request_headers: &[&str]) -> bool {
        self.allowed_origins
            .iter()
            .any(|o| wildcard_match(o, origin))
            && self.allowed_methods.iter().any(|m| m == method)
            && request_headers.iter().all(|h| {
                let h = h.trim().to_ascii_lowercase();
                h.is_empty()
                    || self
                        .allowed_headers
                        .iter()
                        .any(|a| wildcard_match(&a.to_ascii_lowercase(), &h))
            })
    }
}

/// `pattern` with at most one `*` standing for any run of characters.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            text.len() >= head.len() + tail.len() && text.starts_with(head) && text.ends_with(tail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::S3ErrorCode;
    use crate::xml::{from_xml, to_xml};

    #[test]
    fn parse_as_clients_send_it() {
        // boto3 put_bucket_cors.
        let body = br#"<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><AllowedHeader>*</AllowedHeader><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedOrigin>https://*.example.com</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule><CORSRule><ID>public</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>"#;
        let c: CorsConfiguration = from_xml(body, 1 << 16).unwrap();
        c.validate().unwrap();
        assert_eq!(
            c.rules[0],
            CorsRule {
                id: None,
                allowed_headers: vec!["*".into()],
                allowed_methods: vec!["PUT".into(), "POST".into()],
                allowed_origins: vec!["https://*.example.com".into()],
                expose_headers: vec!["ETag".into()],
                max_age_seconds: Some(3000),
            }
        );
        assert_eq!(c.rules[1].id.as_deref(), Some("public"));

        // Hand-written, pretty-printed and interleaved.
        let body = b"<CORSConfiguration>\n <CORSRule>\n  <AllowedOrigin>http://a</AllowedOrigin>\n  <AllowedMethod>GET</AllowedMethod>\n  <AllowedOrigin>http://b</AllowedOrigin>\n  <MaxAgeSeconds>5</MaxAgeSeconds>\n  <AllowedMethod>HEAD</AllowedMethod>\n </CORSRule>\n</CORSConfiguration>";
        let c: CorsConfiguration = from_xml(body, 1 << 16).unwrap();
        c.validate().unwrap();
        assert_eq!(c.rules[0].allowed_origins, vec!["http://a", "http://b"]);
        assert_eq!(c.rules[0].allowed_methods, vec!["GET", "HEAD"]);
    }

    #[test]
    fn serialize_and_round_trip() {
        let doc = CorsConfiguration {
            xmlns: Xmlns,
            rules: vec![CorsRule {
                id: Some("r".into()),
                allowed_headers: vec!["x-amz-*".into()],
                allowed_methods: vec!["GET".into(), "PUT".into()],
                allowed_origins: vec!["*".into()],
                expose_headers: vec![],
                max_age_seconds: Some(60),
            }],
        };
        let xml = to_xml(&doc);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <CORSConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><CORSRule>\
             <ID>r</ID><AllowedHeader>x-amz-*</AllowedHeader>\
             <AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>\
             <AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>60</MaxAgeSeconds>\
             </CORSRule></CORSConfiguration>"
        );
        let back: CorsConfiguration = from_xml(xml.as_bytes(), 1 << 16).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn refused() {
        use S3ErrorCode::*;
        let rule = |inner: &str| {
            format!("<CORSConfiguration><CORSRule>{inner}</CORSRule></CORSConfiguration>")
        };
        let cases = [
            ("<CORSConfiguration/>".to_owned(), MalformedXML),
            (rule("<AllowedMethod>GET</AllowedMethod>"), MalformedXML),
            (rule("<AllowedOrigin>*</AllowedOrigin>"), MalformedXML),
            (
                rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>"),
                InvalidRequest,
            ),
            (
                rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod>"),
                InvalidRequest,
            ),
            (
                rule("<AllowedOrigin>*.*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"),
                InvalidRequest,
            ),
            (
                rule("<AllowedOrigin>a</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>**</AllowedHeader>"),
                InvalidRequest,
            ),
            (
                rule("<AllowedOrigin>a</AllowedOrigin><AllowedMethod>GET</AllowedMethod><Bogus/>"),
                MalformedXML,
            ),
            (
                format!(
                    "<CORSConfiguration>{}</CORSConfiguration>",
                    "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>"
                        .repeat(101)
                ),
                MalformedXML,
            ),
        ];
        for (body, code) in cases {
            let got =
                from_xml::<CorsConfiguration>(body.as_bytes(), 1 << 20).and_then(|c| c.validate());
            assert_eq!(got.unwrap_err().code, code, "{body}");
        }
    }

    #[test]
    fn matching() {
        let c = CorsConfiguration {
            xmlns: Xmlns,
            rules: vec![
                CorsRule {
                    id: Some("writers".into()),
                    allowed_methods: vec!["PUT".into()],
                    allowed_origins: vec!["https://*.example.com".into()],
                    allowed_headers: vec!["Content-Type".into(), "x-amz-*".into()],
                    ..Default::default()
                },
                CorsRule {
                    id: Some("readers".into()),
                    allowed_methods: vec!["GET".into(), "HEAD".into()],
                    allowed_origins: vec!["*".into()],
                    ..Default::default()
                },
            ],
        };
        let id = |r: Option<&CorsRule>| r.and_then(|r| r.id.clone());
        assert_eq!(
            id(c.find_rule(
                "https://app.example.com",
                "PUT",
                &["content-type", "X-Amz-Date"]
            )),
            Some("writers".into())
        );
        assert_eq!(
            id(c.find_rule("https://app.example.com", "PUT", &["authorization"])),
            None
        );
        assert_eq!(id(c.find_rule("https://example.com", "PUT", &[])), None);
        assert_eq!(
            id(c.find_rule("http://evil", "GET", &[""])),
            Some("readers".into())
        );
        assert_eq!(id(c.find_rule("http://evil", "DELETE", &[])), None);
        assert!(wildcard_match("a*a", "aa"));
        assert!(!wildcard_match("a*a", "a"));
    }
}
