//! Bucket operations through aws-sdk-s3: create, list, head, location and
//! delete with their error cases, versioning, owners, and anonymous access
//! per canned ACL (plain HTTP, no signature).

use crate::common;

use alexander_s3::S3Config;
use alexander_s3::ops::owner_id;
use alexander_store::PutOptions;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::{
    BucketCannedAcl, BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration,
    MfaDelete, ObjectAttributes, ObjectCannedAcl, VersioningConfiguration,
};
use common::*;

/// The S3 error code of a failed call.
fn code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> String {
    err.code().unwrap_or("<none>").to_owned()
}

/// The HTTP status of a failed call.
fn status<E>(err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> u16 {
    err.raw_response().map_or(0, |r| r.status().as_u16())
}

fn put(server: &TestServer, bucket: &str, key: &str, body: &[u8]) {
    server
        .store
        .put_object(bucket, key, body, PutOptions::default())
        .unwrap();
}

/// A user with a key; returns a client signing as it.
fn user_client(server: &TestServer, name: &str) -> Client {
    server.iam.create_user(name).unwrap();
    let (key, secret) = server.iam.create_key(name).unwrap();
    server.client_as(&key.id, secret.expose_secret())
}

#[test]
fn create_list_head_locate_delete() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_name("life");
    rt().block_on(async {
        let out = s3.create_bucket().bucket(&b).send().await.unwrap();
        assert_eq!(out.location(), Some(format!("/{b}").as_str()));

        let list = s3.list_buckets().send().await.unwrap();
        let names: Vec<_> = list.buckets().iter().filter_map(|b| b.name()).collect();
        assert_eq!(names, vec![b.as_str()]);
        assert!(list.buckets()[0].creation_date().is_some());
        let owner = list.owner().unwrap();
        assert_eq!(owner.id(), Some(owner_id("root").as_str()));
        assert_eq!(owner.display_name(), Some("root"));

        let head = s3.head_bucket().bucket(&b).send().await.unwrap();
        assert_eq!(head.bucket_region(), Some("us-east-1"));

        // S3 answers an empty LocationConstraint for us-east-1.
        let loc = s3.get_bucket_location().bucket(&b).send().await.unwrap();
        assert_eq!(loc.location_constraint().map_or("", |c| c.as_str()), "");

        // A second create by the owner: in us-east-1 a 200, as S3's legacy
        // region answers, which resets the bucket's ACL to the request's.
        s3.create_bucket()
            .bucket(&b)
            .acl(BucketCannedAcl::PublicRead)
            .send()
            .await
            .unwrap();
        let acl = s3.get_bucket_acl().bucket(&b).send().await.unwrap();
        assert_eq!(acl.grants().len(), 2, "{acl:?}");
        s3.create_bucket().bucket(&b).send().await.unwrap();
        let acl = s3.get_bucket_acl().bucket(&b).send().await.unwrap();
        assert_eq!(acl.grants().len(), 1, "{acl:?}");
        let list = s3.list_buckets().send().await.unwrap();
        assert_eq!(list.buckets().len(), 1);

        // Not empty while it holds an object.
        put(&server, &b, "k", b"x");
        let err = s3.delete_bucket().bucket(&b).send().await.unwrap_err();
        assert_eq!(code(&err), "BucketNotEmpty");
        assert_eq!(status(&err), 409);
        server.store.delete_object(&b, "k", None).unwrap();

        s3.delete_bucket().bucket(&b).send().await.unwrap();
        let err = s3.head_bucket().bucket(&b).send().await.unwrap_err();
        assert_eq!(status(&err), 404);
        let err = s3
            .get_bucket_location()
            .bucket(&b)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NoSuchBucket");
        let err = s3.delete_bucket().bucket(&b).send().await.unwrap_err();
        assert_eq!(code(&err), "NoSuchBucket");
        let list = s3.list_buckets().send().await.unwrap();
        assert!(list.buckets().is_empty());
    });
}

#[test]
fn create_errors() {
    let server = TestServer::start();
    let s3 = server.client();
    rt().block_on(async {
        for bad in ["Bad_Name", "ab", "-leading", "192.168.1.1"] {
            let err = s3.create_bucket().bucket(bad).send().await.unwrap_err();
            assert_eq!(code(&err), "InvalidBucketName", "{bad}");
            assert_eq!(status(&err), 400, "{bad}");
        }
        // Paths the server answers itself.
        for reserved in ["health", "healthz", "readyz", "metrics"] {
            let err = s3
                .create_bucket()
                .bucket(reserved)
                .send()
                .await
                .unwrap_err();
            assert_eq!(code(&err), "InvalidBucketName", "{reserved}");
        }

        let conf = |region: &str| {
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build()
        };
        let b = bucket_name("loc");
        let err = s3
            .create_bucket()
            .bucket(&b)
            .create_bucket_configuration(conf("eu-west-1"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "IllegalLocationConstraintException");
        assert_eq!(status(&err), 400);
        s3.head_bucket().bucket(&b).send().await.unwrap_err();
        // The configured region itself is fine.
        s3.create_bucket()
            .bucket(&b)
            .create_bucket_configuration(conf("us-east-1"))
            .send()
            .await
            .unwrap();

        // Canned ACLs this server does not implement, and nonsense.
        let b2 = bucket_name("acl");
        let err = s3
            .create_bucket()
            .bucket(&b2)
            .acl(BucketCannedAcl::AuthenticatedRead)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NotImplemented");
        let err = s3
            .create_bucket()
            .bucket(&b2)
            .acl(BucketCannedAcl::from("everyone-everything"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidArgument");
        s3.head_bucket().bucket(&b2).send().await.unwrap_err();
    });
    // Anonymous requests may not create buckets.
    let resp = reqwest::blocking::Client::new()
        .put(format!("{}/{}", server.endpoint(), bucket_name("anon")))
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403, "anonymous CreateBucket");
    assert!(resp.text().unwrap().contains("<Code>AccessDenied</Code>"));
}

#[test]
fn another_region() {
    let server = TestServer::start_with(S3Config {
        region: "eu-central-1".to_owned(),
        ..S3Config::default()
    });
    let config = aws_sdk_s3::Config::builder()
        .behavior_version_latest()
        .region(Region::new("eu-central-1"))
        .endpoint_url(server.endpoint())
        .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test"))
        .force_path_style(true)
        .build();
    let s3 = Client::from_conf(config);
    rt().block_on(async {
        let b = bucket_name("eu");
        s3.create_bucket()
            .bucket(&b)
            .create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::EuCentral1)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let loc = s3.get_bucket_location().bucket(&b).send().await.unwrap();
        assert_eq!(
            loc.location_constraint(),
            Some(&BucketLocationConstraint::EuCentral1)
        );
        let head = s3.head_bucket().bucket(&b).send().await.unwrap();
        assert_eq!(head.bucket_region(), Some("eu-central-1"));
        // Outside us-east-1, a second create by the owner is an error.
        let err = s3
            .create_bucket()
            .bucket(&b)
            .create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::EuCentral1)
                    .build(),
            )
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "BucketAlreadyOwnedByYou");
        assert_eq!(status(&err), 409);
        let err = s3
            .create_bucket()
            .bucket(bucket_name("us"))
            .create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::UsWest2)
                    .build(),
            )
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "IllegalLocationConstraintException");
    });
}

#[test]
fn versioning() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_name("ver");
    rt().block_on(async {
        s3.create_bucket().bucket(&b).send().await.unwrap();
        let got = s3.get_bucket_versioning().bucket(&b).send().await.unwrap();
        assert_eq!(got.status(), None);
        assert_eq!(got.mfa_delete(), None);

        let set = |status| {
            s3.put_bucket_versioning()
                .bucket(&b)
                .versioning_configuration(VersioningConfiguration::builder().status(status).build())
                .send()
        };
        set(BucketVersioningStatus::Enabled).await.unwrap();
        let got = s3.get_bucket_versioning().bucket(&b).send().await.unwrap();
        assert_eq!(got.status(), Some(&BucketVersioningStatus::Enabled));
        set(BucketVersioningStatus::Suspended).await.unwrap();
        let got = s3.get_bucket_versioning().bucket(&b).send().await.unwrap();
        assert_eq!(got.status(), Some(&BucketVersioningStatus::Suspended));
        assert_eq!(
            server.store.head_bucket(&b).unwrap().versioning,
            alexander_store::Versioning::Suspended
        );

        let err = s3
            .put_bucket_versioning()
            .bucket(&b)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .mfa_delete(MfaDelete::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NotImplemented");
        let got = s3.get_bucket_versioning().bucket(&b).send().await.unwrap();
        assert_eq!(got.status(), Some(&BucketVersioningStatus::Suspended));

        let err = s3
            .put_bucket_versioning()
            .bucket(&b)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::from("Sometimes"))
                    .build(),
            )
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "MalformedXML");
        let err = s3
            .get_bucket_versioning()
            .bucket(bucket_name("missing"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NoSuchBucket");
    });
}

#[test]
fn users_see_and_reach_only_their_buckets() {
    let server = TestServer::start();
    let root = server.client();
    let alice = user_client(&server, "alice");
    let bob = user_client(&server, "bob");
    let (a, r) = (bucket_name("alice"), bucket_name("root"));
    rt().block_on(async {
        alice.create_bucket().bucket(&a).send().await.unwrap();
        root.create_bucket().bucket(&r).send().await.unwrap();
        put(&server, &a, "secret.txt", b"alice's");

        // Root sees both; each user only its own, under its own owner id.
        let names = |out: aws_sdk_s3::operation::list_buckets::ListBucketsOutput| {
            let mut v: Vec<String> = out
                .buckets()
                .iter()
                .filter_map(|b| b.name().map(str::to_owned))
                .collect();
            v.sort();
            (v, out.owner().and_then(|o| o.id().map(str::to_owned)))
        };
        let mut both = vec![a.clone(), r.clone()];
        both.sort();
        assert_eq!(names(root.list_buckets().send().await.unwrap()).0, both);
        assert_eq!(
            names(alice.list_buckets().send().await.unwrap()),
            (vec![a.clone()], Some(owner_id("alice")))
        );
        assert_eq!(
            names(bob.list_buckets().send().await.unwrap()).0,
            Vec::<String>::new()
        );

        // Bob can neither see into nor change alice's private bucket.
        let err = bob.head_bucket().bucket(&a).send().await.unwrap_err();
        assert_eq!(status(&err), 403);
        let err = bob.list_objects_v2().bucket(&a).send().await.unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
        let err = bob.delete_bucket().bucket(&a).send().await.unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
        let err = bob.get_bucket_acl().bucket(&a).send().await.unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
        let err = bob
            .put_bucket_acl()
            .bucket(&a)
            .acl(BucketCannedAcl::PublicReadWrite)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
        let err = bob
            .get_bucket_versioning()
            .bucket(&a)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
        // Nor take its name.
        let err = bob.create_bucket().bucket(&a).send().await.unwrap_err();
        assert_eq!(code(&err), "BucketAlreadyExists");
        assert_eq!(status(&err), 409);
        // Alice cannot reach root's bucket either; root reaches hers.
        let err = alice.list_objects_v2().bucket(&r).send().await.unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
        let listed = root.list_objects_v2().bucket(&a).send().await.unwrap();
        assert_eq!(listed.key_count(), Some(1));

        // Once public-read, bob may list but still not manage it.
        alice
            .put_bucket_acl()
            .bucket(&a)
            .acl(BucketCannedAcl::PublicRead)
            .send()
            .await
            .unwrap();
        let listed = bob.list_objects_v2().bucket(&a).send().await.unwrap();
        assert_eq!(listed.contents()[0].key(), Some("secret.txt"));
        bob.head_bucket().bucket(&a).send().await.unwrap();
        let err = bob.delete_bucket().bucket(&a).send().await.unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
        // Listing is all public-read grants (it is S3's ListBucket): the
        // object, private, is still not bob's to read. A key that is not
        // there he is told so, as S3 tells a caller who may list.
        let err = bob
            .get_object()
            .bucket(&a)
            .key("secret.txt")
            .send()
            .await
            .unwrap_err();
        assert_eq!((code(&err).as_str(), status(&err)), ("AccessDenied", 403));
        let err = bob
            .head_object()
            .bucket(&a)
            .key("secret.txt")
            .send()
            .await
            .unwrap_err();
        assert_eq!(status(&err), 403);
        let err = bob
            .get_object()
            .bucket(&a)
            .key("nope")
            .send()
            .await
            .unwrap_err();
        assert_eq!((code(&err).as_str(), status(&err)), ("NoSuchKey", 404));
        // Nor its tags (no ACL grants them in S3) or attributes.
        let err = bob
            .get_object_tagging()
            .bucket(&a)
            .key("secret.txt")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
        let err = bob
            .get_object_attributes()
            .bucket(&a)
            .key("secret.txt")
            .object_attributes(ObjectAttributes::Etag)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
        // Its object ACL opens it to him.
        alice
            .put_object_acl()
            .bucket(&a)
            .key("secret.txt")
            .acl(ObjectCannedAcl::AuthenticatedRead)
            .send()
            .await
            .unwrap();
        let got = bob
            .get_object()
            .bucket(&a)
            .key("secret.txt")
            .send()
            .await
            .unwrap();
        assert!(!got.body.collect().await.unwrap().into_bytes().is_empty());
        bob.get_object_attributes()
            .bucket(&a)
            .key("secret.txt")
            .object_attributes(ObjectAttributes::Etag)
            .send()
            .await
            .unwrap();
        // Still not in bob's bucket list: he does not own it.
        assert!(
            bob.list_buckets()
                .send()
                .await
                .unwrap()
                .buckets()
                .is_empty()
        );
    });
}

/// An anonymous request: plain HTTP, no signature.
fn anon(method: reqwest::Method, url: String) -> (u16, String) {
    let resp = reqwest::blocking::Client::new()
        .request(method, url)
        .send()
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().unwrap())
}

/// An anonymous PutObject; returns the status.
fn anon_put(url: String, body: &'static str) -> u16 {
    reqwest::blocking::Client::new()
        .put(url)
        .body(body)
        .send()
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn anonymous_access_follows_the_acl() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_name("anon");
    let rt = rt();
    rt.block_on(async { s3.create_bucket().bucket(&b).send().await.unwrap() });
    put(&server, &b, "hello.txt", b"hi");
    let url = |path: &str| format!("{}/{b}{path}", server.endpoint());
    use reqwest::Method;

    // Anonymous ListBuckets is refused outright.
    let (st, body) = anon(Method::GET, format!("{}/", server.endpoint()));
    assert_eq!(st, 403);
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");

    // Private: nothing.
    let (st, body) = anon(Method::GET, url("?list-type=2"));
    assert_eq!(st, 403);
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    let (st, body) = anon(Method::HEAD, url(""));
    assert_eq!((st, body.as_str()), (403, ""));
    let (st, _) = anon(Method::GET, url("?versions"));
    assert_eq!(st, 403);
    let (st, body) = anon(Method::GET, url("/hello.txt"));
    assert_eq!(st, 403);
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    assert_eq!(anon_put(url("/new.txt"), "x"), 403);

    // public-read: list and head, but not manage or write.
    rt.block_on(async {
        s3.put_bucket_acl()
            .bucket(&b)
            .acl(BucketCannedAcl::PublicRead)
            .send()
            .await
            .unwrap()
    });
    let (st, body) = anon(Method::GET, url("?list-type=2"));
    assert_eq!(st, 200, "{body}");
    assert!(body.contains("<Key>hello.txt</Key>"), "{body}");
    let (st, body) = anon(Method::GET, url(""));
    assert_eq!(st, 200);
    assert!(
        body.contains("<Key>hello.txt</Key>") && body.contains("<Marker/>"),
        "{body}"
    );
    assert_eq!(anon(Method::HEAD, url("")).0, 200);
    assert_eq!(anon(Method::GET, url("?versions")).0, 200);
    assert_eq!(anon(Method::GET, url("?acl")).0, 403);
    assert_eq!(anon(Method::GET, url("?versioning")).0, 403);
    assert_eq!(anon(Method::DELETE, url("")).0, 403);
    assert_eq!(anon(Method::PUT, url("?acl")).0, 403);
    assert_eq!(anon_put(url("/new.txt"), "x"), 403);
    assert_eq!(anon(Method::DELETE, url("/hello.txt")).0, 403);
    // It lists, it does not read (a bucket's READ is S3's ListBucket): a
    // private object in it is 403, and only one whose own ACL is
    // public-read is read. A missing key is 404: the caller may list.
    let (st, body) = anon(Method::GET, url("/hello.txt"));
    assert_eq!(st, 403);
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    assert_eq!(anon(Method::HEAD, url("/hello.txt")).0, 403);
    let (st, body) = anon(Method::GET, url("/missing.txt"));
    assert_eq!(st, 404);
    assert!(body.contains("<Code>NoSuchKey</Code>"), "{body}");
    rt.block_on(async {
        s3.put_object()
            .bucket(&b)
            .key("shared.txt")
            .acl(ObjectCannedAcl::PublicRead)
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b"shared"))
            .send()
            .await
            .unwrap()
    });
    assert_eq!(
        anon(Method::GET, url("/shared.txt")),
        (200, "shared".to_owned())
    );
    assert_eq!(anon(Method::HEAD, url("/shared.txt")).0, 200);

    // public-read-write: objects may be written and deleted too.
    rt.block_on(async {
        s3.put_bucket_acl()
            .bucket(&b)
            .acl(BucketCannedAcl::PublicReadWrite)
            .send()
            .await
            .unwrap()
    });
    assert_eq!(anon_put(url("/new.txt"), "from anyone"), 200);
    // What it put is the bucket owner's, private unless the PUT named an
    // ACL: the writer reads it back only through that ACL.
    assert_eq!(anon(Method::GET, url("/new.txt")).0, 403);
    assert_eq!(anon(Method::GET, url("/hello.txt")).0, 403);
    let status = reqwest::blocking::Client::new()
        .put(url("/open.txt"))
        .header("x-amz-acl", "public-read")
        .body("readable")
        .send()
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(status, 200);
    assert_eq!(
        anon(Method::GET, url("/open.txt")),
        (200, "readable".to_owned())
    );
    let mut stored = String::new();
    std::io::Read::read_to_string(
        &mut server
            .store
            .get_object(&b, "new.txt", alexander_store::At::Current, None)
            .unwrap(),
        &mut stored,
    )
    .unwrap();
    assert_eq!(stored, "from anyone");
    assert_eq!(anon(Method::DELETE, url("/new.txt")).0, 204);
    // Still not the bucket's configuration.
    assert_eq!(anon(Method::GET, url("?acl")).0, 403);
    assert_eq!(anon(Method::DELETE, url("")).0, 403);

    // A bucket that does not exist is 404 to anyone.
    let (st, body) = anon(
        Method::GET,
        format!("{}/{}?list-type=2", server.endpoint(), bucket_name("none")),
    );
    assert_eq!(st, 404);
    assert!(body.contains("<Code>NoSuchBucket</Code>"), "{body}");
}

/// `x-amz-meta-mode` as stored for `bucket/key`.
fn stored_mode(server: &TestServer, bucket: &str, key: &str) -> Option<u32> {
    server
        .store
        .head_object(bucket, key, alexander_store::At::Current)
        .unwrap()
        .meta
        .attrs
        .mode
}

/// A mode set over S3 by a user other than root loses setuid and setgid
/// and any device type (the mount is nosuid,nodev, but a tree restored from
/// the bucket would carry them); root's keeps them. PUT, multipart uploads
/// and copies that replace the metadata all follow the rule.
#[test]
fn modes_written_by_users_lose_setuid_and_device_types() {
    let server = TestServer::start();
    let root = server.client();
    let alice = user_client(&server, "alice");
    let b = bucket_name("modes");
    rt().block_on(async {
        alice.create_bucket().bucket(&b).send().await.unwrap();
        // (mode sent, kept for alice, kept for root); 0o104755 is 35309,
        // 0o020644 8612.
        let table = [
            ("35309", 0o100_755, 0o104_755),
            ("0o102755", 0o100_755, 0o102_755),
            ("8612", 0o100_644, 0o020_644),
            ("0o060600", 0o100_600, 0o060_600),
            ("0o041777", 0o041_777, 0o041_777),
            ("33188", 0o100_644, 0o100_644),
        ];
        for (sent, for_user, for_root) in table {
            for (who, client, want) in [("alice", &alice, for_user), ("root", &root, for_root)] {
                let key = format!("{who}-{sent}");
                client
                    .put_object()
                    .bucket(&b)
                    .key(&key)
                    .metadata("mode", sent)
                    .body(body(b"x"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(stored_mode(&server, &b, &key), Some(want), "{key}");
                let head = client.head_object().bucket(&b).key(&key).send().await;
                let shown = head.unwrap().metadata().unwrap().get("mode").cloned();
                assert_eq!(shown, Some(want.to_string()), "{key}");
            }
        }
        // A multipart upload and a copy that replaces the metadata.
        let up = alice
            .create_multipart_upload()
            .bucket(&b)
            .key("mp")
            .metadata("mode", "35309")
            .send()
            .await
            .unwrap();
        let part = alice
            .upload_part()
            .bucket(&b)
            .key("mp")
            .upload_id(up.upload_id().unwrap())
            .part_number(1)
            .body(body(b"part"))
            .send()
            .await
            .unwrap();
        alice
            .complete_multipart_upload()
            .bucket(&b)
            .key("mp")
            .upload_id(up.upload_id().unwrap())
            .multipart_upload(
                aws_sdk_s3::types::CompletedMultipartUpload::builder()
                    .parts(
                        aws_sdk_s3::types::CompletedPart::builder()
                            .part_number(1)
                            .e_tag(part.e_tag().unwrap())
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(stored_mode(&server, &b, "mp"), Some(0o100_755));
        alice
            .copy_object()
            .bucket(&b)
            .key("copied")
            .copy_source(format!("{b}/mp"))
            .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
            .metadata("mode", "8612")
            .send()
            .await
            .unwrap();
        assert_eq!(stored_mode(&server, &b, "copied"), Some(0o100_644));
    });
}
