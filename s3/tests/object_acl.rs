//! Object ACLs through aws-sdk-s3 and plain HTTP: canned ACLs on PutObject,
//! CopyObject and CreateMultipartUpload, Get/PutObjectAcl (canned, policy
//! body, grant headers, version ids), what an ACL lets anonymous callers
//! and other users read, and the refusals, which store nothing.

use crate::common;

use alexander_s3::ops::owner_id;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::{
    AccessControlPolicy, BucketCannedAcl, BucketVersioningStatus, CompletedMultipartUpload,
    CompletedPart, Grant, Grantee, ObjectCannedAcl, Owner, Permission, Type,
    VersioningConfiguration,
};
use common::*;

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

fn code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> String {
    err.code().unwrap_or("<none>").to_owned()
}

fn user_client(server: &TestServer, name: &str) -> Client {
    server.iam.create_user(name).unwrap();
    let (key, secret) = server.iam.create_key(name).unwrap();
    server.client_as(&key.id, secret.expose_secret())
}

/// An anonymous request over plain HTTP: (status, body).
async fn anon(server: &TestServer, method: reqwest::Method, path: &str) -> (u16, String) {
    let resp = reqwest::Client::new()
        .request(method, format!("{}{path}", server.endpoint()))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

async fn anon_get(server: &TestServer, path: &str) -> (u16, String) {
    anon(server, reqwest::Method::GET, path).await
}

/// An object's grants as (grantee id or URI, permission), sorted.
async fn grants_of(s3: &Client, bucket: &str, key: &str, version: Option<&str>) -> Vec<String> {
    let got = s3
        .get_object_acl()
        .bucket(bucket)
        .key(key)
        .set_version_id(version.map(str::to_owned))
        .send()
        .await
        .unwrap();
    let mut v: Vec<String> = got
        .grants()
        .iter()
        .map(|g| {
            let who = g.grantee().unwrap();
            let name = match who.uri() {
                Some(ALL_USERS) => "AllUsers".to_owned(),
                Some(AUTHENTICATED_USERS) => "AuthenticatedUsers".to_owned(),
                Some(other) => other.to_owned(),
                None => match who.id() {
                    Some(id) if id == owner_id("root") => "owner".to_owned(),
                    other => format!("{other:?}"),
                },
            };
            format!("{name}:{}", g.permission().unwrap().as_str())
        })
        .collect();
    v.sort();
    v
}

fn owner_only() -> Vec<String> {
    vec!["owner:FULL_CONTROL".to_owned()]
}

fn public_read() -> Vec<String> {
    vec!["AllUsers:READ".to_owned(), "owner:FULL_CONTROL".to_owned()]
}

#[test]
fn canned_acls_on_writes_decide_who_reads() {
    let server = TestServer::start();
    let s3 = server.client();
    let bob = user_client(&server, "bob");
    let b = bucket_name("oacl");
    rt().block_on(async {
        s3.create_bucket().bucket(&b).send().await.unwrap();
        for (key, acl) in [
            ("private", ObjectCannedAcl::Private),
            ("public", ObjectCannedAcl::PublicRead),
            ("public-rw", ObjectCannedAcl::PublicReadWrite),
            ("authenticated", ObjectCannedAcl::AuthenticatedRead),
            ("bo-read", ObjectCannedAcl::BucketOwnerRead),
            ("bo-full", ObjectCannedAcl::BucketOwnerFullControl),
        ] {
            s3.put_object()
                .bucket(&b)
                .key(key)
                .acl(acl)
                .body(body(key.as_bytes()))
                .send()
                .await
                .unwrap();
        }
        s3.put_object()
            .bucket(&b)
            .key("default")
            .body(body(b"d"))
            .send()
            .await
            .unwrap();

        // What GetObjectAcl shows. The bucket's owner owns the objects, so
        // bucket-owner-* are private.
        let rw = vec![
            "AllUsers:READ".to_owned(),
            "AllUsers:WRITE".to_owned(),
            "owner:FULL_CONTROL".to_owned(),
        ];
        let auth = vec![
            "AuthenticatedUsers:READ".to_owned(),
            "owner:FULL_CONTROL".to_owned(),
        ];
        for (key, want) in [
            ("private", owner_only()),
            ("default", owner_only()),
            ("public", public_read()),
            ("public-rw", rw),
            ("authenticated", auth),
            ("bo-read", owner_only()),
            ("bo-full", owner_only()),
        ] {
            assert_eq!(grants_of(&s3, &b, key, None).await, want, "{key}");
        }

        // Anonymous GET and HEAD of a public object in a private bucket;
        // nothing else, and a missing key is no 404 for them.
        let path = |k: &str| format!("/{b}/{k}");
        assert_eq!(
            anon_get(&server, &path("public")).await,
            (200, "public".into())
        );
        assert_eq!(
            anon_get(&server, &path("public-rw")).await,
            (200, "public-rw".into())
        );
        let (st, _) = anon(&server, reqwest::Method::HEAD, &path("public")).await;
        assert_eq!(st, 200);
        for key in ["private", "default", "authenticated", "bo-full", "missing"] {
            let (st, text) = anon_get(&server, &path(key)).await;
            assert_eq!(st, 403, "{key}: {text}");
            assert!(text.contains("<Code>AccessDenied</Code>"), "{text}");
            let (st, _) = anon(&server, reqwest::Method::HEAD, &path(key)).await;
            assert_eq!(st, 403, "HEAD {key}");
        }
        // Still no listing, no ACL, and no write, even public-read-write.
        assert_eq!(anon_get(&server, &format!("/{b}?list-type=2")).await.0, 403);
        assert_eq!(
            anon_get(&server, &format!("{}?acl", path("public")))
                .await
                .0,
            403
        );
        assert_eq!(
            anon(&server, reqwest::Method::PUT, &path("public-rw"))
                .await
                .0,
            403
        );
        assert_eq!(
            anon(&server, reqwest::Method::DELETE, &path("public-rw"))
                .await
                .0,
            403
        );
        assert_eq!(get_bytes(&s3, &b, "public-rw").await, b"public-rw");

        // Another user: reads public and authenticated-read objects only,
        // and may not see or change their ACLs.
        for (key, readable) in [
            ("public", true),
            ("authenticated", true),
            ("private", false),
            ("bo-read", false),
        ] {
            let got = bob.get_object().bucket(&b).key(key).send().await;
            assert_eq!(got.is_ok(), readable, "bob reads {key}");
            if let Err(e) = got {
                assert_eq!(code(&e), "AccessDenied");
            }
        }
        bob.head_object()
            .bucket(&b)
            .key("authenticated")
            .send()
            .await
            .unwrap();
        let err = bob
            .get_object_acl()
            .bucket(&b)
            .key("public")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
        let err = bob
            .put_object_acl()
            .bucket(&b)
            .key("private")
            .acl(ObjectCannedAcl::PublicRead)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
        let err = bob
            .put_object()
            .bucket(&b)
            .key("public-rw")
            .body(body(b"bob"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "AccessDenied");

        // A public-read bucket lets anyone list it, not read its objects
        // (a bucket's READ is ListBucket): private objects stay 403, public
        // ones read as before; a missing key is 404 NoSuchKey now that the
        // caller may list.
        s3.put_bucket_acl()
            .bucket(&b)
            .acl(BucketCannedAcl::PublicRead)
            .send()
            .await
            .unwrap();
        for key in ["private", "default", "authenticated", "bo-full"] {
            let (st, text) = anon_get(&server, &path(key)).await;
            assert_eq!(st, 403, "{key}: {text}");
            assert!(text.contains("<Code>AccessDenied</Code>"), "{text}");
        }
        assert_eq!(
            anon_get(&server, &path("public")).await,
            (200, "public".into())
        );
        let (st, text) = anon_get(&server, &path("missing")).await;
        assert_eq!(st, 404, "{text}");
        assert!(text.contains("<Code>NoSuchKey</Code>"), "{text}");
        let (st, text) = anon_get(&server, &format!("/{b}?list-type=2")).await;
        assert_eq!(st, 200, "{text}");
        assert!(text.contains("<Key>private</Key>"), "{text}");
        // Bob, signed, the same, but authenticated-read opens to him.
        let err = bob
            .get_object()
            .bucket(&b)
            .key("private")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
        bob.get_object()
            .bucket(&b)
            .key("authenticated")
            .send()
            .await
            .unwrap();
        assert_eq!(grants_of(&s3, &b, "private", None).await, owner_only());
    });
}

#[test]
fn copies_and_multipart_uploads_take_the_request_acl() {
    let server = TestServer::start();
    let s3 = server.client();
    let bob = user_client(&server, "bob");
    let b = bucket_name("oacl-copy");
    rt().block_on(async {
        s3.create_bucket().bucket(&b).send().await.unwrap();
        s3.put_object()
            .bucket(&b)
            .key("src")
            .acl(ObjectCannedAcl::PublicRead)
            .body(body(b"source"))
            .send()
            .await
            .unwrap();
        let source = format!("{b}/src");
        // A copy does not copy the ACL: it gets the request's, or private.
        s3.copy_object()
            .bucket(&b)
            .key("plain")
            .copy_source(&source)
            .send()
            .await
            .unwrap();
        assert_eq!(grants_of(&s3, &b, "plain", None).await, owner_only());
        s3.copy_object()
            .bucket(&b)
            .key("shared")
            .copy_source(format!("{b}/plain"))
            .acl(ObjectCannedAcl::PublicRead)
            .send()
            .await
            .unwrap();
        assert_eq!(grants_of(&s3, &b, "shared", None).await, public_read());
        assert_eq!(anon_get(&server, &format!("/{b}/shared")).await.0, 200);
        assert_eq!(anon_get(&server, &format!("/{b}/plain")).await.0, 403);
        // Also with new metadata.
        s3.copy_object()
            .bucket(&b)
            .key("replaced")
            .copy_source(&source)
            .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
            .metadata("k", "v")
            .acl(ObjectCannedAcl::AuthenticatedRead)
            .send()
            .await
            .unwrap();
        let auth = vec![
            "AuthenticatedUsers:READ".to_owned(),
            "owner:FULL_CONTROL".to_owned(),
        ];
        assert_eq!(grants_of(&s3, &b, "replaced", None).await, auth);

        // A public object of a private bucket is a copy source for another
        // user; a private one is not.
        let bobs = bucket_name("bob");
        bob.create_bucket().bucket(&bobs).send().await.unwrap();
        bob.copy_object()
            .bucket(&bobs)
            .key("mine")
            .copy_source(&source)
            .send()
            .await
            .unwrap();
        assert_eq!(get_bytes(&bob, &bobs, "mine").await, b"source");
        let err = bob
            .copy_object()
            .bucket(&bobs)
            .key("theirs")
            .copy_source(format!("{b}/plain"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "AccessDenied");

        // CreateMultipartUpload's ACL is the completed object's.
        let up = s3
            .create_multipart_upload()
            .bucket(&b)
            .key("mp")
            .acl(ObjectCannedAcl::PublicRead)
            .send()
            .await
            .unwrap();
        let id = up.upload_id().unwrap();
        let part = s3
            .upload_part()
            .bucket(&b)
            .key("mp")
            .upload_id(id)
            .part_number(1)
            .body(body(b"multipart"))
            .send()
            .await
            .unwrap();
        s3.complete_multipart_upload()
            .bucket(&b)
            .key("mp")
            .upload_id(id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .parts(
                        CompletedPart::builder()
                            .part_number(1)
                            .e_tag(part.e_tag().unwrap())
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(grants_of(&s3, &b, "mp", None).await, public_read());
        assert_eq!(
            anon_get(&server, &format!("/{b}/mp")).await,
            (200, "multipart".into())
        );

        // Refused ACLs store nothing and start nothing.
        let err = s3
            .create_multipart_upload()
            .bucket(&b)
            .key("mp-bad")
            .acl(ObjectCannedAcl::from("everyone"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidArgument");
        let err = s3
            .copy_object()
            .bucket(&b)
            .key("copy-bad")
            .copy_source(&source)
            .grant_read("id=\"someone-else\"")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NotImplemented");
        let listed = s3.list_objects_v2().bucket(&b).send().await.unwrap();
        assert!(
            listed
                .contents()
                .iter()
                .all(|o| o.key() != Some("copy-bad")),
            "{listed:?}"
        );
        let uploads = s3.list_multipart_uploads().bucket(&b).send().await.unwrap();
        assert!(uploads.uploads().is_empty(), "{uploads:?}");
    });
}

#[test]
fn put_object_acl_forms_versions_and_refusals() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_name("oacl-put");
    let root = owner_id("root");
    rt().block_on(async {
        s3.create_bucket().bucket(&b).send().await.unwrap();
        s3.put_bucket_versioning()
            .bucket(&b)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let v1 = s3
            .put_object()
            .bucket(&b)
            .key("doc")
            .body(body(b"one"))
            .send()
            .await
            .unwrap();
        let v1 = v1.version_id().unwrap().to_owned();
        let v2 = s3
            .put_object()
            .bucket(&b)
            .key("doc")
            .body(body(b"two"))
            .send()
            .await
            .unwrap();
        let v2 = v2.version_id().unwrap().to_owned();
        let before = s3.head_object().bucket(&b).key("doc").send().await.unwrap();

        // A canned ACL on the current version: no new version, same ETag
        // and modification time.
        s3.put_object_acl()
            .bucket(&b)
            .key("doc")
            .acl(ObjectCannedAcl::PublicRead)
            .send()
            .await
            .unwrap();
        let after = s3.head_object().bucket(&b).key("doc").send().await.unwrap();
        assert_eq!(after.version_id(), Some(v2.as_str()));
        assert_eq!(after.e_tag(), before.e_tag());
        assert_eq!(after.last_modified(), before.last_modified());
        assert_eq!(grants_of(&s3, &b, "doc", None).await, public_read());
        assert_eq!(grants_of(&s3, &b, "doc", Some(&v1)).await, owner_only());
        assert_eq!(
            anon_get(&server, &format!("/{b}/doc")).await,
            (200, "two".into())
        );
        let old = format!("/{b}/doc?versionId={v1}");
        assert_eq!(anon_get(&server, &old).await.0, 403);

        // By version id, as a policy document amounting to public-read.
        let owner = Owner::builder().id(&root).build();
        let policy = |grants: Vec<Grant>| {
            AccessControlPolicy::builder()
                .owner(owner.clone())
                .set_grants(Some(grants))
                .build()
        };
        let owner_full = Grant::builder()
            .grantee(
                Grantee::builder()
                    .r#type(Type::CanonicalUser)
                    .id(&root)
                    .build()
                    .unwrap(),
            )
            .permission(Permission::FullControl)
            .build();
        let everyone_read = Grant::builder()
            .grantee(
                Grantee::builder()
                    .r#type(Type::Group)
                    .uri(ALL_USERS)
                    .build()
                    .unwrap(),
            )
            .permission(Permission::Read)
            .build();
        s3.put_object_acl()
            .bucket(&b)
            .key("doc")
            .version_id(&v1)
            .access_control_policy(policy(vec![owner_full.clone(), everyone_read.clone()]))
            .send()
            .await
            .unwrap();
        assert_eq!(grants_of(&s3, &b, "doc", Some(&v1)).await, public_read());
        assert_eq!(anon_get(&server, &old).await, (200, "one".into()));
        // Back to private with the owner's grant alone.
        s3.put_object_acl()
            .bucket(&b)
            .key("doc")
            .access_control_policy(policy(vec![owner_full.clone()]))
            .send()
            .await
            .unwrap();
        assert_eq!(grants_of(&s3, &b, "doc", None).await, owner_only());
        assert_eq!(anon_get(&server, &format!("/{b}/doc")).await.0, 403);
        // Grant headers amounting to authenticated-read.
        s3.put_object_acl()
            .bucket(&b)
            .key("doc")
            .grant_read(format!("uri=\"{AUTHENTICATED_USERS}\""))
            .grant_full_control(format!("id=\"{root}\""))
            .send()
            .await
            .unwrap();
        assert_eq!(
            grants_of(&s3, &b, "doc", None).await,
            ["AuthenticatedUsers:READ", "owner:FULL_CONTROL"]
        );

        // Refusals, each leaving the ACL as it was.
        let someone = Grant::builder()
            .grantee(
                Grantee::builder()
                    .r#type(Type::CanonicalUser)
                    .id(owner_id("bob"))
                    .build()
                    .unwrap(),
            )
            .permission(Permission::Read)
            .build();
        let err = s3
            .put_object_acl()
            .bucket(&b)
            .key("doc")
            .access_control_policy(policy(vec![owner_full.clone(), someone]))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NotImplemented");
        let err = s3
            .put_object_acl()
            .bucket(&b)
            .key("doc")
            .grant_read("emailAddress=\"bob@example.com\"")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NotImplemented");
        let err = s3
            .put_object_acl()
            .bucket(&b)
            .key("doc")
            .acl(ObjectCannedAcl::PublicRead)
            .grant_read(format!("uri=\"{ALL_USERS}\""))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidRequest");
        let err = s3
            .put_object_acl()
            .bucket(&b)
            .key("doc")
            .acl(ObjectCannedAcl::PublicRead)
            .access_control_policy(policy(vec![everyone_read]))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "UnexpectedContent");
        let err = s3
            .put_object_acl()
            .bucket(&b)
            .key("doc")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "MissingSecurityHeader");
        let err = s3
            .put_object_acl()
            .bucket(&b)
            .key("doc")
            .acl(ObjectCannedAcl::from("public"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidArgument");
        assert_eq!(
            grants_of(&s3, &b, "doc", None).await,
            ["AuthenticatedUsers:READ", "owner:FULL_CONTROL"]
        );
        // Keys and versions that are not there.
        let err = s3
            .put_object_acl()
            .bucket(&b)
            .key("missing")
            .acl(ObjectCannedAcl::PublicRead)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NoSuchKey");
        let err = s3
            .put_object_acl()
            .bucket(&b)
            .key("doc")
            .version_id("00000000000000ff")
            .acl(ObjectCannedAcl::PublicRead)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NoSuchVersion");
        // A refused PutObject stores nothing.
        let err = s3
            .put_object()
            .bucket(&b)
            .key("new")
            .acl(ObjectCannedAcl::AwsExecRead)
            .body(body(b"x"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NotImplemented");
        let err = s3
            .head_object()
            .bucket(&b)
            .key("new")
            .send()
            .await
            .unwrap_err();
        assert_eq!(http_status(&err), 404);
    });
}

/// A bucket's ACL grants listing and writing to others, never reading its
/// objects (S3's bucket READ is ListBucket): a signed user who is not the
/// owner, in a `public-read-write` bucket, lists and writes, and reads
/// (GetObject, HeadObject, a part, GetObjectAttributes, a copy source)
/// only objects whose own ACL grants it, what it wrote itself included.
#[test]
fn public_buckets_list_and_write_but_objects_read_by_their_acl() {
    let server = TestServer::start();
    let s3 = server.client();
    let alice = user_client(&server, "alice");
    let bob = user_client(&server, "bob");
    let b = bucket_name("oacl-prw");
    rt().block_on(async {
        alice
            .create_bucket()
            .bucket(&b)
            .acl(BucketCannedAcl::PublicReadWrite)
            .send()
            .await
            .unwrap();
        for (key, acl) in [
            ("private", ObjectCannedAcl::Private),
            ("shared", ObjectCannedAcl::AuthenticatedRead),
        ] {
            alice
                .put_object()
                .bucket(&b)
                .key(key)
                .acl(acl)
                .body(body(key.as_bytes()))
                .send()
                .await
                .unwrap();
        }
        let listed = bob.list_objects_v2().bucket(&b).send().await.unwrap();
        let keys: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
        assert_eq!(keys, ["private", "shared"]);
        bob.list_object_versions().bucket(&b).send().await.unwrap();
        bob.list_multipart_uploads()
            .bucket(&b)
            .send()
            .await
            .unwrap();

        // Reads of a private object, every way: AccessDenied.
        let denied = |e: String| assert_eq!(e, "AccessDenied");
        denied(code(
            &bob.get_object()
                .bucket(&b)
                .key("private")
                .send()
                .await
                .unwrap_err(),
        ));
        denied(code(
            &bob.get_object()
                .bucket(&b)
                .key("private")
                .part_number(1)
                .send()
                .await
                .unwrap_err(),
        ));
        let err = bob
            .head_object()
            .bucket(&b)
            .key("private")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
        denied(code(
            &bob.get_object_attributes()
                .bucket(&b)
                .key("private")
                .object_attributes(aws_sdk_s3::types::ObjectAttributes::ObjectSize)
                .send()
                .await
                .unwrap_err(),
        ));
        denied(code(
            &bob.copy_object()
                .bucket(&b)
                .key("stolen")
                .copy_source(format!("{b}/private"))
                .send()
                .await
                .unwrap_err(),
        ));
        let upload = bob
            .create_multipart_upload()
            .bucket(&b)
            .key("stolen-part")
            .send()
            .await
            .unwrap();
        denied(code(
            &bob.upload_part_copy()
                .bucket(&b)
                .key("stolen-part")
                .upload_id(upload.upload_id().unwrap())
                .part_number(1)
                .copy_source(format!("{b}/private"))
                .send()
                .await
                .unwrap_err(),
        ));
        // A key that is not there: NoSuchKey, bob may list.
        let err = bob
            .get_object()
            .bucket(&b)
            .key("missing")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NoSuchKey");

        // The same reads of an object its ACL opens to him.
        assert_eq!(get_bytes(&bob, &b, "shared").await, b"shared");
        bob.get_object()
            .bucket(&b)
            .key("shared")
            .part_number(1)
            .send()
            .await
            .unwrap();
        bob.get_object_attributes()
            .bucket(&b)
            .key("shared")
            .object_attributes(aws_sdk_s3::types::ObjectAttributes::ObjectSize)
            .send()
            .await
            .unwrap();
        bob.copy_object()
            .bucket(&b)
            .key("copied")
            .copy_source(format!("{b}/shared"))
            .send()
            .await
            .unwrap();
        bob.upload_part_copy()
            .bucket(&b)
            .key("stolen-part")
            .upload_id(upload.upload_id().unwrap())
            .part_number(1)
            .copy_source(format!("{b}/shared"))
            .send()
            .await
            .unwrap();
        // Not to anonymous callers: authenticated-read.
        assert_eq!(anon_get(&server, &format!("/{b}/shared")).await.0, 403);

        // What bob writes is the bucket owner's, private unless he names
        // an ACL: he reads it back only through that ACL.
        bob.put_object()
            .bucket(&b)
            .key("mine")
            .body(body(b"mine"))
            .send()
            .await
            .unwrap();
        denied(code(
            &bob.get_object()
                .bucket(&b)
                .key("mine")
                .send()
                .await
                .unwrap_err(),
        ));
        denied(code(
            &bob.get_object()
                .bucket(&b)
                .key("copied")
                .send()
                .await
                .unwrap_err(),
        ));
        bob.put_object()
            .bucket(&b)
            .key("mine-shared")
            .acl(ObjectCannedAcl::AuthenticatedRead)
            .body(body(b"mine too"))
            .send()
            .await
            .unwrap();
        assert_eq!(get_bytes(&bob, &b, "mine-shared").await, b"mine too");
        // The owner, and root, read all of it.
        assert_eq!(get_bytes(&alice, &b, "mine").await, b"mine");
        assert_eq!(get_bytes(&s3, &b, "private").await, b"private");
        // And bob deletes, as public-read-write lets him.
        bob.delete_object()
            .bucket(&b)
            .key("private")
            .send()
            .await
            .unwrap();
    });
}
