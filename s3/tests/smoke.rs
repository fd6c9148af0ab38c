//! The endpoint answers a real SDK: health, errors with request ids, and
//! authentication failures.

use crate::common;

use common::*;

#[test]
fn health_and_unknown_key() {
    let server = TestServer::start();
    let body = reqwest::blocking::get(format!("{}/health", server.endpoint()))
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(body, "OK\n");
    rt().block_on(async {
        // A wrong secret is refused with SignatureDoesNotMatch.
        let bad = server.client_as(ACCESS_KEY, "wrong-secret-0000000000000");
        let err = bad.list_buckets().send().await.unwrap_err();
        let svc = err.into_service_error();
        assert_eq!(svc.meta().code(), Some("SignatureDoesNotMatch"));
        // An unknown key is refused with InvalidAccessKeyId.
        let unknown = server.client_as("NOSUCHKEY", "whatever-secret-000000000");
        let err = unknown.list_buckets().send().await.unwrap_err();
        assert_eq!(
            err.into_service_error().meta().code(),
            Some("InvalidAccessKeyId")
        );
    });
}

/// Virtual-host-style addressing: `bucket.<domain>` names the bucket, the
/// path is the key; path style keeps working beside it.
#[test]
fn virtual_host_style() {
    use alexander_s3::auth::SecretKey;
    use alexander_s3::auth::sigv4::{SignRequest, sign_request};
    let server = TestServer::start_with(alexander_s3::S3Config {
        vhost_domain: Some("s3.test".to_owned()),
        ..alexander_s3::S3Config::default()
    });
    server.store.create_bucket("vhost-bucket").unwrap();
    let port = server.addr.port();
    let host = format!("vhost-bucket.s3.test:{port}");
    let client = reqwest::blocking::Client::builder()
        .resolve("vhost-bucket.s3.test", server.addr)
        .build()
        .unwrap();
    let secret = SecretKey::new(SECRET_KEY);
    let signed = |method: &str, path: &str, body: &[u8]| {
        let hash = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(body))
        };
        let out = sign_request(&SignRequest {
            method,
            path,
            query: "",
            headers: &[("host", &host)],
            payload_hash: &hash,
            access_key: ACCESS_KEY,
            secret: &secret,
            region: REGION,
            time: std::time::SystemTime::now(),
        });
        let mut req = client.request(
            method.parse().unwrap(),
            format!("http://vhost-bucket.s3.test:{port}{path}"),
        );
        for (n, v) in out.headers {
            req = req.header(n, v);
        }
        req.body(body.to_vec()).send().unwrap()
    };
    let put = signed("PUT", "/dir/key.txt", b"by virtual host");
    assert_eq!(put.status(), 200, "{:?}", put.text());
    let get = signed("GET", "/dir/key.txt", b"");
    assert_eq!(get.status(), 200);
    assert_eq!(get.bytes().unwrap().as_ref(), b"by virtual host");
    // The same object, path style, through the SDK.
    rt().block_on(async {
        let got = server
            .client()
            .get_object()
            .bucket("vhost-bucket")
            .key("dir/key.txt")
            .send()
            .await
            .unwrap();
        let bytes = got.body.collect().await.unwrap().into_bytes();
        assert_eq!(&bytes[..], b"by virtual host");
    });
}
