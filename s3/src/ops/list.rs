//! Listings: ListObjects (v1), ListObjectsV2 and ListObjectVersions, all
//! needing read access to the bucket.
//!
//! S3's rules kept here:
//!
//! - `max-keys` defaults to 1000 and is capped at 1000; `max-keys=0`
//!   answers an empty, untruncated page.
//! - v1 always echoes `Marker` and gives `NextMarker` only when a
//!   delimiter was given (without one, the last key is the next marker, as
//!   S3 documents). Contents carry their `Owner`.
//! - v2's continuation token is the store's next marker, base64url-encoded:
//!   opaque to clients, stateless here. An empty token is no token (echoed
//!   back empty, as S3 does); an undecodable one is `InvalidArgument`; a
//!   token wins over `start-after`. `Owner` only with
//!   `fetch-owner=true`. `KeyCount` counts keys and common prefixes.
//! - `encoding-type=url` encodes keys, prefixes, the delimiter, markers,
//!   `StartAfter` and common prefixes as S3 does: every byte but
//!   `A-Za-z0-9-_.*/` percent-encoded, a space as `%20` (what S3's
//!   conformance suites expect; `+` would be misread by clients that only
//!   percent-decode). Continuation tokens and version ids are opaque and
//!   stay as they are.
//! - Every object's owner is its bucket's owner.
//!
//! Snapshots over S3. A bucket's snapshots are read under the reserved key
//! prefix `.snapshots/NAME/`, which the store never holds real keys under,
//! so a listing of the bucket never shows it. A listing whose prefix starts
//! with `.snapshots/` lists the snapshot namespace instead:
//!
//! - `.snapshots/NAME/inner` lists snapshot NAME with prefix `inner`; keys,
//!   common prefixes and markers are mapped back by prepending
//!   `.snapshots/NAME/`;
//! - a shorter prefix (`.snapshots/`, or a partial name such as
//!   `.snapshots/da`) covers every snapshot whose `.snapshots/NAME/` it
//!   starts: with delimiter `/` each becomes the common prefix
//!   `.snapshots/NAME/`, as directories do; without a delimiter the
//!   snapshots' keys are listed one snapshot after another, in S3 key order
//!   (snapshots ordered by `NAME/`, so the whole listing is sorted).
//!
//! Markers and continuation tokens work across snapshots, since they are
//! keys of this one namespace. A multi-character delimiter that would
//! straddle the `NAME/` boundary is applied within each snapshot only.
//! ListObjectVersions does not descend into snapshots: a snapshot is a view
//! of versions the bucket's own version listing already shows, so under
//! `.snapshots/` it answers an empty listing.

use alexander_store::{ListPage, ListQuery, ObjectInfo, SNAPSHOT_PREFIX, Store, VersionQuery};
use http::{Response, StatusCode};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::bucket::{bucket_owner, decode_token, encode_token, owner_of};
use super::{Access, Ctx, blocking, check_access, xml_response};
use crate::error::S3Error;
use crate::router::Endpoint;
use crate::s3_error;
use crate::server::ResponseBody;
use crate::xml::{
    CommonPrefix, DeleteMarkerEntry, ListBucketResult, ListEntry, ListVersionsResult,
    ObjectVersion, Owner, Timestamp, VersionEntry, Xmlns, to_xml,
};

type R = Result<Response<ResponseBody>, S3Error>;

/// The most keys one page holds, and the default page size.
pub const MAX_KEYS: u32 = 1000;

/// The storage class every object has here.
const STORAGE_CLASS: &str = "STANDARD";

/// What `encoding-type=url` leaves as it is; a space is `%20`, which a
/// client decodes right whether it decodes a `+` as a space or not.
const URL_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'/')
    .remove(b'*');

/// URL-encodes a key for a listing with `encoding-type=url`, as S3 does.
pub fn url_encode(text: &str) -> String {
    utf8_percent_encode(text, URL_ENCODE).to_string()
}

/// Applies `encoding-type=url` when asked for.
struct Encoder(bool);

impl Encoder {
    fn key(&self, text: &str) -> String {
        if self.0 {
            url_encode(text)
        } else {
            text.to_owned()
        }
    }

    fn opt(&self, text: Option<&str>) -> Option<String> {
        text.map(|t| self.key(t))
    }

    fn encoding_type(&self) -> Option<String> {
        self.0.then(|| "url".to_owned())
    }

    fn prefixes(&self, prefixes: &[String]) -> Vec<CommonPrefix> {
        prefixes
            .iter()
            .map(|p| CommonPrefix {
                prefix: self.key(p),
            })
            .collect()
    }
}

fn page_size(requested: Option<u32>) -> usize {
    requested.unwrap_or(MAX_KEYS).min(MAX_KEYS) as usize
}

fn entry(info: &ObjectInfo, enc: &Encoder, owner: Option<&Owner>) -> ListEntry {
    ListEntry {
        key: enc.key(&info.key),
        last_modified: Timestamp(info.modified_ns),
        etag: info.etag.clone(),
        size: info.size,
        owner: owner.cloned(),
        storage_class: STORAGE_CLASS.to_owned(),
        ..Default::default()
    }
}

/// ListObjects (v1) and ListObjectsV2.
pub async fn list_objects(ctx: Ctx, e: Endpoint) -> R {
    let (bucket, prefix, delimiter, max_keys, url) = match &e {
        Endpoint::ListObjects {
            bucket,
            prefix,
            delimiter,
            max_keys,
            url_encoding,
            ..
        }
        | Endpoint::ListObjectsV2 {
            bucket,
            prefix,
            delimiter,
            max_keys,
            url_encoding,
            ..
        } => (
            bucket.clone(),
            prefix.clone(),
            delimiter.clone(),
            *max_keys,
            *url_encoding,
        ),
        _ => {
            return Err(S3Error::internal(
                "list_objects called for another operation",
            ));
        }
    };
    let info = check_access(&ctx, &bucket, Access::List)?;
    let owner = owner_of(bucket_owner(&info));
    let enc = Encoder(url);
    let max = page_size(max_keys);
    let start = match &e {
        Endpoint::ListObjects { marker, .. } => marker.clone(),
        Endpoint::ListObjectsV2 {
            continuation_token: Some(token),
            ..
        } if !token.is_empty() => Some(decode_token(token).ok_or_else(|| {
            s3_error!(
                InvalidArgument,
                "The continuation token provided is incorrect"
            )
            .with_field("ArgumentName", "continuation-token")
        })?),
        Endpoint::ListObjectsV2 { start_after, .. } => start_after.clone(),
        _ => None,
    };
    let page = if max == 0 {
        ListPage::default()
    } else {
        let store = ctx.store().clone();
        let query = ListQuery {
            prefix: prefix.clone(),
            delimiter: delimiter.clone(),
            start_after: start,
            max_keys: max,
            snapshot: None,
        };
        blocking(move || list_view(&store, &bucket, &query)).await?
    };
    let name = info.name.clone();
    let doc = match e {
        Endpoint::ListObjects { marker, .. } => ListBucketResult {
            xmlns: Xmlns,
            name,
            prefix: enc.key(&prefix),
            marker: Some(enc.key(marker.as_deref().unwrap_or(""))),
            next_marker: if delimiter.is_some() && page.is_truncated {
                enc.opt(page.next_marker.as_deref())
            } else {
                None
            },
            max_keys: max as u32,
            delimiter: enc.opt(delimiter.as_deref()),
            is_truncated: page.is_truncated,
            encoding_type: enc.encoding_type(),
            contents: page
                .objects
                .iter()
                .map(|o| entry(o, &enc, Some(&owner)))
                .collect(),
            common_prefixes: enc.prefixes(&page.common_prefixes),
            ..Default::default()
        },
        Endpoint::ListObjectsV2 {
            continuation_token,
            start_after,
            fetch_owner,
            ..
        } => ListBucketResult {
            xmlns: Xmlns,
            name,
            prefix: enc.key(&prefix),
            continuation_token,
            next_continuation_token: if page.is_truncated {
                page.next_marker.as_deref().map(encode_token)
            } else {
                None
            },
            start_after: enc.opt(start_after.as_deref()),
            key_count: Some((page.objects.len() + page.common_prefixes.len()) as u64),
            max_keys: max as u32,
            delimiter: enc.opt(delimiter.as_deref()),
            is_truncated: page.is_truncated,
            encoding_type: enc.encoding_type(),
            contents: page
                .objects
                .iter()
                .map(|o| entry(o, &enc, fetch_owner.then_some(&owner)))
                .collect(),
            common_prefixes: enc.prefixes(&page.common_prefixes),
            ..Default::default()
        },
        _ => {
            return Err(S3Error::internal(
                "list_objects called for another operation",
            ));
        }
    };
    Ok(xml_response(StatusCode::OK, to_xml(&doc)))
}

/// One page of the bucket as S3 sees it: its objects, or under
/// `.snapshots/` its snapshots (see the module header).
pub fn list_view(store: &Store, bucket: &str, q: &ListQuery) -> Result<ListPage, S3Error> {
    if q.prefix.starts_with(SNAPSHOT_PREFIX) {
        list_snapshots(store, bucket, q)
    } else {
        Ok(store.list_objects(bucket, q)?)
    }
}

/// A listing entry in the snapshot namespace.
enum Item {
    Object(Box<ObjectInfo>),
    Prefix(String),
}

impl Item {
    fn key(&self) -> &str {
        match self {
            Item::Object(o) => &o.key,
            Item::Prefix(p) => p,
        }
    }
}

/// The common prefix `key` rolls up into after `prefix`, if any.
fn rollup<'k>(key: &'k str, prefix: &str, delimiter: Option<&str>) -> Option<&'k str> {
    let d = delimiter.filter(|d| !d.is_empty())?;
    let pos = key.get(prefix.len()..)?.find(d)?;
    Some(&key[..prefix.len() + pos + d.len()])
}

/// Lists the namespace under `.snapshots/`: `q.prefix` starts with it.
fn list_snapshots(store: &Store, bucket: &str, q: &ListQuery) -> Result<ListPage, S3Error> {
    let delimiter = q.delimiter.as_deref().filter(|d| !d.is_empty());
    let mut bases: Vec<(String, String)> = store
        .list_snapshots(bucket)?
        .into_iter()
        .map(|s| (format!("{SNAPSHOT_PREFIX}{}/", s.name), s.name))
        .filter(|(base, _)| base.starts_with(&q.prefix) || q.prefix.starts_with(base.as_str()))
        .collect();
    // Keys under `.snapshots/NAME/` sort by `NAME/`, not by NAME (`a-/`
    // sorts before `a/`).
    bases.sort();
    // One more than a page, to know whether the page is the last.
    let want = q.max_keys + 1;
    let mut items: Vec<Item> = Vec::new();
    for (base, name) in bases {
        if items.len() >= want {
            break;
        }
        if base.len() > q.prefix.len()
            && let Some(cp) = rollup(&base, &q.prefix, delimiter)
        {
            // The whole snapshot rolls up into one common prefix.
            let before_start = q.start_after.as_deref().is_some_and(|sa| cp <= sa);
            let repeated = items.last().is_some_and(|last| last.key() == cp);
            if !before_start && !repeated {
                items.push(Item::Prefix(cp.to_owned()));
            }
            continue;
        }
        let inner_start = match q.start_after.as_deref() {
            None => None,
            Some(sa) if sa.starts_with(base.as_str()) => Some(sa[base.len()..].to_owned()),
            Some(sa) if sa < base.as_str() => None,
            // Every key of this snapshot sorts before the marker.
            Some(_) => continue,
        };
        let inner = ListQuery {
            prefix: q.prefix.get(base.len()..).unwrap_or("").to_owned(),
            delimiter: q.delimiter.clone(),
            start_after: inner_start,
            max_keys: want - items.len(),
            snapshot: Some(name),
        };
        let page = match store.list_objects(bucket, &inner) {
            Ok(page) => page,
            // Deleted since it was listed: it holds nothing any more.
            Err(alexander_store::Error::NoSuchSnapshot(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        let mut objects = page.objects.into_iter().peekable();
        let mut prefixes = page.common_prefixes.into_iter().peekable();
        // Objects and common prefixes come apart; put them back in order.
        loop {
            let take_object = match (objects.peek(), prefixes.peek()) {
                (Some(o), Some(p)) => o.key.as_str() < p.as_str(),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            items.push(if take_object {
                let mut o = objects.next().expect("peeked");
                o.key.insert_str(0, &base);
                Item::Object(Box::new(o))
            } else {
                Item::Prefix(format!("{base}{}", prefixes.next().expect("peeked")))
            });
        }
    }
    let is_truncated = items.len() > q.max_keys;
    items.truncate(q.max_keys);
    let mut page = ListPage {
        is_truncated,
        next_marker: if is_truncated {
            items.last().map(|i| i.key().to_owned())
        } else {
            None
        },
        ..ListPage::default()
    };
    for item in items {
        match item {
            Item::Object(o) => page.objects.push(*o),
            Item::Prefix(p) => page.common_prefixes.push(p),
        }
    }
    Ok(page)
}

/// ListObjectVersions: versions and delete markers, keys in order and each
/// key's versions newest first.
pub async fn list_object_versions(ctx: Ctx, e: Endpoint) -> R {
    let Endpoint::ListObjectVersions {
        bucket,
        prefix,
        delimiter,
        key_marker,
        version_id_marker,
        max_keys,
        url_encoding,
    } = e
    else {
        return Err(S3Error::internal(
            "list_object_versions called for another operation",
        ));
    };
    let info = check_access(&ctx, &bucket, Access::List)?;
    if key_marker.is_none() && version_id_marker.is_some() {
        return Err(s3_error!(
            InvalidArgument,
            "A version-id marker cannot be specified without a key marker."
        )
        .with_field("ArgumentName", "version-id-marker"));
    }
    let owner = owner_of(bucket_owner(&info));
    let enc = Encoder(url_encoding);
    let max = page_size(max_keys);
    let page = if max == 0 {
        Default::default()
    } else {
        let store = ctx.store().clone();
        let query = VersionQuery {
            prefix: prefix.clone(),
            delimiter: delimiter.clone(),
            key_marker: key_marker.clone(),
            version_id_marker: version_id_marker.clone(),
            max_keys: max,
        };
        blocking(move || match store.list_versions(&bucket, &query) {
            Ok(page) => Ok(page),
            Err(alexander_store::Error::NoSuchVersion { version_id, .. }) => {
                Err(s3_error!(InvalidArgument, "Invalid version id specified")
                    .with_field("ArgumentName", "version-id-marker")
                    .with_field("ArgumentValue", version_id))
            }
            Err(e) => Err(e.into()),
        })
        .await?
    };
    let entries = page
        .versions
        .iter()
        .map(|v| {
            let i = &v.info;
            if v.delete_marker {
                VersionEntry::DeleteMarker(DeleteMarkerEntry {
                    key: enc.key(&i.key),
                    version_id: i.version_id.clone(),
                    is_latest: v.is_latest,
                    last_modified: Timestamp(i.modified_ns),
                    owner: Some(owner.clone()),
                })
            } else {
                VersionEntry::Version(ObjectVersion {
                    key: enc.key(&i.key),
                    version_id: i.version_id.clone(),
                    is_latest: v.is_latest,
                    last_modified: Timestamp(i.modified_ns),
                    etag: i.etag.clone(),
                    size: i.size,
                    owner: Some(owner.clone()),
                    storage_class: STORAGE_CLASS.to_owned(),
                    ..Default::default()
                })
            }
        })
        .collect();
    let doc = ListVersionsResult {
        xmlns: Xmlns,
        name: info.name.clone(),
        prefix: enc.key(&prefix),
        key_marker: enc.key(key_marker.as_deref().unwrap_or("")),
        version_id_marker: version_id_marker.unwrap_or_default(),
        next_key_marker: enc.opt(page.next_key_marker.as_deref()),
        next_version_id_marker: page.next_version_id_marker.clone(),
        max_keys: max as u32,
        delimiter: enc.opt(delimiter.as_deref()),
        is_truncated: page.is_truncated,
        encoding_type: enc.encoding_type(),
        entries,
        common_prefixes: enc.prefixes(&page.common_prefixes),
    };
    Ok(xml_response(StatusCode::OK, to_xml(&doc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoding_as_s3() {
        assert_eq!(url_encode("a b.txt"), "a%20b.txt");
        assert_eq!(url_encode("a+b.txt"), "a%2Bb.txt");
        assert_eq!(url_encode("100%.csv"), "100%25.csv");
        assert_eq!(url_encode("한글/x.txt"), "%ED%95%9C%EA%B8%80/x.txt");
        assert_eq!(url_encode("%20 x"), "%2520%20x");
        // Control characters, which XML 1.0 cannot carry raw.
        assert_eq!(url_encode("a\nb\u{1}\u{7f}"), "a%0Ab%01%7F");
        assert_eq!(url_encode("a-_.*/~=&?"), "a-_.*/%7E%3D%26%3F");
    }

    #[test]
    fn rollups() {
        assert_eq!(
            rollup(".snapshots/s1/", ".snapshots/", Some("/")),
            Some(".snapshots/s1/")
        );
        assert_eq!(rollup(".snapshots/s1/", ".snapshots/s1/", Some("/")), None);
        assert_eq!(
            rollup(".snapshots/d-1/", ".snapshots/", Some("-")),
            Some(".snapshots/d-")
        );
        assert_eq!(rollup("a/b", "", None), None);
    }

    #[test]
    fn page_sizes() {
        assert_eq!(page_size(None), 1000);
        assert_eq!(page_size(Some(5)), 5);
        assert_eq!(page_size(Some(100_000)), 1000);
        assert_eq!(page_size(Some(0)), 0);
    }
}
