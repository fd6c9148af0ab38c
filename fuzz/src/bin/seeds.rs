//! Writes the seed corpora of the fuzz targets into `fuzz/corpus/<target>/`
//! (`make fuzz-seeds`): real SigV4-signed and presigned requests, bodies
//! made by `chunked::encode`, the XML request bodies of the crate's tests,
//! ranges and conditional headers, names, encoded store records and a pack
//! file written by the store itself. Seeds are small (a few KiB at most) so
//! that the committed corpora stay small; libFuzzer grows its own corpus
//! from them.
//!
//! Run from the `fuzz/` directory; the files are named by the hash of their
//! contents, as libFuzzer names its own, so running it again changes
//! nothing.
//!
//! It is built as a fuzz target whose initialisation writes the seeds and
//! exits: the crates are compiled with libFuzzer's coverage hooks, which
//! only a binary linked with libFuzzer can resolve.

#![no_main]

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use alexander_fuzz::{ACCESS_KEY, REGION, SECRET, now, render_request, streaming_context};
use alexander_s3::auth::SecretKey;
use alexander_s3::auth::chunked;
use alexander_s3::auth::sigv4::{
    EMPTY_SHA256, PresignRequest, STREAMING_PAYLOAD, STREAMING_PAYLOAD_TRAILER,
    STREAMING_UNSIGNED_PAYLOAD_TRAILER, SignRequest, UNSIGNED_PAYLOAD, presign, sign_request,
};
use alexander_store::manifest::{ChunkRef, Manifest};
use alexander_store::packs::{ChunkBackend, LocalPacks};
use alexander_store::records::{
    self, BucketRecord, ChunkRecord, Counters, CurrentRecord, PackRecord, PartRecord,
    SnapshotRecord, UploadRecord, VersionKind, VersionRecord,
};
use alexander_store::{ChunkId, ObjectMeta, PosixAttrs, Versioning};

libfuzzer_sys::fuzz_target!(
    init: write_seeds_and_exit(),
    |_input: &[u8]| {}
);

fn write_seeds_and_exit() {
    write_seeds();
    std::process::exit(0);
}

fn write_seeds() {
    let root = PathBuf::from("corpus");
    sigv4_verify(&root.join("sigv4_verify"));
    chunked_decode(&root.join("chunked_decode"));
    xml_body(&root.join("xml_body"));
    range_conditions(&root.join("range_conditions"));
    names(&root.join("names"));
    records(&root.join("records"));
    pack_records(&root.join("pack_records"));
}

/// Writes one seed, named by a hash of its bytes.
fn seed(dir: &Path, bytes: &[u8]) {
    fs::create_dir_all(dir).expect("the corpus directory");
    // FNV-1a: stable across runs and platforms, which std's hasher is not.
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    fs::write(dir.join(format!("seed-{hash:016x}")), bytes).expect("a seed file");
}

fn sigv4_verify(dir: &Path) {
    let secret = SecretKey::new(SECRET);
    let host = "bucket.example.com";
    let signed = |method: &str, path: &str, query: &str, extra: &[(&str, &str)], hash: &str| {
        let mut headers = vec![("host", host)];
        headers.extend_from_slice(extra);
        let s = sign_request(&SignRequest {
            method,
            path,
            query,
            headers: &headers,
            payload_hash: hash,
            access_key: ACCESS_KEY,
            secret: &secret,
            region: REGION,
            time: now() - Duration::from_secs(30),
        });
        let mut all: Vec<(&str, &str)> = headers.clone();
        let added: Vec<(&str, String)> = s.headers.clone();
        for (name, value) in &added {
            all.push((name, value.as_str()));
        }
        let uri = if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        };
        render_request(method, &uri, &all)
    };
    let body_hash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
    let seeds = [
        signed("GET", "/bucket/key", "", &[], EMPTY_SHA256),
        signed(
            "GET",
            "/",
            "list-type=2&prefix=a%2Fb&max-keys=10",
            &[],
            UNSIGNED_PAYLOAD,
        ),
        signed(
            "PUT",
            "/bucket/dir/file%20name.txt",
            "",
            &[("content-type", "text/plain"), ("x-amz-meta-mode", "33188")],
            body_hash,
        ),
        signed(
            "PUT",
            "/bucket/big",
            "partNumber=1&uploadId=abc",
            &[
                ("content-encoding", "aws-chunked"),
                ("x-amz-decoded-content-length", "66560"),
            ],
            STREAMING_PAYLOAD,
        ),
        signed(
            "PUT",
            "/bucket/trailer",
            "",
            &[("x-amz-trailer", "x-amz-checksum-crc32")],
            STREAMING_PAYLOAD_TRAILER,
        ),
        signed(
            "PUT",
            "/bucket/sdk",
            "x-id=PutObject",
            &[("x-amz-trailer", "x-amz-checksum-crc64nvme")],
            STREAMING_UNSIGNED_PAYLOAD_TRAILER,
        ),
        signed(
            "POST",
            "/bucket",
            "delete",
            &[("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==")],
            body_hash,
        ),
        signed(
            "GET",
            "/bucket/key",
            "",
            &[("range", "bytes=0-9"), ("if-none-match", "\"abc\"")],
            EMPTY_SHA256,
        ),
        signed("PUT", "/bucket/test$file", "", &[], EMPTY_SHA256),
    ];
    for s in &seeds {
        seed(dir, s);
    }
    for (method, path, query, expires) in [
        ("GET", "/bucket/key", "", 3600),
        ("PUT", "/bucket/upload", "", 604_800),
        (
            "GET",
            "/bucket/key",
            "versionId=3&response-content-type=text%2Fplain",
            60,
        ),
    ] {
        let q = presign(&PresignRequest {
            method,
            path,
            query,
            headers: &[("host", host)],
            access_key: ACCESS_KEY,
            secret: &secret,
            region: REGION,
            time: now() - Duration::from_secs(30),
            expires,
        });
        seed(
            dir,
            &render_request(method, &format!("{path}?{q}"), &[("host", host)]),
        );
    }
    // Refused shapes: anonymous, SigV2, a malformed header, both carriers.
    seed(
        dir,
        &render_request("GET", "/bucket/key", &[("host", host)]),
    );
    seed(
        dir,
        &render_request(
            "GET",
            "/bucket/key?AWSAccessKeyId=AKIA&Signature=abc&Expires=1",
            &[("host", host)],
        ),
    );
    seed(
        dir,
        &render_request(
            "GET",
            "/bucket/key",
            &[
                ("host", host),
                ("authorization", "AWS AKIA:c2lnbmF0dXJl"),
                ("date", "Fri, 24 May 2013 00:00:00 GMT"),
            ],
        ),
    );
    seed(
        dir,
        &render_request(
            "GET",
            "/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256",
            &[
                ("host", host),
                (
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIAFUZZEXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
                ),
            ],
        ),
    );
}

fn chunked_decode(dir: &Path) {
    let context = streaming_context();
    let data: Vec<u8> = (0..300u32).map(|i| (i * 7 % 251) as u8).collect();
    let checksum = [("x-amz-checksum-crc32", "AAAAAA==")];
    // framing byte, cut count, cuts, body.
    let with_cuts = |framing: u8, cuts: &[u16], body: &[u8]| {
        let mut out = vec![framing, cuts.len() as u8];
        for c in cuts {
            out.extend_from_slice(&c.to_le_bytes());
        }
        out.extend_from_slice(body);
        out
    };
    for (framing, signing, trailers) in [
        (0u8, Some(&context), &[][..]),
        (1, Some(&context), &checksum[..]),
        (1, Some(&context), &[][..]),
        (2, None, &checksum[..]),
        (2, None, &[][..]),
    ] {
        for (len, chunk) in [(0, 1), (1, 1), (100, 64), (300, 128)] {
            let body = chunked::encode(&data[..len], chunk, signing, trailers);
            seed(dir, &with_cuts(framing, &[], &body));
        }
    }
    let body = chunked::encode(&data, 100, None, &checksum);
    seed(dir, &with_cuts(2, &[3, 110, 111, 250], &body));
    // Damaged framings: no final CRLF, a bad size, bytes after the end.
    seed(dir, &with_cuts(2, &[], b"5\r\nhello\r\n0\r\n"));
    seed(dir, &with_cuts(2, &[], b"zz\r\nhello\r\n0\r\n\r\n"));
    seed(dir, &with_cuts(2, &[], b"0\r\n\r\nextra"));
}

/// The XML documents the target reads, by its selector byte: root element
/// names as they appear in the crate's sources and tests.
const XML_ROOTS: [(u8, &str); 8] = [
    (0, "CompleteMultipartUpload"),
    (1, "Delete"),
    (2, "Tagging"),
    (4, "VersioningConfiguration"),
    (5, "LifecycleConfiguration"),
    (6, "CORSConfiguration"),
    (7, "AccessControlPolicy"),
    (8, "CreateBucketConfiguration"),
];

/// Documents written out here, in case the tests change shape.
const XML_DOCS: [(u8, &str); 9] = [
    (
        0,
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a54357aff0632cce46d942af68356b38\"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>0c78aef83f66abc1fa1e8477f296d394</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>",
    ),
    (
        1,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet><Object><Key>a</Key></Object><Object><Key>b&amp;c</Key><VersionId>3</VersionId></Object></Delete>",
    ),
    (
        2,
        "<Tagging><TagSet><Tag><Key>project</Key><Value>alexander</Value></Tag><Tag><Key>empty</Key><Value></Value></Tag></TagSet></Tagging>",
    ),
    (
        4,
        "<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>",
    ),
    (
        5,
        "<LifecycleConfiguration><Rule><ID>logs</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays></NoncurrentVersionExpiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule><Rule><Filter><Prefix></Prefix></Filter><Status>Disabled</Status><Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration></Rule></LifecycleConfiguration>",
    ),
    (
        6,
        "<CORSConfiguration><CORSRule><ID>web</ID><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>",
    ),
    (
        7,
        "<AccessControlPolicy xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><Owner><ID>owner-id</ID></Owner><AccessControlList><Grant><Grantee xsi:type=\"CanonicalUser\"><ID>owner-id</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant><Grant><Grantee xsi:type=\"Group\"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>",
    ),
    (
        8,
        "<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>",
    ),
    (9, "project=alexander&empty=&a%20b=c%2Bd"),
];

fn xml_body(dir: &Path) {
    let mut found: HashMap<u8, Vec<String>> = HashMap::new();
    for source_dir in ["../s3/src/xml", "../s3/tests"] {
        let Ok(entries) = fs::read_dir(source_dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(text) = fs::read_to_string(entry.path()) else {
                continue;
            };
            for (kind, root) in XML_ROOTS {
                for doc in documents_in(&text, root) {
                    found.entry(kind).or_default().push(doc);
                }
            }
        }
    }
    for (kind, docs) in &found {
        for doc in docs.iter().take(12) {
            write_xml(dir, *kind, doc);
            if *kind == 2 {
                write_xml(dir, 3, doc);
            }
        }
    }
    for (kind, doc) in XML_DOCS {
        write_xml(dir, kind, doc);
        if kind == 2 {
            write_xml(dir, 3, doc);
        }
    }
}

fn write_xml(dir: &Path, kind: u8, doc: &str) {
    if doc.len() > 4096 {
        return;
    }
    let mut bytes = vec![kind];
    bytes.extend_from_slice(doc.as_bytes());
    seed(dir, &bytes);
}

/// The spans `<Root …>…</Root>` (or `<Root/>`) in a source file, with the
/// string-literal escapes `\"` and `\n` undone: the documents its tests
/// send.
fn documents_in(text: &str, root: &str) -> Vec<String> {
    let open = format!("<{root}");
    let close = format!("</{root}>");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(&open) {
        let start = from + i;
        let after = text[start + open.len()..].chars().next();
        from = start + open.len();
        if !matches!(after, Some(' ' | '>' | '/')) {
            continue;
        }
        let end = if text[start..].starts_with(&format!("{open}/>")) {
            start + open.len() + 2
        } else if let Some(j) = text[start..].find(&close) {
            start + j + close.len()
        } else {
            continue;
        };
        let doc = &text[start..end];
        // A span that runs across Rust code (format arguments) is no document.
        if doc.contains("\");") || doc.contains("{}") {
            continue;
        }
        out.push(
            doc.replace("\\\"", "\"")
                .replace("\\n", "\n")
                .replace("\\\n", ""),
        );
        from = end;
    }
    out
}

fn range_conditions(dir: &Path) {
    let head = |size: u64, modified_ns: i64| {
        let mut out = size.to_le_bytes().to_vec();
        out.extend_from_slice(&modified_ns.to_le_bytes());
        out
    };
    let t = 1_700_000_000_000_000_000i64;
    for (size, text) in [
        (100, "bytes=0-9"),
        (100, "bytes=90-"),
        (100, "bytes=-10"),
        (0, "bytes=-0"),
        (10, "bytes=5-2"),
        (10, "bytes=0-1,3-4"),
        (u64::MAX, "bytes=0-99999999999999999999999"),
        (
            100,
            "bytes=0-9\nif-match:\"d41d8cd98f00b204e9800998ecf8427e\"\nif-unmodified-since:Tue, 14 Nov 2023 22:13:20 GMT",
        ),
        (
            100,
            "\nif-none-match:W/\"a\", \"b\"\nif-modified-since:Sunday, 06-Nov-94 08:49:37 GMT",
        ),
        (
            100,
            "bytes=1-2\nx-amz-copy-source-if-match:*\nx-amz-copy-source-if-modified-since:Sun Nov  6 08:49:37 1994\nx-amz-copy-source-if-unmodified-since:2023-11-14T22:13:20.000Z",
        ),
        (5, "2026-01-01\n2026-01-01T00:00:00+01:00:x"),
    ] {
        let mut bytes = head(size, t);
        bytes.extend_from_slice(text.as_bytes());
        seed(dir, &bytes);
    }
}

fn names(dir: &Path) {
    let long = "k".repeat(1024);
    let component = "c".repeat(255);
    for name in [
        "file.txt",
        "a/b/c",
        "a//b",
        "/lead",
        "a/../b",
        ".",
        "..",
        ".snapshots",
        ".snapshots/daily/key",
        ".versions",
        "my-bucket.example",
        "192.168.1.1",
        "xn--bucket",
        "bucket-s3alias",
        "snapshot 2026-01-01",
        "tab\there",
        "nul\0byte",
        "é",
        long.as_str(),
        component.as_str(),
    ] {
        for selector in 0..2u8 {
            let mut bytes = vec![selector];
            bytes.extend_from_slice(name.as_bytes());
            seed(dir, &bytes);
        }
    }
    seed(dir, &[0, 0xff, 0xfe, b'a']);
}

fn records(dir: &Path) {
    let manifest = Manifest::new(vec![
        ChunkRef {
            id: ChunkId([1; 32]),
            len: 65_536,
        },
        ChunkRef {
            id: ChunkId([2; 32]),
            len: 1000,
        },
    ]);
    let meta = ObjectMeta {
        content_type: Some("text/plain".into()),
        user: BTreeMap::from([("color".to_owned(), "blue".to_owned())]),
        extra: BTreeMap::from([("x-amz-checksum-crc32".to_owned(), "AAAAAA==".to_owned())]),
        attrs: PosixAttrs {
            mode: Some(0o100_644),
            uid: Some(1000),
            gid: Some(1000),
            mtime_ns: Some(1_700_000_000_000_000_000),
            symlink: None,
            xattrs: BTreeMap::from([(b"user.a".to_vec(), b"1".to_vec())]),
            atime_ns: Some(1_700_000_000_000_000_001),
            ctime_ns: Some(1_700_000_000_000_000_002),
        },
    };
    let symlink = ObjectMeta {
        attrs: PosixAttrs {
            symlink: Some(b"../target".to_vec()),
            ..PosixAttrs::default()
        },
        ..ObjectMeta::default()
    };
    let version = |kind, hidden_at| VersionRecord {
        seq: 7,
        null_id: false,
        hidden_at,
        kind,
        modified_ns: 1_700_000_000_000_000_000,
        size: manifest.size(),
        etag: "0123456789abcdef0123456789abcdef-2".into(),
        meta: meta.clone(),
        manifest: manifest.clone(),
        part_sizes: vec![65_536, 1000],
    };
    let encoded: Vec<(u8, Vec<u8>)> = vec![
        (
            0,
            records::encode(&BucketRecord {
                created_ns: 1,
                versioning: Versioning::Enabled,
                next_seq: 8,
                settings: BTreeMap::from([("owner".to_owned(), "root".to_owned())]),
            }),
        ),
        (1, records::encode(&version(VersionKind::Object, None))),
        (
            1,
            records::encode(&version(VersionKind::DeleteMarker, Some(9))),
        ),
        (
            2,
            records::encode(&CurrentRecord {
                seq: 7,
                null_id: true,
                modified_ns: 1,
                size: 3,
                etag: "abc".into(),
                meta: symlink.clone(),
            }),
        ),
        (
            3,
            records::encode(&ChunkRecord {
                pack: 3,
                offset: 4096,
                len: 65_536,
                refs: 2,
                md5: Some([9; 16]),
                crc64nvme: Some(0x0123_4567_89ab_cdef),
            }),
        ),
        (
            3,
            records::encode(&ChunkRecord {
                pack: u64::MAX,
                offset: 0,
                len: 10,
                refs: 1,
                md5: None,
                crc64nvme: None,
            }),
        ),
        (
            4,
            records::encode(&PackRecord {
                live_bytes: 1 << 20,
                live_chunks: 16,
            }),
        ),
        (
            5,
            records::encode(&SnapshotRecord {
                seq: 5,
                created_ns: 2,
            }),
        ),
        (
            6,
            records::encode(&UploadRecord {
                created_ns: 3,
                meta: meta.clone(),
            }),
        ),
        (
            7,
            records::encode(&PartRecord {
                md5: [1; 16],
                size: 66_536,
                modified_ns: 4,
                manifest: manifest.clone(),
                extra: BTreeMap::from([("crc32".to_owned(), "AAAAAA==".to_owned())]),
            }),
        ),
        (
            8,
            records::encode(&Counters {
                logical_bytes: 10,
                stored_bytes: 5,
                chunks: 2,
                versions: 1,
                next_job: 3,
            }),
        ),
        (9, records::encode(&meta)),
        (9, records::encode(&symlink)),
        (10, records::encode(&manifest)),
        (10, records::encode(&Manifest::default())),
    ];
    for (selector, bytes) in encoded {
        let mut out = vec![selector];
        out.extend_from_slice(&bytes);
        seed(dir, &out);
    }
}

fn pack_records(dir: &Path) {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let packs = LocalPacks::open(tmp.path(), 1 << 20).expect("a pack store");
    let chunks: [&[u8]; 3] = [b"first chunk", b"", &[7u8; 200]];
    let mut locations = Vec::new();
    for data in chunks {
        let id = ChunkId::of(data);
        locations.push(packs.append(&id, data).expect("an append"));
    }
    packs.sync().expect("a sync");
    let file = fs::read_dir(tmp.path())
        .expect("the pack directory")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .expect("a pack file");
    let contents = fs::read(file).expect("the pack file");
    for loc in locations {
        // offset, length, an even id byte (the id is read from the record).
        let mut out = (loc.offset as u16).to_le_bytes().to_vec();
        out.extend_from_slice(&loc.len.to_le_bytes());
        out.push(0);
        out.extend_from_slice(&contents);
        seed(dir, &out);
    }
}
