//! Bucket documents: ListBuckets, GetBucketLocation, the CreateBucket body,
//! and the versioning configuration.

use serde::{Deserialize, Serialize};

use super::{Timestamp, Xmlns};
use crate::error::S3Error;
use crate::s3_error;

/// The owner of a bucket or object (also the `Initiator` of an upload).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(
        rename = "DisplayName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub display_name: Option<String>,
}

/// ListBuckets' reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename = "ListAllMyBucketsResult")]
pub struct ListAllMyBucketsResult {
    #[serde(rename = "@xmlns")]
    pub xmlns: Xmlns,
    #[serde(rename = "Owner")]
    pub owner: Owner,
    #[serde(rename = "Buckets")]
    pub buckets: Buckets,
    /// Set when the listing was cut at `max-buckets`.
    #[serde(rename = "ContinuationToken", skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
    /// Echoes the `prefix` of the request, when given.
    #[serde(rename = "Prefix", skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Buckets {
    #[serde(rename = "Bucket")]
    pub bucket: Vec<BucketEntry>,
}

/// One bucket in ListBuckets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BucketEntry {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "CreationDate")]
    pub creation_date: Timestamp,
    #[serde(rename = "BucketRegion", skip_serializing_if = "Option::is_none")]
    pub bucket_region: Option<String>,
}

/// GetBucketLocation's reply. S3 answers an empty element for
/// `us-east-1`; pass `None` for that.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename = "LocationConstraint")]
pub struct LocationConstraint {
    #[serde(rename = "@xmlns")]
    pub xmlns: Xmlns,
    #[serde(rename = "$text", skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// The optional body of CreateBucket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename = "CreateBucketConfiguration")]
pub struct CreateBucketConfiguration {
    #[serde(rename = "LocationConstraint", default)]
    pub location_constraint: Option<String>,
}

/// GetBucketVersioning's reply and PutBucketVersioning's body.
///
/// A bucket that was never versioned has neither element.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "VersioningConfiguration")]
pub struct VersioningConfiguration {
    #[serde(rename = "@xmlns", skip_deserializing)]
    pub xmlns: Xmlns,
    /// `Enabled` or `Suspended`.
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `Enabled` or `Disabled`.
    #[serde(rename = "MfaDelete", default, skip_serializing_if = "Option::is_none")]
    pub mfa_delete: Option<String>,
}

/// A requested versioning state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersioningStatus {
    Enabled,
    Suspended,
}

impl VersioningConfiguration {
    /// The state PutBucketVersioning asks for: `None` leaves it unchanged
    /// (S3 accepts a configuration without `Status`). An unknown status is
    /// `MalformedXML`; MFA delete, which needs MFA devices this server does
    /// not have, is `NotImplemented` when asked to be enabled.
    pub fn requested(&self) -> Result<Option<VersioningStatus>, S3Error> {
        match self.mfa_delete.as_deref().map(str::trim) {
            None | Some("Disabled") => {}
            Some("Enabled") => {
                return Err(s3_error!(NotImplemented, "MFA delete is not supported"));
            }
            Some(_) => return Err(super::malformed()),
        }
        match self.status.as_deref().map(str::trim) {
            None => Ok(None),
            Some("Enabled") => Ok(Some(VersioningStatus::Enabled)),
            Some("Suspended") => Ok(Some(VersioningStatus::Suspended)),
            Some(_) => Err(super::malformed()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::S3ErrorCode;
    use crate::xml::{from_xml, to_xml};

    #[test]
    fn list_buckets() {
        let doc = ListAllMyBucketsResult {
            xmlns: Xmlns,
            owner: Owner {
                id: "root".into(),
                display_name: Some("root".into()),
            },
            buckets: Buckets {
                bucket: vec![
                    BucketEntry {
                        name: "a".into(),
                        creation_date: Timestamp(1_255_369_830_000_000_000),
                        bucket_region: None,
                    },
                    BucketEntry {
                        name: "b&c".into(),
                        creation_date: Timestamp(0),
                        bucket_region: Some("us-east-1".into()),
                    },
                ],
            },
            continuation_token: None,
            prefix: None,
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Owner><ID>root</ID><DisplayName>root</DisplayName></Owner>\
             <Buckets>\
             <Bucket><Name>a</Name><CreationDate>2009-10-12T17:50:30.000Z</CreationDate></Bucket>\
             <Bucket><Name>b&amp;c</Name><CreationDate>1970-01-01T00:00:00.000Z</CreationDate>\
             <BucketRegion>us-east-1</BucketRegion></Bucket>\
             </Buckets>\
             </ListAllMyBucketsResult>"
        );
        let empty = ListAllMyBucketsResult {
            buckets: Buckets::default(),
            continuation_token: Some("t".into()),
            prefix: Some("p".into()),
            ..doc
        };
        assert_eq!(
            to_xml(&empty),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Owner><ID>root</ID><DisplayName>root</DisplayName></Owner>\
             <Buckets/><ContinuationToken>t</ContinuationToken><Prefix>p</Prefix>\
             </ListAllMyBucketsResult>"
        );
    }

    #[test]
    fn location() {
        let us_east = LocationConstraint {
            xmlns: Xmlns,
            region: None,
        };
        assert_eq!(
            to_xml(&us_east),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>"
        );
        let eu = LocationConstraint {
            xmlns: Xmlns,
            region: Some("eu-west-1".into()),
        };
        assert_eq!(
            to_xml(&eu),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">eu-west-1</LocationConstraint>"
        );
    }

    #[test]
    fn create_bucket_configuration() {
        // As the AWS CLI sends it.
        let body = br#"<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>"#;
        let c: CreateBucketConfiguration = from_xml(body, 1024).unwrap();
        assert_eq!(c.location_constraint.as_deref(), Some("eu-west-1"));
        let body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CreateBucketConfiguration>\n  \
                     <Bucket><Type>Directory</Type></Bucket>\n</CreateBucketConfiguration>\n";
        let c: CreateBucketConfiguration = from_xml(body, 1024).unwrap();
        assert_eq!(c.location_constraint, None);
    }

    #[test]
    fn versioning() {
        let doc = VersioningConfiguration {
            status: Some("Enabled".into()),
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Status>Enabled</Status></VersioningConfiguration>"
        );
        assert_eq!(
            to_xml(&VersioningConfiguration::default()),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>"
        );

        let parse = |body: &str| {
            from_xml::<VersioningConfiguration>(body.as_bytes(), 1024).and_then(|c| c.requested())
        };
        // boto3's body.
        assert_eq!(
            parse(r#"<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Suspended</Status></VersioningConfiguration>"#).unwrap(),
            Some(VersioningStatus::Suspended)
        );
        assert_eq!(
            parse("<VersioningConfiguration>\n <MfaDelete>Disabled</MfaDelete>\n <Status>Enabled</Status>\n</VersioningConfiguration>").unwrap(),
            Some(VersioningStatus::Enabled)
        );
        assert_eq!(parse("<VersioningConfiguration/>").unwrap(), None);
        assert_eq!(
            parse("<VersioningConfiguration><Status>On</Status></VersioningConfiguration>")
                .unwrap_err()
                .code,
            S3ErrorCode::MalformedXML
        );
        assert_eq!(
            parse("<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>")
                .unwrap_err()
                .code,
            S3ErrorCode::NotImplemented
        );
    }
}
