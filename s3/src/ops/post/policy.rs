//! The POST policy of a browser upload: a base64 JSON document with an
//! `expiration` and a list of `conditions`, signed with SigV4 (the
//! signature is the HMAC of the base64 text under the signing key).
//!
//! Conditions understood, as S3 defines them:
//! - `{"field": "value"}` and `["eq", "$field", "value"]`: exact match;
//! - `["starts-with", "$field", "prefix"]` (for `Content-Type`, every
//!   comma-separated type must start with the prefix);
//! - `["content-length-range", min, max]`: the file's size, checked while
//!   it streams.
//!
//! Every form field but `x-amz-signature`, `file`, `policy` and `x-ignore-*`
//! must be named by a condition (S3's rule: otherwise anyone holding the
//! form could add fields the signer never saw).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;

use crate::error::{S3Error, S3ErrorCode};
use crate::xml::parse_iso8601;

/// A parsed POST policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Nanoseconds since the epoch past which the policy is void.
    pub expiration_ns: i64,
    pub conditions: Vec<Condition>,
}

/// One condition on the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// The field (lowercase, without `$`) equals the value.
    Eq { field: String, value: String },
    /// The field starts with the prefix.
    StartsWith { field: String, prefix: String },
    /// The file's size lies in `min..=max`.
    LengthRange { min: u64, max: u64 },
}

impl Condition {
    /// The condition as S3 quotes it in `Policy Condition failed: …`.
    fn describe(&self) -> String {
        match self {
            Condition::Eq { field, value } => format!("[\"eq\", \"${field}\", \"{value}\"]"),
            Condition::StartsWith { field, prefix } => {
                format!("[\"starts-with\", \"${field}\", \"{prefix}\"]")
            }
            Condition::LengthRange { min, max } => {
                format!("[\"content-length-range\", {min}, {max}]")
            }
        }
    }
}

fn invalid(detail: &str) -> S3Error {
    S3Error::new(
        S3ErrorCode::InvalidPolicyDocument,
        format!("Invalid Policy: {detail}"),
    )
}

fn denied(detail: &str) -> S3Error {
    S3Error::new(
        S3ErrorCode::AccessDenied,
        format!("Invalid according to Policy: {detail}"),
    )
}

/// Form fields no condition needs to name.
pub fn exempt(field: &str) -> bool {
    matches!(field, "x-amz-signature" | "file" | "policy") || field.starts_with("x-ignore-")
}

impl Policy {
    /// Parses the `policy` form field (base64 of the JSON document).
    pub fn parse(b64: &str) -> Result<Policy, S3Error> {
        let raw = BASE64
            .decode(b64.trim())
            .map_err(|_| invalid("Invalid base64 encoding."))?;
        let doc: Value = serde_json::from_slice(&raw).map_err(|_| invalid("Invalid JSON."))?;
        let Value::Object(doc) = doc else {
            return Err(invalid("Invalid JSON."));
        };
        let expiration = match doc.get("expiration") {
            Some(Value::String(s)) => s,
            Some(_) => return Err(invalid("Invalid 'expiration' value.")),
            None => return Err(invalid("Policy missing expiration.")),
        };
        let expiration_ns =
            parse_iso8601(expiration).ok_or_else(|| invalid("Invalid 'expiration' value."))?;
        let list = match doc.get("conditions") {
            Some(Value::Array(list)) => list,
            Some(_) => return Err(invalid("Invalid 'conditions' value.")),
            None => return Err(invalid("Policy missing conditions.")),
        };
        let mut conditions = Vec::with_capacity(list.len());
        for c in list {
            parse_condition(c, &mut conditions)?;
        }
        Ok(Policy {
            expiration_ns,
            conditions,
        })
    }

    /// Checks the form against the policy at `now_ns`: `fields` by
    /// lowercase name, `bucket` from the request, `key` with
    /// `${filename}` already put in. Returns the size range the file must
    /// fall in.
    pub fn check(
        &self,
        now_ns: i64,
        bucket: &str,
        key: &str,
        fields: &BTreeMap<String, String>,
    ) -> Result<(u64, u64), S3Error> {
        if now_ns >= self.expiration_ns {
            return Err(denied("Policy expired."));
        }
        let value = |field: &str| -> &str {
            match field {
                "bucket" => bucket,
                "key" => key,
                other => fields.get(other).map_or("", String::as_str),
            }
        };
        let mut range = (0, u64::MAX);
        for c in &self.conditions {
            let ok = match c {
                Condition::Eq { field, value: want } => value(field) == want,
                Condition::StartsWith { field, prefix } if field == "content-type" => value(field)
                    .split(',')
                    .all(|t| t.trim_start().starts_with(prefix.as_str())),
                Condition::StartsWith { field, prefix } => {
                    value(field).starts_with(prefix.as_str())
                }
                Condition::LengthRange { min, max } => {
                    range = (range.0.max(*min), range.1.min(*max));
                    true
                }
            };
            if !ok {
                return Err(denied(&format!(
                    "Policy Condition failed: {}",
                    c.describe()
                )));
            }
        }
        for name in fields.keys() {
            let named = self.conditions.iter().any(|c| match c {
                Condition::Eq { field, .. } | Condition::StartsWith { field, .. } => field == name,
                Condition::LengthRange { .. } => false,
            });
            if !named && !exempt(name) {
                return Err(denied(&format!("Extra input fields: {name}")));
            }
        }
        Ok(range)
    }
}

/// A field name as a condition names it: `$key` → `key`.
fn field_name(v: &Value) -> Result<String, S3Error> {
    match v {
        Value::String(s) => {
            let name = s.strip_prefix('$').unwrap_or(s);
            Ok(name.to_ascii_lowercase())
        }
        _ => Err(invalid(
            "Invalid Condition: the field name is not a string.",
        )),
    }
}

fn text(v: &Value) -> Result<String, S3Error> {
    match v {
        Value::String(s) => Ok(s.clone()),
        _ => Err(invalid("Invalid Condition: the value is not a string.")),
    }
}

fn size(v: &Value) -> Result<u64, S3Error> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    n.ok_or_else(|| invalid("Invalid content-length-range: the bounds must be whole numbers."))
}

fn parse_condition(c: &Value, out: &mut Vec<Condition>) -> Result<(), S3Error> {
    match c {
        Value::Object(map) => {
            if map.is_empty() {
                return Err(invalid("Invalid Condition: an empty object."));
            }
            for (field, value) in map {
                out.push(Condition::Eq {
                    field: field.to_ascii_lowercase(),
                    value: text(value)?,
                });
            }
            Ok(())
        }
        Value::Array(items) => {
            let op = match items.first() {
                Some(Value::String(op)) => op.to_ascii_lowercase(),
                _ => return Err(invalid("Invalid Condition: no operation.")),
            };
            if items.len() != 3 {
                return Err(invalid(&format!(
                    "Invalid Condition: '{op}' takes two arguments."
                )));
            }
            out.push(match op.as_str() {
                "eq" => Condition::Eq {
                    field: field_name(&items[1])?,
                    value: text(&items[2])?,
                },
                "starts-with" => Condition::StartsWith {
                    field: field_name(&items[1])?,
                    prefix: text(&items[2])?,
                },
                "content-length-range" => {
                    let (min, max) = (size(&items[1])?, size(&items[2])?);
                    if min > max {
                        return Err(invalid(
                            "Invalid content-length-range: the minimum exceeds the maximum.",
                        ));
                    }
                    Condition::LengthRange { min, max }
                }
                other => {
                    return Err(invalid(&format!(
                        "Invalid Condition: unknown operation '{other}'."
                    )));
                }
            });
            Ok(())
        }
        _ => Err(invalid(
            "Invalid Condition: a condition is an object or an array.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(json: &str) -> String {
        BASE64.encode(json)
    }

    fn fields(list: &[(&str, &str)]) -> BTreeMap<String, String> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    const T2030: i64 = 1_893_456_000_000_000_000; // 2030-01-01

    #[test]
    fn parses_the_documented_example() {
        let p = Policy::parse(&b64(r#"{ "expiration": "2030-01-01T00:00:00.000Z",
              "conditions": [
                {"acl": "private" },
                {"bucket": "johnsmith" },
                ["starts-with", "$key", "user/eric/"],
                ["content-length-range", 1, 1048576],
                ["eq", "$Content-Type", "image/png"]
              ] }"#))
        .unwrap();
        assert_eq!(p.expiration_ns, T2030);
        assert_eq!(
            p.conditions,
            vec![
                Condition::Eq {
                    field: "acl".into(),
                    value: "private".into()
                },
                Condition::Eq {
                    field: "bucket".into(),
                    value: "johnsmith".into()
                },
                Condition::StartsWith {
                    field: "key".into(),
                    prefix: "user/eric/".into()
                },
                Condition::LengthRange {
                    min: 1,
                    max: 1_048_576
                },
                Condition::Eq {
                    field: "content-type".into(),
                    value: "image/png".into()
                },
            ]
        );
    }

    #[test]
    fn malformed_policies() {
        for doc in [
            "not base64!".to_owned(),
            b64("not json"),
            b64("[]"),
            b64(r#"{"conditions": []}"#),
            b64(r#"{"expiration": "2030-01-01T00:00:00Z"}"#),
            b64(r#"{"expiration": "soon", "conditions": []}"#),
            b64(r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [1]}"#),
            b64(r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["in", "$key", "a"]]}"#),
            b64(r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["eq", "$key"]]}"#),
            b64(
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", 5, 1]]}"#,
            ),
            b64(
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", -1, 1]]}"#,
            ),
        ] {
            let err = Policy::parse(&doc).unwrap_err();
            assert_eq!(err.code, S3ErrorCode::InvalidPolicyDocument, "{doc}");
        }
    }

    fn policy(conditions: &str) -> Policy {
        Policy::parse(&b64(&format!(
            r#"{{"expiration": "2030-01-01T00:00:00Z", "conditions": {conditions}}}"#
        )))
        .unwrap()
    }

    #[test]
    fn checks() {
        let p = policy(
            r#"[{"bucket": "b"}, ["starts-with", "$key", "up/"],
                ["starts-with", "$Content-Type", "image/"],
                ["content-length-range", 10, 100], ["content-length-range", 0, 50],
                ["eq", "$x-amz-meta-a", "1"]]"#,
        );
        let f = fields(&[
            ("key", "up/${filename}"),
            ("content-type", "image/png"),
            ("x-amz-meta-a", "1"),
            ("x-amz-signature", "sig"),
            ("policy", "p"),
            ("x-ignore-me", "whatever"),
        ]);
        let now = T2030 - 1;
        assert_eq!(p.check(now, "b", "up/a.png", &f).unwrap(), (10, 50));

        let failed = |r: Result<(u64, u64), S3Error>| {
            let e = r.unwrap_err();
            assert_eq!(e.code, S3ErrorCode::AccessDenied);
            e.message
        };
        assert_eq!(
            failed(p.check(T2030, "b", "up/a.png", &f)),
            "Invalid according to Policy: Policy expired."
        );
        assert_eq!(
            failed(p.check(now, "other", "up/a.png", &f)),
            "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$bucket\", \"b\"]"
        );
        assert_eq!(
            failed(p.check(now, "b", "down/a.png", &f)),
            "Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"$key\", \"up/\"]"
        );
        let mut bad_type = f.clone();
        bad_type.insert("content-type".into(), "image/png, text/html".into());
        assert!(failed(p.check(now, "b", "up/a", &bad_type)).contains("$content-type"));
        let mut extra = f.clone();
        extra.insert("x-amz-meta-b".into(), "2".into());
        assert_eq!(
            failed(p.check(now, "b", "up/a", &extra)),
            "Invalid according to Policy: Extra input fields: x-amz-meta-b"
        );
        // A condition on a field the form lacks compares with "".
        let mut missing = f.clone();
        missing.remove("x-amz-meta-a");
        assert!(failed(p.check(now, "b", "up/a", &missing)).contains("x-amz-meta-a"));
        // starts-with "" allows anything, including nothing.
        let any = policy(r#"[["starts-with", "$success_action_redirect", ""]]"#);
        assert!(any.check(now, "b", "k", &BTreeMap::new()).is_ok());
    }
}
