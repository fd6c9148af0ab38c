//! Lifecycle configurations: the body of PutBucketLifecycleConfiguration
//! and the reply of GetBucketLifecycleConfiguration, and S3's checks.
//!
//! Supported actions: `Expiration` (Days, Date or ExpiredObjectDeleteMarker),
//! `NoncurrentVersionExpiration` and `AbortIncompleteMultipartUpload`.
//! Transitions move objects between storage classes; with a single storage
//! class there is nowhere to move them, so a rule with one is refused
//! (`NotImplemented`) rather than stored and ignored.

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer, Serialize};

use super::{Tag, Timestamp, Xmlns, is_midnight_utc, validate_tag};
use crate::error::S3Error;
use crate::s3_error;

/// The most rules a configuration may hold.
pub const MAX_LIFECYCLE_RULES: usize = 1000;
/// The longest rule ID.
pub const MAX_RULE_ID_LEN: usize = 255;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "LifecycleConfiguration")]
pub struct LifecycleConfiguration {
    #[serde(rename = "@xmlns", skip_deserializing)]
    pub xmlns: Xmlns,
    #[serde(rename = "Rule", default)]
    pub rules: Vec<LifecycleRule>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRule {
    #[serde(rename = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "Filter", default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<LifecycleFilter>,
    /// The pre-`Filter` way to scope a rule; still accepted by S3.
    #[serde(rename = "Prefix", default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// `Enabled` or `Disabled`.
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(
        rename = "Expiration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expiration: Option<LifecycleExpiration>,
    #[serde(
        rename = "NoncurrentVersionExpiration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub noncurrent_version_expiration: Option<NoncurrentVersionExpiration>,
    #[serde(
        rename = "AbortIncompleteMultipartUpload",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub abort_incomplete_multipart_upload: Option<AbortIncompleteMultipartUpload>,
    /// How many `Transition`s the body had: read only to be refused.
    #[serde(
        rename = "Transition",
        default,
        skip_serializing,
        deserialize_with = "count_elements"
    )]
    pub transitions: usize,
    /// How many `NoncurrentVersionTransition`s: read only to be refused.
    #[serde(
        rename = "NoncurrentVersionTransition",
        default,
        skip_serializing,
        deserialize_with = "count_elements"
    )]
    pub noncurrent_version_transitions: usize,
}

/// Which objects a rule applies to: at most one of the predicates, or
/// several joined by `And`. An empty filter selects every object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleFilter {
    #[serde(rename = "Prefix", default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(rename = "Tag", default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Tag>,
    #[serde(
        rename = "ObjectSizeGreaterThan",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub object_size_greater_than: Option<u64>,
    #[serde(
        rename = "ObjectSizeLessThan",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub object_size_less_than: Option<u64>,
    #[serde(rename = "And", default, skip_serializing_if = "Option::is_none")]
    pub and: Option<LifecycleAnd>,
}

/// Predicates that must all hold. Read through a list of elements so that
/// `Tag`s may be interleaved with the others.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "LifecycleAndXml")]
pub struct LifecycleAnd {
    #[serde(rename = "Prefix", skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
    #[serde(
        rename = "ObjectSizeGreaterThan",
        skip_serializing_if = "Option::is_none"
    )]
    pub object_size_greater_than: Option<u64>,
    #[serde(rename = "ObjectSizeLessThan", skip_serializing_if = "Option::is_none")]
    pub object_size_less_than: Option<u64>,
}

#[derive(Deserialize)]
struct LifecycleAndXml {
    #[serde(rename = "$value", default)]
    items: Vec<AndItem>,
}

#[derive(Deserialize)]
enum AndItem {
    Prefix(String),
    Tag(Tag),
    ObjectSizeGreaterThan(u64),
    ObjectSizeLessThan(u64),
}

impl From<LifecycleAndXml> for LifecycleAnd {
    fn from(xml: LifecycleAndXml) -> LifecycleAnd {
        let mut and = LifecycleAnd::default();
        for item in xml.items {
            match item {
                AndItem::Prefix(p) => and.prefix = Some(p),
                AndItem::Tag(t) => and.tags.push(t),
                AndItem::ObjectSizeGreaterThan(n) => and.object_size_greater_than = Some(n),
                AndItem::ObjectSizeLessThan(n) => and.object_size_less_than = Some(n),
            }
        }
        and
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleExpiration {
    /// Midnight UTC of the day current versions expire.
    #[serde(rename = "Date", default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Timestamp>,
    /// Days after creation. Signed so that a negative value gets S3's
    /// `InvalidArgument` rather than a parse error.
    #[serde(rename = "Days", default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    /// Remove delete markers that no longer hide any version.
    #[serde(
        rename = "ExpiredObjectDeleteMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expired_object_delete_marker: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoncurrentVersionExpiration {
    /// Days after a version became noncurrent.
    #[serde(
        rename = "NoncurrentDays",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub noncurrent_days: Option<i64>,
    /// How many newer noncurrent versions to keep regardless.
    #[serde(
        rename = "NewerNoncurrentVersions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub newer_noncurrent_versions: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbortIncompleteMultipartUpload {
    #[serde(
        rename = "DaysAfterInitiation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub days_after_initiation: Option<i64>,
}

/// Reads a repeated element without keeping it.
fn count_elements<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    Ok(Vec::<IgnoredAny>::deserialize(d)?.len())
}

fn invalid(message: &str) -> S3Error {
    s3_error!(InvalidArgument, "{message}")
}

impl LifecycleConfiguration {
    /// S3's checks on a configuration being put, with S3's error codes.
    pub fn validate(&self) -> Result<(), S3Error> {
        if self.rules.is_empty() || self.rules.len() > MAX_LIFECYCLE_RULES {
            return Err(super::malformed());
        }
        for (i, rule) in self.rules.iter().enumerate() {
            rule.validate()?;
            if let Some(id) = &rule.id
                && self.rules[..i].iter().any(|r| r.id.as_ref() == Some(id))
            {
                return Err(invalid(
                    "Rule ID must be unique. Found same ID for more than one rule",
                ));
            }
        }
        Ok(())
    }
}

impl LifecycleRule {
    /// Whether the rule is in force.
    pub fn enabled(&self) -> bool {
        self.status == "Enabled"
    }

    fn has_tag_filter(&self) -> bool {
        self.filter
            .as_ref()
            .is_some_and(|f| f.tag.is_some() || f.and.as_ref().is_some_and(|a| !a.tags.is_empty()))
    }

    fn has_size_filter(&self) -> bool {
        self.filter.as_ref().is_some_and(|f| {
            f.object_size_greater_than.is_some()
                || f.object_size_less_than.is_some()
                || f.and.as_ref().is_some_and(|a| {
                    a.object_size_greater_than.is_some() || a.object_size_less_than.is_some()
                })
        })
    }

    fn validate(&self) -> Result<(), S3Error> {
        if let Some(id) = &self.id
            && id.chars().count() > MAX_RULE_ID_LEN
        {
            return Err(invalid("ID length should not exceed allowed limit of 255"));
        }
        if !matches!(self.status.as_str(), "Enabled" | "Disabled") {
            return Err(super::malformed());
        }
        if self.transitions > 0 || self.noncurrent_version_transitions > 0 {
            return Err(s3_error!(
                NotImplemented,
                "Lifecycle transitions are not supported: this server has one storage class"
            ));
        }
        if self.filter.is_some() && self.prefix.is_some() {
            return Err(super::malformed());
        }
        if let Some(filter) = &self.filter {
            filter.validate()?;
        }
        if self.expiration.is_none()
            && self.noncurrent_version_expiration.is_none()
            && self.abort_incomplete_multipart_upload.is_none()
        {
            return Err(s3_error!(
                InvalidRequest,
                "At least one action needs to be specified in a rule"
            ));
        }
        if let Some(e) = &self.expiration {
            let set = [
                e.date.is_some(),
                e.days.is_some(),
                e.expired_object_delete_marker.is_some(),
            ];
            match set.iter().filter(|&&s| s).count() {
                0 => return Err(super::malformed()),
                1 => {}
                _ if e.expired_object_delete_marker.is_some() => {
                    return Err(invalid(
                        "ExpiredObjectDeleteMarker cannot be specified with Days or Date in a Lifecycle Expiration Policy",
                    ));
                }
                _ => return Err(super::malformed()),
            }
            if e.days.is_some_and(|d| d <= 0) {
                return Err(invalid(
                    "'Days' for Expiration action must be a positive integer",
                ));
            }
            if e.date.is_some_and(|d| !is_midnight_utc(d.0)) {
                return Err(invalid("'Date' must be at midnight GMT"));
            }
            if e.expired_object_delete_marker.is_some() && self.has_tag_filter() {
                return Err(s3_error!(
                    InvalidRequest,
                    "ExpiredObjectDeleteMarker cannot be specified with tag-based filters"
                ));
            }
        }
        if let Some(n) = &self.noncurrent_version_expiration {
            match n.noncurrent_days {
                None => return Err(super::malformed()),
                Some(d) if d <= 0 => {
                    return Err(invalid(
                        "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer",
                    ));
                }
                Some(_) => {}
            }
            if n.newer_noncurrent_versions
                .is_some_and(|v| !(1..=100).contains(&v))
            {
                return Err(invalid(
                    "'NewerNoncurrentVersions' must be an integer between 1 and 100",
                ));
            }
        }
        if let Some(a) = &self.abort_incomplete_multipart_upload {
            match a.days_after_initiation {
                None => return Err(super::malformed()),
                Some(d) if d <= 0 => {
                    return Err(invalid(
                        "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer",
                    ));
                }
                Some(_) => {}
            }
            if self.has_tag_filter() {
                return Err(s3_error!(
                    InvalidRequest,
                    "AbortIncompleteMultipartUpload cannot be specified with Tags."
                ));
            }
            // An upload has no size until it is completed: a size filter
            // could not decide which uploads to abort.
            if self.has_size_filter() {
                return Err(s3_error!(
                    InvalidRequest,
                    "AbortIncompleteMultipartUpload cannot be specified with an object size filter."
                ));
            }
        }
        Ok(())
    }
}

impl LifecycleFilter {
    fn validate(&self) -> Result<(), S3Error> {
        let set = [
            self.prefix.is_some(),
            self.tag.is_some(),
            self.object_size_greater_than.is_some(),
            self.object_size_less_than.is_some(),
            self.and.is_some(),
        ];
        if set.iter().filter(|&&s| s).count() > 1 {
            return Err(super::malformed());
        }
        if let Some(tag) = &self.tag {
            validate_tag(tag)?;
        }
        if let Some(and) = &self.and {
            let predicates = usize::from(and.prefix.is_some())
                + and.tags.len()
                + usize::from(and.object_size_greater_than.is_some())
                + usize::from(and.object_size_less_than.is_some());
            if predicates == 0 {
                return Err(super::malformed());
            }
            super::validate_tags(&and.tags, usize::MAX)?;
            if let (Some(gt), Some(lt)) = (and.object_size_greater_than, and.object_size_less_than)
                && gt >= lt
            {
                return Err(invalid(
                    "ObjectSizeGreaterThan must be less than ObjectSizeLessThan in the And operator",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::S3ErrorCode;
    use crate::xml::{from_xml, parse_iso8601, to_xml};

    fn parse(body: &str) -> Result<LifecycleConfiguration, S3Error> {
        let c: LifecycleConfiguration = from_xml(body.as_bytes(), 1 << 20)?;
        c.validate()?;
        Ok(c)
    }

    #[test]
    fn parse_as_clients_send_it() {
        // boto3 put_bucket_lifecycle_configuration.
        let c = parse(
            r#"<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><Expiration><Days>30</Days></Expiration><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>"#,
        )
        .unwrap();
        let r = &c.rules[0];
        assert_eq!(r.id.as_deref(), Some("logs"));
        assert!(r.enabled());
        assert_eq!(r.filter.as_ref().unwrap().prefix.as_deref(), Some("logs/"));
        assert_eq!(r.expiration.as_ref().unwrap().days, Some(30));
        let n = r.noncurrent_version_expiration.as_ref().unwrap();
        assert_eq!(
            (n.noncurrent_days, n.newer_noncurrent_versions),
            (Some(7), Some(3))
        );
        assert_eq!(
            r.abort_incomplete_multipart_upload
                .as_ref()
                .unwrap()
                .days_after_initiation,
            Some(2)
        );

        // Pretty-printed, legacy Prefix, Date in both forms, And with
        // interleaved tags, an empty Filter.
        let c = parse(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <LifecycleConfiguration>\n\
               <Rule>\n    <Status>Disabled</Status>\n    <Prefix></Prefix>\n\
                 <Expiration><Date>2026-01-01T00:00:00Z</Date></Expiration>\n  </Rule>\n\
               <Rule>\n    <Filter>\n      <And>\n        <Tag><Key>a</Key><Value>1</Value></Tag>\n\
                 <Prefix>p/</Prefix>\n        <Tag><Key>b</Key><Value>2</Value></Tag>\n\
                 <ObjectSizeGreaterThan>10</ObjectSizeGreaterThan>\n      </And>\n    </Filter>\n\
                 <Status>Enabled</Status>\n\
                 <Expiration><Date>2026-01-01T00:00:00.000Z</Date></Expiration>\n  </Rule>\n\
               <Rule><Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>\n\
             </LifecycleConfiguration>\n",
        )
        .unwrap();
        assert_eq!(c.rules.len(), 3);
        assert_eq!(c.rules[0].prefix.as_deref(), Some(""));
        let midnight = Timestamp(parse_iso8601("2026-01-01").unwrap());
        assert_eq!(c.rules[0].expiration.as_ref().unwrap().date, Some(midnight));
        let and = c.rules[1].filter.as_ref().unwrap().and.as_ref().unwrap();
        assert_eq!(and.prefix.as_deref(), Some("p/"));
        assert_eq!(and.tags, vec![Tag::new("a", "1"), Tag::new("b", "2")]);
        assert_eq!(and.object_size_greater_than, Some(10));
        assert_eq!(c.rules[2].filter, Some(LifecycleFilter::default()));
        assert_eq!(
            c.rules[2]
                .expiration
                .as_ref()
                .unwrap()
                .expired_object_delete_marker,
            Some(true)
        );
    }

    #[test]
    fn serialize() {
        let doc = LifecycleConfiguration {
            xmlns: Xmlns,
            rules: vec![
                LifecycleRule {
                    id: Some("r1".into()),
                    filter: Some(LifecycleFilter {
                        and: Some(LifecycleAnd {
                            prefix: Some("p/".into()),
                            tags: vec![Tag::new("k", "v")],
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    status: "Enabled".into(),
                    expiration: Some(LifecycleExpiration {
                        date: Some(Timestamp(parse_iso8601("2026-01-01").unwrap())),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                LifecycleRule {
                    filter: Some(LifecycleFilter::default()),
                    status: "Disabled".into(),
                    noncurrent_version_expiration: Some(NoncurrentVersionExpiration {
                        noncurrent_days: Some(1),
                        newer_noncurrent_versions: None,
                    }),
                    abort_incomplete_multipart_upload: Some(AbortIncompleteMultipartUpload {
                        days_after_initiation: Some(3),
                    }),
                    ..Default::default()
                },
            ],
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Rule><ID>r1</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter>\
             <Status>Enabled</Status><Expiration><Date>2026-01-01T00:00:00.000Z</Date></Expiration></Rule>\
             <Rule><Filter/><Status>Disabled</Status>\
             <NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>\
             <AbortIncompleteMultipartUpload><DaysAfterInitiation>3</DaysAfterInitiation></AbortIncompleteMultipartUpload>\
             </Rule></LifecycleConfiguration>"
        );
        // What we write, we read back.
        let back: LifecycleConfiguration = from_xml(to_xml(&doc).as_bytes(), 1 << 20).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn refused() {
        use S3ErrorCode::*;
        let rule = |inner: &str| {
            format!("<LifecycleConfiguration><Rule>{inner}</Rule></LifecycleConfiguration>")
        };
        let exp_days = "<Expiration><Days>1</Days></Expiration>";
        let cases: Vec<(String, S3ErrorCode)> = vec![
            ("<LifecycleConfiguration/>".into(), MalformedXML),
            (
                rule(&format!("<Status>On</Status>{exp_days}")),
                MalformedXML,
            ),
            (rule(exp_days), MalformedXML),
            (rule("<Status>Enabled</Status>"), InvalidRequest),
            (rule("<Status>Enabled</Status><Expiration/>"), MalformedXML),
            (
                rule("<Status>Enabled</Status><Expiration><Days>0</Days></Expiration>"),
                InvalidArgument,
            ),
            (
                rule("<Status>Enabled</Status><Expiration><Days>-3</Days></Expiration>"),
                InvalidArgument,
            ),
            (
                rule("<Status>Enabled</Status><Expiration><Days>x</Days></Expiration>"),
                MalformedXML,
            ),
            (
                rule(
                    "<Status>Enabled</Status><Expiration><Days>1</Days><Date>2026-01-01T00:00:00Z</Date></Expiration>",
                ),
                MalformedXML,
            ),
            (
                rule(
                    "<Status>Enabled</Status><Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>",
                ),
                InvalidArgument,
            ),
            (
                rule(
                    "<Status>Enabled</Status><Expiration><Date>2026-01-01T12:00:00Z</Date></Expiration>",
                ),
                InvalidArgument,
            ),
            (
                rule("<Status>Enabled</Status><Expiration><Date>next tuesday</Date></Expiration>"),
                MalformedXML,
            ),
            (
                rule(
                    "<Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>0</NoncurrentDays></NoncurrentVersionExpiration>",
                ),
                InvalidArgument,
            ),
            (
                rule(
                    "<Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration>",
                ),
                InvalidArgument,
            ),
            (
                rule(
                    "<Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
                ),
                InvalidArgument,
            ),
            (
                rule(
                    "<Status>Enabled</Status><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
                ),
                InvalidRequest,
            ),
            // What the lifecycle pass could only half apply.
            (
                rule(
                    "<Status>Enabled</Status><NoncurrentVersionExpiration><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>",
                ),
                MalformedXML,
            ),
            (
                rule(
                    "<Status>Enabled</Status><Filter><And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>",
                ),
                InvalidRequest,
            ),
            (
                rule(
                    "<Status>Enabled</Status><Filter><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
                ),
                InvalidRequest,
            ),
            (
                rule(
                    "<Status>Enabled</Status><Filter><And><Prefix>p/</Prefix><ObjectSizeLessThan>10</ObjectSizeLessThan></And></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>",
                ),
                InvalidRequest,
            ),
            (
                rule(&format!(
                    "<Status>Enabled</Status><Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter>{exp_days}"
                )),
                MalformedXML,
            ),
            (
                rule(&format!(
                    "<Status>Enabled</Status><Filter><And/></Filter>{exp_days}"
                )),
                MalformedXML,
            ),
            (
                rule(&format!(
                    "<Status>Enabled</Status><Prefix>a</Prefix><Filter/>{exp_days}"
                )),
                MalformedXML,
            ),
            (
                rule(&format!(
                    "<ID>{}</ID><Status>Enabled</Status>{exp_days}",
                    "x".repeat(256)
                )),
                InvalidArgument,
            ),
            (
                rule(&format!(
                    "<Status>Enabled</Status>{exp_days}<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>"
                )),
                NotImplemented,
            ),
            (
                rule(&format!(
                    "<Status>Enabled</Status>{exp_days}<NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>"
                )),
                NotImplemented,
            ),
            (
                format!(
                    "<LifecycleConfiguration>{0}{0}</LifecycleConfiguration>",
                    format!("<Rule><ID>same</ID><Status>Enabled</Status>{exp_days}</Rule>")
                ),
                InvalidArgument,
            ),
            (
                format!(
                    "<LifecycleConfiguration>{}</LifecycleConfiguration>",
                    format!("<Rule><Status>Enabled</Status>{exp_days}</Rule>").repeat(1001)
                ),
                MalformedXML,
            ),
        ];
        for (body, code) in cases {
            match parse(&body) {
                Ok(c) => panic!("accepted {body}: {c:?}"),
                Err(e) => assert_eq!(e.code, code, "{body}: {e}"),
            }
        }
        let thousand = format!(
            "<LifecycleConfiguration>{}</LifecycleConfiguration>",
            format!("<Rule><Status>Enabled</Status>{exp_days}</Rule>").repeat(1000)
        );
        assert!(parse(&thousand).is_ok());
    }
}
