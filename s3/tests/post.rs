//! PostObject, browser form uploads: `POST /bucket` with a
//! multipart/form-data body and a SigV4-signed POST policy. aws-sdk-s3 has
//! no presigned POST, so the policy is written and signed here by hand
//! (policy JSON → base64 → HMAC-SHA256 under the SigV4 signing key), as a
//! web application's backend does.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::*;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const BOUNDARY: &str = "----AlexanderFormBoundaryx7Gq2";

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// A form: its fields in order, then the file.
struct Form {
    fields: Vec<(String, String)>,
    filename: String,
    file: Vec<u8>,
}

impl Form {
    /// A form signed for `access_key`/`secret` with `conditions` (JSON
    /// array items, without the signing fields, which are added) expiring
    /// at `expiration`; `fields` come first.
    fn signed(
        access_key: &str,
        secret: &str,
        expiration: &str,
        conditions: &[&str],
        fields: &[(&str, &str)],
        file: &[u8],
    ) -> Form {
        let now = std::time::SystemTime::now();
        let amz_date = alexander_s3::auth::sigv4::format_amz_date(now);
        let date = &amz_date[..8];
        let credential = format!("{access_key}/{date}/{REGION}/s3/aws4_request");
        let mut conds: Vec<String> = conditions.iter().map(|c| (*c).to_owned()).collect();
        conds.push(r#"{"x-amz-algorithm": "AWS4-HMAC-SHA256"}"#.to_owned());
        conds.push(format!(r#"{{"x-amz-credential": "{credential}"}}"#));
        conds.push(format!(r#"{{"x-amz-date": "{amz_date}"}}"#));
        let policy = format!(
            r#"{{"expiration": "{expiration}", "conditions": [{}]}}"#,
            conds.join(", ")
        );
        let policy = BASE64.encode(policy);
        let k_date = hmac(format!("AWS4{secret}").as_bytes(), date);
        let k_region = hmac(&k_date, REGION);
        let k_service = hmac(&k_region, "s3");
        let k_signing = hmac(&k_service, "aws4_request");
        let signature = hex::encode(hmac(&k_signing, &policy));
        let mut all: Vec<(String, String)> = fields
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        for (n, v) in [
            ("x-amz-algorithm", "AWS4-HMAC-SHA256".to_owned()),
            ("x-amz-credential", credential),
            ("x-amz-date", amz_date.clone()),
            ("policy", policy),
            ("x-amz-signature", signature),
        ] {
            all.push((n.to_owned(), v));
        }
        Form {
            fields: all,
            filename: "hello.txt".to_owned(),
            file: file.to_vec(),
        }
    }

    fn set(&mut self, name: &str, value: &str) {
        match self.fields.iter_mut().find(|(n, _)| n == name) {
            Some(f) => f.1 = value.to_owned(),
            None => self.fields.push((name.to_owned(), value.to_owned())),
        }
    }

    fn remove(&mut self, name: &str) {
        self.fields.retain(|(n, _)| n != name);
    }

    fn body(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (n, v) in &self.fields {
            out.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        out.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n",
                self.filename
            )
            .as_bytes(),
        );
        out.extend_from_slice(&self.file);
        out.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
        out
    }
}

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Reply {
    fn code(&self) -> String {
        let start = self.body.find("<Code>").map_or(0, |i| i + 6);
        let end = self.body.find("</Code>").unwrap_or(start);
        self.body[start..end].to_owned()
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map_or("", |v| v.to_str().unwrap_or(""))
    }
}

/// Posts raw bytes to `url` with `content_type` (and `host`, if given).
async fn post_raw(url: &str, host: Option<&str>, content_type: &str, body: Vec<u8>) -> Reply {
    let mut req = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(url)
        .header("content-type", content_type)
        .body(body);
    if let Some(h) = host {
        req = req.header("host", h);
    }
    let resp = req.send().await.unwrap();
    Reply {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap(),
    }
}

async fn post(server: &TestServer, bucket: &str, form: &Form) -> Reply {
    post_raw(
        &format!("{}/{bucket}", server.endpoint()),
        None,
        &format!("multipart/form-data; boundary={BOUNDARY}"),
        form.body(),
    )
    .await
}

const LATER: &str = "2099-01-01T00:00:00.000Z";

/// The conditions of the usual form, for `bucket`.
fn usual(bucket: &str) -> Vec<String> {
    vec![
        format!(r#"{{"bucket": "{bucket}"}}"#),
        r#"["starts-with", "$key", "uploads/"]"#.to_owned(),
        r#"["starts-with", "$Content-Type", "text/"]"#.to_owned(),
        r#"["eq", "$x-amz-meta-color", "blue"]"#.to_owned(),
        r#"["starts-with", "$success_action_status", ""]"#.to_owned(),
        r#"["content-length-range", 1, 5000000]"#.to_owned(),
    ]
}

fn usual_form(bucket: &str, expiration: &str, file: &[u8]) -> Form {
    let conds = usual(bucket);
    let conds: Vec<&str> = conds.iter().map(String::as_str).collect();
    Form::signed(
        ACCESS_KEY,
        SECRET_KEY,
        expiration,
        &conds,
        &[
            ("key", "uploads/${filename}"),
            ("Content-Type", "text/plain"),
            ("x-amz-meta-color", "blue"),
            ("success_action_status", "201"),
        ],
        file,
    )
}

#[test]
fn post_object_stores_the_file_with_its_fields() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "post");
    rt().block_on(async {
        // Over the upload pipeline's batch, with bytes that look like a
        // delimiter's start.
        let mut file = data(3 * 1024 * 1024 + 17, 7);
        file[1000..1006].copy_from_slice(b"\r\n--\r\n");
        let form = usual_form(&b, LATER, &file);
        let r = post(&server, &b, &form).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let etag = format!("\"{}\"", md5_hex(&file));
        assert!(r.body.contains("<PostResponse>"), "{}", r.body);
        assert!(
            r.body.contains("<Key>uploads/hello.txt</Key>"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains(&format!("<Bucket>{b}</Bucket>")),
            "{}",
            r.body
        );
        assert!(
            r.body.contains(&format!("<ETag>{etag}</ETag>")),
            "{}",
            r.body
        );
        assert_eq!(r.header("etag"), etag);
        assert!(
            r.header("location")
                .ends_with(&format!("/{b}/uploads/hello.txt"))
        );

        let got = s3
            .get_object()
            .bucket(&b)
            .key("uploads/hello.txt")
            .send()
            .await
            .unwrap();
        assert_eq!(got.content_type(), Some("text/plain"));
        assert_eq!(
            got.metadata().unwrap().get("color").map(String::as_str),
            Some("blue")
        );
        assert_eq!(got.e_tag(), Some(etag.as_str()));
        let bytes = got.body.collect().await.unwrap().into_bytes();
        assert!(bytes == file[..], "the stored bytes are the file's");

        // 204 by default (and for a status S3 does not know), 200 on request.
        let mut form = usual_form(&b, LATER, b"second");
        form.remove("success_action_status");
        form.filename = "two.txt".into();
        let r = post(&server, &b, &form).await;
        assert_eq!(r.status, 204, "{}", r.body);
        assert!(r.body.is_empty());
        let mut form = usual_form(&b, LATER, b"third");
        form.set("success_action_status", "200");
        form.filename = "three.txt".into();
        let r = post(&server, &b, &form).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(get_bytes(&s3, &b, "uploads/three.txt").await, b"third");
        let mut form = usual_form(&b, LATER, b"fourth");
        form.set("success_action_status", "302");
        form.filename = "four.txt".into();
        assert_eq!(post(&server, &b, &form).await.status, 204);

        // success_action_redirect: 303 to the URL with bucket, key and ETag.
        let conds = [
            format!(r#"{{"bucket": "{b}"}}"#),
            r#"["eq", "$key", "redirected.txt"]"#.to_owned(),
            r#"{"success_action_redirect": "https://app.example/done?x=1"}"#.to_owned(),
        ];
        let conds: Vec<&str> = conds.iter().map(String::as_str).collect();
        let form = Form::signed(
            ACCESS_KEY,
            SECRET_KEY,
            LATER,
            &conds,
            &[
                ("key", "redirected.txt"),
                ("success_action_redirect", "https://app.example/done?x=1"),
            ],
            b"r",
        );
        let r = post(&server, &b, &form).await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            r.header("location"),
            format!(
                "https://app.example/done?x=1&bucket={b}&key=redirected%2Etxt&etag=%22{}%22",
                md5_hex(b"r")
            )
            .replace(&format!("bucket={b}"), &format!("bucket={}", enc(&b)))
        );
        assert_eq!(get_bytes(&s3, &b, "redirected.txt").await, b"r");

        // x-ignore-* fields need no condition; an empty file within range.
        let conds = [
            format!(r#"{{"bucket": "{b}"}}"#),
            r#"["starts-with", "$key", ""]"#.to_owned(),
        ];
        let conds: Vec<&str> = conds.iter().map(String::as_str).collect();
        let form = Form::signed(
            ACCESS_KEY,
            SECRET_KEY,
            LATER,
            &conds,
            &[("key", "empty"), ("x-ignore-note", "anything")],
            b"",
        );
        let r = post(&server, &b, &form).await;
        assert_eq!(r.status, 204, "{}", r.body);
        assert_eq!(get_bytes(&s3, &b, "empty").await, b"");
    });
}

fn md5_b64(data: &[u8]) -> String {
    use md5::Digest;
    BASE64.encode(md5::Md5::digest(data))
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Keys in the bucket.
async fn keys(s3: &aws_sdk_s3::Client, b: &str) -> Vec<String> {
    let out = s3.list_objects_v2().bucket(b).send().await.unwrap();
    out.contents()
        .iter()
        .map(|o| o.key().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn refused_posts_store_nothing() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = new_bucket(&server, "postbad");
    server.iam.create_user("bob").unwrap();
    let (bob_key, bob_secret) = server.iam.create_key("bob").unwrap();
    rt().block_on(async {
        let ok = || usual_form(&b, LATER, b"data");
        // (what, form, status, code, message part)
        let mut cases: Vec<(&str, Form, u16, &str, &str)> = Vec::new();
        cases.push((
            "expired policy",
            usual_form(&b, "2001-01-01T00:00:00.000Z", b"data"),
            403,
            "AccessDenied",
            "Invalid according to Policy: Policy expired.",
        ));
        let mut f = ok();
        f.set("key", "elsewhere/${filename}");
        cases.push((
            "key outside the prefix",
            f,
            403,
            "AccessDenied",
            "Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"$key\", \"uploads/\"]",
        ));
        let mut f = ok();
        f.set("Content-Type", "image/png");
        cases.push((
            "Content-Type not allowed",
            f,
            403,
            "AccessDenied",
            "Policy Condition failed",
        ));
        let mut f = ok();
        f.set("x-amz-meta-color", "red");
        cases.push(("metadata changed", f, 403, "AccessDenied", "x-amz-meta-color"));
        let mut f = ok();
        f.set("x-amz-meta-extra", "sneaky");
        cases.push((
            "a field no condition names",
            f,
            403,
            "AccessDenied",
            "Invalid according to Policy: Extra input fields: x-amz-meta-extra",
        ));
        let mut f = ok();
        let sig = f.fields.iter().find(|(n, _)| n == "x-amz-signature").unwrap().1.clone();
        let flipped = if sig.starts_with('0') { "1" } else { "0" };
        f.set("x-amz-signature", &format!("{flipped}{}", &sig[1..]));
        cases.push(("bad signature", f, 403, "SignatureDoesNotMatch", ""));
        let conds = usual(&b);
        let conds: Vec<&str> = conds.iter().map(String::as_str).collect();
        let fields = [
            ("key", "uploads/${filename}"),
            ("Content-Type", "text/plain"),
            ("x-amz-meta-color", "blue"),
        ];
        cases.push((
            "wrong secret",
            Form::signed(ACCESS_KEY, "not-the-secret", LATER, &conds, &fields, b"d"),
            403,
            "SignatureDoesNotMatch",
            "",
        ));
        cases.push((
            "unknown access key",
            Form::signed("NOSUCHKEY", SECRET_KEY, LATER, &conds, &fields, b"d"),
            403,
            "InvalidAccessKeyId",
            "",
        ));
        cases.push((
            "a user without write access to the bucket",
            Form::signed(&bob_key.id, bob_secret.expose_secret(), LATER, &conds, &fields, b"d"),
            403,
            "AccessDenied",
            "",
        ));
        let mut f = ok();
        f.file = vec![7u8; 5_000_001];
        cases.push(("file over content-length-range", f, 400, "EntityTooLarge", ""));
        let mut f = ok();
        f.file = Vec::new();
        cases.push(("file under content-length-range", f, 400, "EntityTooSmall", ""));
        let mut f = ok();
        f.remove("key");
        cases.push(("no key", f, 400, "InvalidArgument", "'key'"));
        let mut f = ok();
        f.remove("x-amz-signature");
        cases.push(("no signature", f, 400, "InvalidArgument", "'x-amz-signature'"));
        let mut f = ok();
        f.remove("policy");
        cases.push(("no policy", f, 400, "InvalidArgument", "'policy'"));
        let mut f = ok();
        f.set("x-amz-credential", "garbage");
        cases.push(("malformed credential", f, 400, "InvalidArgument", ""));
        let conds2 = {
            let mut c = usual(&b);
            c.push(r#"{"acl": "aws-exec-read"}"#.to_owned());
            c
        };
        let conds2: Vec<&str> = conds2.iter().map(String::as_str).collect();
        let mut acl_fields = fields.to_vec();
        acl_fields.push(("acl", "aws-exec-read"));
        cases.push((
            "an ACL this server does not have",
            Form::signed(ACCESS_KEY, SECRET_KEY, LATER, &conds2, &acl_fields, b"d"),
            501,
            "NotImplemented",
            "",
        ));
        for (what, form, status, code, message) in cases {
            let r = post(&server, &b, &form).await;
            assert_eq!((r.status, r.code().as_str()), (status, code), "{what}: {}", r.body);
            let text = r.body.replace("&quot;", "\"").replace("&apos;", "'");
            assert!(text.contains(message), "{what}: {}", r.body);
        }

        // Bodies that are not a form with a file.
        let url = format!("{}/{b}", server.endpoint());
        let mp = format!("multipart/form-data; boundary={BOUNDARY}");
        let r = post_raw(&url, None, "text/plain", b"key=x".to_vec()).await;
        assert_eq!((r.status, r.code().as_str()), (412, "PreconditionFailed"), "{}", r.body);
        let no_file = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--{BOUNDARY}--\r\n"
        );
        let r = post_raw(&url, None, &mp, no_file.into_bytes()).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "IncorrectNumberOfFilesInPostRequest"),
            "{}",
            r.body
        );
        let r = post_raw(&url, None, &mp, b"no boundary here".to_vec()).await;
        assert_eq!((r.status, r.code().as_str()), (400, "MalformedPOSTRequest"), "{}", r.body);
        let big = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"x-ignore-pad\"\r\n\r\n{}\r\n",
            "p".repeat(21 * 1024)
        );
        let r = post_raw(&url, None, &mp, big.into_bytes()).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "MaxPostPreDataLengthExceededError"),
            "{}",
            r.body
        );
        // A file cut off before its closing delimiter.
        let mut cut = ok().body();
        cut.truncate(cut.len() - BOUNDARY.len() - 8);
        let r = post_raw(&url, None, &mp, cut).await;
        assert_eq!(r.status, 400, "{}", r.body);
        // An anonymous form (no policy) on a private bucket.
        let anon = Form {
            fields: vec![("key".into(), "anon.txt".into())],
            filename: "a".into(),
            file: b"a".to_vec(),
        };
        let r = post(&server, &b, &anon).await;
        assert_eq!((r.status, r.code().as_str()), (403, "AccessDenied"), "{}", r.body);

        assert_eq!(keys(&s3, &b).await, Vec::<String>::new(), "nothing stored");
    });
}

#[test]
fn anonymous_form_on_a_public_write_bucket_and_virtual_host_style() {
    let server = TestServer::start_with(alexander_s3::S3Config {
        vhost_domain: Some("s3.test".into()),
        ..alexander_s3::S3Config::default()
    });
    let s3 = server.client();
    let b = new_bucket(&server, "postpub");
    server
        .store
        .set_bucket_setting(&b, alexander_s3::ACL_SETTING, Some("public-read-write"))
        .unwrap();
    rt().block_on(async {
        let anon = Form {
            fields: vec![
                ("key".into(), "anon/${filename}".into()),
                ("x-amz-meta-from".into(), "browser".into()),
                (
                    "tagging".into(),
                    "<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>"
                        .into(),
                ),
                ("Content-MD5".into(), md5_b64(b"anonymous bytes")),
            ],
            filename: "a.bin".into(),
            file: b"anonymous bytes".to_vec(),
        };
        let r = post(&server, &b, &anon).await;
        assert_eq!(r.status, 204, "{}", r.body);
        let tags = s3
            .get_object_tagging()
            .bucket(&b)
            .key("anon/a.bin")
            .send()
            .await
            .unwrap();
        let tags: Vec<(&str, &str)> = tags
            .tag_set()
            .iter()
            .map(|t| (t.key(), t.value()))
            .collect();
        assert_eq!(tags, vec![("a", "b")]);
        // A Content-MD5 the file does not match stores nothing.
        let bad = Form {
            fields: vec![
                ("key".into(), "anon/bad.bin".into()),
                ("Content-MD5".into(), md5_b64(b"other bytes")),
            ],
            filename: "bad.bin".into(),
            file: b"anonymous bytes".to_vec(),
        };
        let r = post(&server, &b, &bad).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "BadDigest"),
            "{}",
            r.body
        );
        assert_eq!(keys(&s3, &b).await, vec!["anon/a.bin".to_owned()]);
        let head = s3
            .head_object()
            .bucket(&b)
            .key("anon/a.bin")
            .send()
            .await
            .unwrap();
        assert_eq!(
            head.metadata().unwrap().get("from").map(String::as_str),
            Some("browser")
        );

        // Virtual-host style: POST / on bucket.s3.test, signed as root.
        let form = usual_form(&b, LATER, b"vhost bytes");
        let r = post_raw(
            &format!("{}/", server.endpoint()),
            Some(&format!("{b}.s3.test")),
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            form.body(),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(
            get_bytes(&s3, &b, "uploads/hello.txt").await,
            b"vhost bytes"
        );
    });
}
