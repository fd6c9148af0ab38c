//! The endpoint answers a real SDK: health, errors with request ids, and
//! authentication failures.

mod common;

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
