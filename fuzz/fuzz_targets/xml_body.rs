//! Every XML request body the endpoint reads, through `xml::from_xml` and
//! then the checks its handler makes. The first byte picks the document:
//!
//! 0 CompleteMultipartUpload, 1 Delete, 2 Tagging (object), 3 Tagging
//! (bucket), 4 VersioningConfiguration, 5 LifecycleConfiguration,
//! 6 CORSConfiguration, 7 AccessControlPolicy, 8 CreateBucketConfiguration,
//! 9 the `x-amz-tagging` header (not XML, but the other way tags arrive).
//!
//! Beyond "never panics": what a handler stores after validating it must
//! read back as the same thing. Lifecycle and CORS rules are stored as
//! `to_xml` of the parsed document and parsed again whenever they are
//! used; tags are stored in their header form.

#![no_main]

use alexander_s3::ops::config::{decode_tags, encode_tags};
use alexander_s3::xml::{
    AccessControlPolicy, CompleteMultipartUpload, CorsConfiguration, CreateBucketConfiguration,
    Delete, LifecycleConfiguration, Tagging, VersioningConfiguration, from_xml,
    parse_tagging_header, try_to_xml,
};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: alexander_fuzz::CappedAlloc = alexander_fuzz::CappedAlloc;

/// The endpoint's default `max_xml_bytes` is larger; a small limit also
/// exercises the refusal of oversized bodies.
const LIMIT: usize = 64 * 1024;

fuzz_target!(|input: &[u8]| {
    let Some((&kind, body)) = input.split_first() else {
        return;
    };
    match kind % 10 {
        0 => {
            let _ = from_xml::<CompleteMultipartUpload>(body, LIMIT);
        }
        1 => {
            if let Ok(doc) = from_xml::<Delete>(body, LIMIT) {
                let _ = doc.validate(1000);
            }
        }
        2 | 3 => {
            let Ok(doc) = from_xml::<Tagging>(body, LIMIT) else {
                return;
            };
            let valid = if kind % 10 == 2 {
                doc.validate_object()
            } else {
                doc.validate_bucket()
            };
            if valid.is_ok() {
                let tags = &doc.tag_set.tags;
                assert_eq!(
                    &decode_tags(&encode_tags(tags)),
                    tags,
                    "tags do not survive storage"
                );
                let xml = try_to_xml(&doc).expect("valid tags serialize");
                let back: Tagging = from_xml(xml.as_bytes(), usize::MAX).expect("and parse back");
                assert_eq!(back, doc);
            }
        }
        4 => {
            if let Ok(doc) = from_xml::<VersioningConfiguration>(body, LIMIT) {
                let _ = doc.requested();
            }
        }
        5 => {
            let Ok(doc) = from_xml::<LifecycleConfiguration>(body, LIMIT) else {
                return;
            };
            if doc.validate().is_ok() {
                let stored = try_to_xml(&doc).expect("a valid lifecycle serializes");
                let back: LifecycleConfiguration = from_xml(stored.as_bytes(), usize::MAX)
                    .unwrap_or_else(|e| panic!("stored lifecycle does not parse: {e:?}\n{stored}"));
                assert_eq!(back, doc, "stored lifecycle reads back different\n{stored}");
                back.validate().expect("and stays valid");
            }
        }
        6 => {
            let Ok(doc) = from_xml::<CorsConfiguration>(body, LIMIT) else {
                return;
            };
            if doc.validate().is_ok() {
                let stored = try_to_xml(&doc).expect("a valid CORS configuration serializes");
                let back: CorsConfiguration = from_xml(stored.as_bytes(), usize::MAX)
                    .unwrap_or_else(|e| panic!("stored CORS does not parse: {e:?}\n{stored}"));
                assert_eq!(back, doc, "stored CORS reads back different\n{stored}");
                back.validate().expect("and stays valid");
                let _ = doc.find_rule("https://example.com", "GET", &["x-amz-date", "*"]);
            }
        }
        7 => {
            if let Ok(doc) = from_xml::<AccessControlPolicy>(body, LIMIT) {
                let _ = doc.to_canned("owner-id");
            }
        }
        8 => {
            let _ = from_xml::<CreateBucketConfiguration>(body, LIMIT);
        }
        _ => {
            if let Ok(tags) = parse_tagging_header(body) {
                let _ = encode_tags(&tags);
            }
        }
    }
});
