//! Tag sets: the `Tagging` document of Get/Put{Object,Bucket}Tagging, the
//! `x-amz-tagging` header of PutObject, and S3's limits on both.

use serde::{Deserialize, Serialize};

use super::Xmlns;
use crate::error::S3Error;
use crate::s3_error;

/// The most tags an object may carry.
pub const MAX_OBJECT_TAGS: usize = 10;
/// The most tags a bucket may carry.
pub const MAX_BUCKET_TAGS: usize = 50;
/// Longest tag key, in Unicode characters.
pub const MAX_TAG_KEY_CHARS: usize = 128;
/// Longest tag value, in Unicode characters.
pub const MAX_TAG_VALUE_CHARS: usize = 256;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value", default)]
    pub value: String,
}

impl Tag {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Tag {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// The `Tagging` document, both reply and request body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "Tagging")]
pub struct Tagging {
    #[serde(rename = "@xmlns", skip_deserializing)]
    pub xmlns: Xmlns,
    #[serde(rename = "TagSet")]
    pub tag_set: TagSet,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagSet {
    #[serde(rename = "Tag", default)]
    pub tags: Vec<Tag>,
}

impl Tagging {
    pub fn new(tags: Vec<Tag>) -> Tagging {
        Tagging {
            xmlns: Xmlns,
            tag_set: TagSet { tags },
        }
    }

    /// Checks an object's tag set (at most [`MAX_OBJECT_TAGS`]).
    pub fn validate_object(&self) -> Result<(), S3Error> {
        validate_tags(&self.tag_set.tags, MAX_OBJECT_TAGS)
    }

    /// Checks a bucket's tag set (at most [`MAX_BUCKET_TAGS`]).
    pub fn validate_bucket(&self) -> Result<(), S3Error> {
        validate_tags(&self.tag_set.tags, MAX_BUCKET_TAGS)
    }
}

/// S3's rules for a tag set, each broken rule an `InvalidTag`: at most
/// `max` tags, keys of 1..=128 characters not starting with the reserved
/// `aws:`, values of at most 256, and no key twice.
pub fn validate_tags(tags: &[Tag], max: usize) -> Result<(), S3Error> {
    if tags.len() > max {
        let what = if max == MAX_OBJECT_TAGS {
            "Object"
        } else {
            "Bucket"
        };
        return Err(s3_error!(
            InvalidTag,
            "{what} tags cannot be greater than {max}"
        ));
    }
    for (i, tag) in tags.iter().enumerate() {
        validate_tag(tag)?;
        if tags[..i].iter().any(|t| t.key == tag.key) {
            return Err(
                s3_error!(InvalidTag, "Cannot provide multiple Tags with the same key")
                    .with_field("TagKey", tag.key.clone()),
            );
        }
    }
    Ok(())
}

/// The rules for one tag (also used for lifecycle filter tags).
pub fn validate_tag(tag: &Tag) -> Result<(), S3Error> {
    let key_chars = tag.key.chars().count();
    if key_chars == 0 {
        return Err(s3_error!(
            InvalidTag,
            "The TagKey you have provided is invalid"
        ));
    }
    if key_chars > MAX_TAG_KEY_CHARS {
        return Err(s3_error!(
            InvalidTag,
            "The TagKey you have provided is too long, max {MAX_TAG_KEY_CHARS}"
        )
        .with_field("TagKey", tag.key.clone()));
    }
    if tag.key.starts_with("aws:") {
        return Err(
            s3_error!(InvalidTag, "Your TagKey cannot be prefixed with aws:")
                .with_field("TagKey", tag.key.clone()),
        );
    }
    // Tags are stored in their header form, whose decoding refuses NUL: a
    // NUL accepted here would lose every tag of the set on the next read
    // (found by fuzz/xml_body).
    if tag.key.contains('\0') || tag.value.contains('\0') {
        return Err(s3_error!(
            InvalidTag,
            "The TagKey or TagValue you have provided contains NUL"
        )
        .with_field("TagKey", tag.key.clone()));
    }
    if tag.value.chars().count() > MAX_TAG_VALUE_CHARS {
        return Err(s3_error!(
            InvalidTag,
            "The TagValue you have provided is too long, max {MAX_TAG_VALUE_CHARS}"
        )
        .with_field("TagKey", tag.key.clone()));
    }
    Ok(())
}

/// Parses the `x-amz-tagging` header of PutObject / CreateMultipartUpload:
/// URL-query form (`k1=v1&k2=v2`), where, unlike in request URIs, `+` is a
/// space (clients build it with form encoding). Not validated; call
/// [`validate_tags`].
pub fn parse_tagging_header(value: &[u8]) -> Result<Vec<Tag>, S3Error> {
    let invalid = || {
        s3_error!(
            InvalidArgument,
            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates."
        )
    };
    let decode = |part: &[u8]| -> Result<String, S3Error> {
        let spaced: Vec<u8> = part
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        crate::router::percent_decode(&spaced).map_err(|_| invalid())
    };
    let mut tags = Vec::new();
    for part in value.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (key, val) = match part.iter().position(|&b| b == b'=') {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &b""[..]),
        };
        tags.push(Tag::new(decode(key)?, decode(val)?));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::S3ErrorCode;
    use crate::xml::{from_xml, to_xml};

    #[test]
    fn serialize() {
        let doc = Tagging::new(vec![Tag::new("env", "prod"), Tag::new("a<b", "")]);
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet>\
             <Tag><Key>env</Key><Value>prod</Value></Tag>\
             <Tag><Key>a&lt;b</Key><Value/></Tag>\
             </TagSet></Tagging>"
        );
        assert_eq!(
            to_xml(&Tagging::new(vec![])),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet/></Tagging>"
        );
    }

    #[test]
    fn parse() {
        // boto3 / AWS CLI.
        let body = br#"<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>k1</Key><Value>v1</Value></Tag><Tag><Key>k2</Key><Value></Value></Tag></TagSet></Tagging>"#;
        let t: Tagging = from_xml(body, 1 << 20).unwrap();
        assert_eq!(
            t.tag_set.tags,
            vec![Tag::new("k1", "v1"), Tag::new("k2", "")]
        );
        // Pretty-printed, Value before Key, values keep their spaces.
        let body = b"<?xml version=\"1.0\"?>\n<Tagging>\n  <TagSet>\n    <Tag>\n      <Value> spaced &amp; escaped </Value>\n      <Key>k</Key>\n    </Tag>\n  </TagSet>\n</Tagging>\n";
        let t: Tagging = from_xml(body, 1 << 20).unwrap();
        assert_eq!(t.tag_set.tags, vec![Tag::new("k", " spaced & escaped ")]);
        let t: Tagging = from_xml(b"<Tagging><TagSet/></Tagging>", 100).unwrap();
        assert!(t.tag_set.tags.is_empty());
        let t: Tagging = from_xml(
            b"<Tagging><TagSet><Tag><Key>k</Key><Value/></Tag></TagSet></Tagging>",
            100,
        )
        .unwrap();
        assert_eq!(t.tag_set.tags, vec![Tag::new("k", "")]);
        assert_eq!(
            from_xml::<Tagging>(
                b"<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>",
                100
            )
            .unwrap_err()
            .code,
            S3ErrorCode::MalformedXML
        );
    }

    #[test]
    fn nul_is_refused() {
        // Stored, a NUL would make the whole tag set unreadable.
        let body =
            b"<Tagging><TagSet><Tag><Key>a\0b</Key><Value>v</Value></Tag></TagSet></Tagging>";
        let t: Tagging = from_xml(body, 1024).unwrap();
        assert_eq!(
            t.validate_object().unwrap_err().code,
            S3ErrorCode::InvalidTag
        );
        assert_eq!(
            validate_tag(&Tag::new("k", "v\0")).unwrap_err().code,
            S3ErrorCode::InvalidTag
        );
    }

    #[test]
    fn limits() {
        let tags = |n: usize| {
            (0..n)
                .map(|i| Tag::new(format!("k{i}"), "v"))
                .collect::<Vec<_>>()
        };
        assert!(Tagging::new(tags(10)).validate_object().is_ok());
        assert!(Tagging::new(tags(11)).validate_object().is_err());
        assert!(Tagging::new(tags(50)).validate_bucket().is_ok());
        assert!(Tagging::new(tags(51)).validate_bucket().is_err());
        let check = |tag: Tag| validate_tags(&[tag], 10);
        assert!(check(Tag::new("é".repeat(128), "ü".repeat(256))).is_ok());
        for bad in [
            Tag::new("", "v"),
            Tag::new("k".repeat(129), "v"),
            Tag::new("k", "v".repeat(257)),
            Tag::new("aws:createdBy", "v"),
        ] {
            assert_eq!(check(bad).unwrap_err().code, S3ErrorCode::InvalidTag);
        }
        let dup = validate_tags(
            &[Tag::new("a", "1"), Tag::new("b", "2"), Tag::new("a", "3")],
            10,
        );
        assert_eq!(dup.unwrap_err().code, S3ErrorCode::InvalidTag);
    }

    #[test]
    fn header() {
        assert_eq!(
            parse_tagging_header(b"k1=v1&k%202=a+b%2Bc&empty=&bare").unwrap(),
            vec![
                Tag::new("k1", "v1"),
                Tag::new("k 2", "a b+c"),
                Tag::new("empty", ""),
                Tag::new("bare", ""),
            ]
        );
        assert!(parse_tagging_header(b"").unwrap().is_empty());
        assert_eq!(
            parse_tagging_header(b"k=%ff").unwrap_err().code,
            S3ErrorCode::InvalidArgument
        );
    }
}
