//! Bucket and object configuration through aws-sdk-s3: bucket tagging,
//! canned ACLs (header and policy body), lifecycle rules, CORS (with
//! preflights and actual cross-origin requests over plain HTTP), object
//! tagging and object ACLs.

use crate::common;

use alexander_s3::ops::owner_id;
use alexander_store::{At, PutOptions, Versioning};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::{
    AccessControlPolicy, BucketCannedAcl, BucketLifecycleConfiguration, CorsConfiguration,
    CorsRule, ExpirationStatus, Grant, Grantee, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, NoncurrentVersionExpiration, Owner, Permission, Tag, Tagging, Transition,
    TransitionStorageClass, Type,
};
use common::*;

fn code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> String {
    err.code().unwrap_or("<none>").to_owned()
}

fn put(server: &TestServer, bucket: &str, key: &str, body: &[u8]) -> String {
    server
        .store
        .put_object(bucket, key, body, PutOptions::default())
        .unwrap()
        .version_id
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().unwrap()
}

fn tagging(tags: Vec<Tag>) -> Tagging {
    Tagging::builder().set_tag_set(Some(tags)).build().unwrap()
}

/// A tag set as sorted pairs: tags come back sorted by key, whatever the
/// order sent.
fn pairs(tags: &[Tag]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = tags
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn bucket_tagging_round_trip() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_name("tags");
    rt().block_on(async {
        s3.create_bucket().bucket(&b).send().await.unwrap();
        let err = s3.get_bucket_tagging().bucket(&b).send().await.unwrap_err();
        assert_eq!(code(&err), "NoSuchTagSet");

        let tags = vec![
            tag("env", "prod"),
            tag("team name", "storage & co"),
            tag("ünï+code", ""),
        ];
        s3.put_bucket_tagging()
            .bucket(&b)
            .tagging(tagging(tags.clone()))
            .send()
            .await
            .unwrap();
        let got = s3.get_bucket_tagging().bucket(&b).send().await.unwrap();
        assert_eq!(pairs(got.tag_set()), pairs(&tags));

        // Replaced as a whole.
        s3.put_bucket_tagging()
            .bucket(&b)
            .tagging(tagging(vec![tag("only", "one")]))
            .send()
            .await
            .unwrap();
        let got = s3.get_bucket_tagging().bucket(&b).send().await.unwrap();
        assert_eq!(
            pairs(got.tag_set()),
            [("only".to_owned(), "one".to_owned())]
        );

        // S3's limits.
        let many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
        let err = s3
            .put_bucket_tagging()
            .bucket(&b)
            .tagging(tagging(many))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidTag");
        let err = s3
            .put_bucket_tagging()
            .bucket(&b)
            .tagging(tagging(vec![tag("aws:reserved", "v")]))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidTag");
        let err = s3
            .put_bucket_tagging()
            .bucket(&b)
            .tagging(tagging(vec![tag("dup", "1"), tag("dup", "2")]))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidTag");
        let got = s3.get_bucket_tagging().bucket(&b).send().await.unwrap();
        assert_eq!(got.tag_set().len(), 1, "refused puts change nothing");

        s3.delete_bucket_tagging().bucket(&b).send().await.unwrap();
        let err = s3.get_bucket_tagging().bucket(&b).send().await.unwrap_err();
        assert_eq!(code(&err), "NoSuchTagSet");
        // Deleting again is fine.
        s3.delete_bucket_tagging().bucket(&b).send().await.unwrap();
    });
}

/// (grantee type, id or uri, permission) of each grant.
fn grants(list: &[Grant]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|g| {
            let who = g.grantee().unwrap();
            (
                who.r#type().as_str().to_owned(),
                who.id().or(who.uri()).unwrap_or("").to_owned(),
                g.permission().unwrap().as_str().to_owned(),
            )
        })
        .collect()
}

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";

#[test]
fn bucket_acl_round_trip() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_name("acl");
    let root_id = owner_id("root");
    let me = |perm: &str| ("CanonicalUser".to_owned(), root_id.clone(), perm.to_owned());
    let all = |perm: &str| ("Group".to_owned(), ALL_USERS.to_owned(), perm.to_owned());
    rt().block_on(async {
        s3.create_bucket()
            .bucket(&b)
            .acl(BucketCannedAcl::PublicRead)
            .send()
            .await
            .unwrap();
        let got = s3.get_bucket_acl().bucket(&b).send().await.unwrap();
        assert_eq!(got.owner().and_then(|o| o.id()), Some(root_id.as_str()));
        assert_eq!(got.owner().and_then(|o| o.display_name()), Some("root"));
        assert_eq!(grants(got.grants()), [me("FULL_CONTROL"), all("READ")]);

        s3.put_bucket_acl()
            .bucket(&b)
            .acl(BucketCannedAcl::Private)
            .send()
            .await
            .unwrap();
        let got = s3.get_bucket_acl().bucket(&b).send().await.unwrap();
        assert_eq!(grants(got.grants()), [me("FULL_CONTROL")]);

        // A policy document that amounts to public-read-write.
        let grant = |grantee: Grantee, p: Permission| {
            Grant::builder().grantee(grantee).permission(p).build()
        };
        let owner_grantee = Grantee::builder()
            .r#type(Type::CanonicalUser)
            .id(&root_id)
            .build()
            .unwrap();
        let everyone = Grantee::builder()
            .r#type(Type::Group)
            .uri(ALL_USERS)
            .build()
            .unwrap();
        let policy = AccessControlPolicy::builder()
            .owner(Owner::builder().id(&root_id).build())
            .grants(grant(owner_grantee.clone(), Permission::FullControl))
            .grants(grant(everyone.clone(), Permission::Read))
            .grants(grant(everyone.clone(), Permission::Write))
            .build();
        s3.put_bucket_acl()
            .bucket(&b)
            .access_control_policy(policy)
            .send()
            .await
            .unwrap();
        let got = s3.get_bucket_acl().bucket(&b).send().await.unwrap();
        assert_eq!(
            grants(got.grants()),
            [me("FULL_CONTROL"), all("READ"), all("WRITE")]
        );
        assert_eq!(
            server
                .store
                .head_bucket(&b)
                .unwrap()
                .settings
                .get("acl")
                .map(String::as_str),
            Some("public-read-write")
        );

        // Grants this server cannot express are refused and change nothing.
        let someone = Grantee::builder()
            .r#type(Type::CanonicalUser)
            .id("someone-else")
            .build()
            .unwrap();
        let policy = AccessControlPolicy::builder()
            .grants(grant(someone, Permission::Read))
            .build();
        let err = s3
            .put_bucket_acl()
            .bucket(&b)
            .access_control_policy(policy)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NotImplemented");
        let err = s3
            .put_bucket_acl()
            .bucket(&b)
            .grant_read("uri=http://acs.amazonaws.com/groups/global/AllUsers")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NotImplemented");
        let err = s3
            .put_bucket_acl()
            .bucket(&b)
            .acl(BucketCannedAcl::AuthenticatedRead)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NotImplemented");
        let got = s3.get_bucket_acl().bucket(&b).send().await.unwrap();
        assert_eq!(got.grants().len(), 3);
    });
}

#[test]
fn lifecycle_round_trip() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_name("lc");
    rt().block_on(async {
        s3.create_bucket().bucket(&b).send().await.unwrap();
        let err = s3
            .get_bucket_lifecycle_configuration()
            .bucket(&b)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NoSuchLifecycleConfiguration");

        let rules = vec![
            LifecycleRule::builder()
                .id("logs")
                .status(ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix("logs/").build())
                .expiration(LifecycleExpiration::builder().days(30).build())
                .build()
                .unwrap(),
            LifecycleRule::builder()
                .id("old-versions")
                .status(ExpirationStatus::Disabled)
                .filter(LifecycleRuleFilter::builder().prefix("").build())
                .noncurrent_version_expiration(
                    NoncurrentVersionExpiration::builder()
                        .noncurrent_days(7)
                        .build(),
                )
                .build()
                .unwrap(),
        ];
        let conf = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .unwrap();
        s3.put_bucket_lifecycle_configuration()
            .bucket(&b)
            .lifecycle_configuration(conf)
            .send()
            .await
            .unwrap();
        let got = s3
            .get_bucket_lifecycle_configuration()
            .bucket(&b)
            .send()
            .await
            .unwrap();
        let rules = got.rules();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].id(), Some("logs"));
        assert_eq!(rules[0].status(), &ExpirationStatus::Enabled);
        assert_eq!(rules[0].filter().and_then(|f| f.prefix()), Some("logs/"));
        assert_eq!(rules[0].expiration().and_then(|e| e.days()), Some(30));
        assert_eq!(rules[1].status(), &ExpirationStatus::Disabled);
        assert_eq!(
            rules[1]
                .noncurrent_version_expiration()
                .and_then(|n| n.noncurrent_days()),
            Some(7)
        );

        // Refused: a non-positive day count, and transitions (one storage
        // class here). Neither changes what is stored.
        let bad = |rule: LifecycleRule| {
            s3.put_bucket_lifecycle_configuration()
                .bucket(&b)
                .lifecycle_configuration(
                    BucketLifecycleConfiguration::builder()
                        .rules(rule)
                        .build()
                        .unwrap(),
                )
                .send()
        };
        let base = || {
            LifecycleRule::builder()
                .id("x")
                .status(ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix("").build())
        };
        let err = bad(base()
            .expiration(LifecycleExpiration::builder().days(0).build())
            .build()
            .unwrap())
        .await
        .unwrap_err();
        assert_eq!(code(&err), "InvalidArgument");
        let err = bad(base()
            .transitions(
                Transition::builder()
                    .days(30)
                    .storage_class(TransitionStorageClass::Glacier)
                    .build(),
            )
            .build()
            .unwrap())
        .await
        .unwrap_err();
        assert_eq!(code(&err), "NotImplemented");
        let got = s3
            .get_bucket_lifecycle_configuration()
            .bucket(&b)
            .send()
            .await
            .unwrap();
        assert_eq!(got.rules().len(), 2);

        s3.delete_bucket_lifecycle()
            .bucket(&b)
            .send()
            .await
            .unwrap();
        let err = s3
            .get_bucket_lifecycle_configuration()
            .bucket(&b)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NoSuchLifecycleConfiguration");
    });
}

fn cors_rules() -> CorsConfiguration {
    CorsConfiguration::builder()
        .cors_rules(
            CorsRule::builder()
                .id("app")
                .allowed_origins("https://*.example.com")
                .allowed_methods("GET")
                .allowed_methods("PUT")
                .allowed_headers("content-type")
                .allowed_headers("x-amz-*")
                .expose_headers("ETag")
                .max_age_seconds(600)
                .build()
                .unwrap(),
        )
        .cors_rules(
            CorsRule::builder()
                .allowed_origins("*")
                .allowed_methods("GET")
                .allowed_methods("HEAD")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

/// A request without a signature: (status, headers, body).
fn anon(
    method: reqwest::Method,
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut req = reqwest::blocking::Client::new().request(method, url);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().unwrap())
}

fn h<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[test]
fn cors_round_trip_and_preflight() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_name("cors");
    let rt = rt();
    rt.block_on(async {
        s3.create_bucket().bucket(&b).send().await.unwrap();
        let err = s3.get_bucket_cors().bucket(&b).send().await.unwrap_err();
        assert_eq!(code(&err), "NoSuchCORSConfiguration");
    });
    put(&server, &b, "photo.jpg", b"jpeg");
    let object = format!("{}/{b}/photo.jpg", server.endpoint());
    let bucket_url = format!("{}/{b}", server.endpoint());
    use reqwest::Method;

    // No configuration: every preflight is refused.
    let preflight = [
        ("origin", "https://app.example.com"),
        ("access-control-request-method", "PUT"),
        ("access-control-request-headers", "Content-Type, X-Amz-Date"),
    ];
    let (st, headers, body) = anon(Method::OPTIONS, &object, &preflight);
    assert_eq!(st, 403);
    assert!(
        body.contains("<Code>AccessDenied</Code>") && body.contains("CORSResponse"),
        "{body}"
    );
    assert!(h(&headers, "access-control-allow-origin").is_none());

    rt.block_on(async {
        s3.put_bucket_cors()
            .bucket(&b)
            .cors_configuration(cors_rules())
            .send()
            .await
            .unwrap();
        let got = s3.get_bucket_cors().bucket(&b).send().await.unwrap();
        let rules = got.cors_rules();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].id(), Some("app"));
        assert_eq!(rules[0].allowed_origins(), ["https://*.example.com"]);
        assert_eq!(rules[0].allowed_methods(), ["GET", "PUT"]);
        assert_eq!(rules[0].allowed_headers(), ["content-type", "x-amz-*"]);
        assert_eq!(rules[0].expose_headers(), ["ETag"]);
        assert_eq!(rules[0].max_age_seconds(), Some(600));
        assert_eq!(rules[1].allowed_methods(), ["GET", "HEAD"]);

        // Refused: an unknown method.
        let err = s3
            .put_bucket_cors()
            .bucket(&b)
            .cors_configuration(
                CorsConfiguration::builder()
                    .cors_rules(
                        CorsRule::builder()
                            .allowed_origins("*")
                            .allowed_methods("PATCH")
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidRequest");
    });

    // A preflight the first rule allows.
    let (st, headers, _) = anon(Method::OPTIONS, &object, &preflight);
    assert_eq!(st, 200);
    assert_eq!(
        h(&headers, "access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        h(&headers, "access-control-allow-methods"),
        Some("GET, PUT")
    );
    assert_eq!(
        h(&headers, "access-control-allow-headers"),
        Some("Content-Type, X-Amz-Date")
    );
    assert_eq!(h(&headers, "access-control-expose-headers"), Some("ETag"));
    assert_eq!(h(&headers, "access-control-max-age"), Some("600"));
    assert_eq!(
        h(&headers, "access-control-allow-credentials"),
        Some("true")
    );
    // The bucket itself too.
    assert_eq!(anon(Method::OPTIONS, &bucket_url, &preflight).0, 200);
    // Any origin may GET, by the second rule.
    let (st, headers, _) = anon(
        Method::OPTIONS,
        &object,
        &[
            ("origin", "http://elsewhere.test"),
            ("access-control-request-method", "GET"),
        ],
    );
    assert_eq!(st, 200);
    assert_eq!(h(&headers, "access-control-allow-origin"), Some("*"));
    assert_eq!(
        h(&headers, "access-control-allow-methods"),
        Some("GET, HEAD")
    );
    // Not allowed: a header no rule lists, a method, an origin.
    for bad in [
        vec![
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "authorization"),
        ],
        vec![
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "DELETE"),
        ],
        vec![
            ("origin", "http://elsewhere.test"),
            ("access-control-request-method", "PUT"),
        ],
    ] {
        let (st, headers, body) = anon(Method::OPTIONS, &object, &bad);
        assert_eq!(st, 403, "{bad:?}");
        assert!(
            body.contains("CORSResponse: This CORS request is not allowed"),
            "{body}"
        );
        assert!(h(&headers, "access-control-allow-origin").is_none());
    }
    // Incomplete preflights.
    let (st, _, body) = anon(
        Method::OPTIONS,
        &object,
        &[("origin", "https://app.example.com")],
    );
    assert_eq!(st, 400, "{body}");
    let (st, _, _) = anon(
        Method::OPTIONS,
        &object,
        &[("access-control-request-method", "GET")],
    );
    assert_eq!(st, 400);

    // Actual cross-origin requests carry the headers, errors included: this
    // anonymous listing of a private bucket is refused, readably.
    let (st, headers, body) = anon(
        Method::GET,
        &format!("{bucket_url}?list-type=2"),
        &[("origin", "https://app.example.com")],
    );
    assert_eq!(st, 403, "{body}");
    assert_eq!(
        h(&headers, "access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(h(&headers, "access-control-expose-headers"), Some("ETag"));
    rt.block_on(async {
        s3.put_bucket_acl()
            .bucket(&b)
            .acl(BucketCannedAcl::PublicRead)
            .send()
            .await
            .unwrap();
    });
    let (st, headers, body) = anon(
        Method::GET,
        &format!("{bucket_url}?list-type=2"),
        &[("origin", "http://elsewhere.test")],
    );
    assert_eq!(st, 200);
    assert!(body.contains("<Key>photo.jpg</Key>"));
    assert_eq!(h(&headers, "access-control-allow-origin"), Some("*"));
    // No Origin, or one no rule allows for the method: no CORS headers.
    let (_, headers, _) = anon(Method::GET, &format!("{bucket_url}?list-type=2"), &[]);
    assert!(h(&headers, "access-control-allow-origin").is_none());
    let (st, headers, _) = anon(
        Method::DELETE,
        &bucket_url,
        &[("origin", "https://app.example.com")],
    );
    assert_eq!(st, 403);
    assert!(
        h(&headers, "access-control-allow-origin").is_none(),
        "no rule allows DELETE"
    );
    let (st, headers, _) = anon(Method::HEAD, &bucket_url, &[("origin", "http://x.test")]);
    assert_eq!(st, 200);
    assert_eq!(h(&headers, "access-control-allow-origin"), Some("*"));

    rt.block_on(async {
        s3.delete_bucket_cors().bucket(&b).send().await.unwrap();
        let err = s3.get_bucket_cors().bucket(&b).send().await.unwrap_err();
        assert_eq!(code(&err), "NoSuchCORSConfiguration");
    });
    assert_eq!(anon(Method::OPTIONS, &object, &preflight).0, 403);
    // A missing bucket.
    let (st, _, _) = anon(
        Method::OPTIONS,
        &format!("{}/{}/x", server.endpoint(), bucket_name("none")),
        &preflight,
    );
    assert_eq!(st, 404);
}

#[test]
fn object_tagging_changes_no_version() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_name("otag");
    rt().block_on(async { s3.create_bucket().bucket(&b).send().await.unwrap() });
    let v1 = put(&server, &b, "doc", b"plain");
    rt().block_on(async {
        let got = s3
            .get_object_tagging()
            .bucket(&b)
            .key("doc")
            .send()
            .await
            .unwrap();
        assert!(got.tag_set().is_empty());
        // An unversioned bucket does not show version ids.
        assert_eq!(got.version_id(), None);

        // Sent out of order: kept (and given back) sorted by key.
        let tags = vec![tag("project", "alexander"), tag("a b", "c+d=e&f")];
        s3.put_object_tagging()
            .bucket(&b)
            .key("doc")
            .tagging(tagging(tags.clone()))
            .send()
            .await
            .unwrap();
        let got = s3
            .get_object_tagging()
            .bucket(&b)
            .key("doc")
            .send()
            .await
            .unwrap();
        assert_eq!(pairs(got.tag_set()), pairs(&tags));
        // Same version, same ETag: tagging changed metadata in place.
        let info = server.store.head_object(&b, "doc", At::Current).unwrap();
        assert_eq!(info.version_id, v1);
        assert_eq!(
            alexander_s3::ops::config::decode_tags(info.meta.extra.get("tagging").unwrap()),
            tags.iter()
                .rev()
                .map(|t| alexander_s3::xml::Tag::new(t.key(), t.value()))
                .collect::<Vec<_>>()
        );

        let many: Vec<Tag> = (0..11).map(|i| tag(&format!("k{i}"), "v")).collect();
        let err = s3
            .put_object_tagging()
            .bucket(&b)
            .key("doc")
            .tagging(tagging(many))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidTag");
        let err = s3
            .put_object_tagging()
            .bucket(&b)
            .key("missing")
            .tagging(tagging(vec![tag("a", "b")]))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NoSuchKey");
        let err = s3
            .get_object_tagging()
            .bucket(&b)
            .key("missing")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NoSuchKey");

        s3.delete_object_tagging()
            .bucket(&b)
            .key("doc")
            .send()
            .await
            .unwrap();
        let got = s3
            .get_object_tagging()
            .bucket(&b)
            .key("doc")
            .send()
            .await
            .unwrap();
        assert!(got.tag_set().is_empty());
    });

    // Versioned: tags belong to one version; responses name it.
    server
        .store
        .set_versioning(&b, Versioning::Enabled)
        .unwrap();
    let old = put(&server, &b, "doc", b"second");
    let new = put(&server, &b, "doc", b"third");
    rt().block_on(async {
        let out = s3
            .put_object_tagging()
            .bucket(&b)
            .key("doc")
            .version_id(&old)
            .tagging(tagging(vec![tag("which", "old")]))
            .send()
            .await
            .unwrap();
        assert_eq!(out.version_id(), Some(old.as_str()));
        let got = s3
            .get_object_tagging()
            .bucket(&b)
            .key("doc")
            .send()
            .await
            .unwrap();
        assert!(got.tag_set().is_empty());
        assert_eq!(got.version_id(), Some(new.as_str()));
        let got = s3
            .get_object_tagging()
            .bucket(&b)
            .key("doc")
            .version_id(&old)
            .send()
            .await
            .unwrap();
        assert_eq!(
            pairs(got.tag_set()),
            [("which".to_owned(), "old".to_owned())]
        );
        assert_eq!(got.version_id(), Some(old.as_str()));
        let versions = s3.list_object_versions().bucket(&b).send().await.unwrap();
        assert_eq!(
            versions.versions().len(),
            3,
            "no version was added by tagging"
        );
        let err = s3
            .get_object_tagging()
            .bucket(&b)
            .key("doc")
            .version_id("00000000000000ff")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NoSuchVersion");
    });

    // Snapshots: readable, not writable.
    server.store.create_snapshot(&b, "snap").unwrap();
    rt().block_on(async {
        s3.put_object_tagging()
            .bucket(&b)
            .key("doc")
            .tagging(tagging(vec![tag("now", "1")]))
            .send()
            .await
            .unwrap();
        let got = s3
            .get_object_tagging()
            .bucket(&b)
            .key(".snapshots/snap/doc")
            .send()
            .await
            .unwrap();
        // The snapshot sees the version, and so its tags.
        assert_eq!(pairs(got.tag_set()), [("now".to_owned(), "1".to_owned())]);
        let err = s3
            .put_object_tagging()
            .bucket(&b)
            .key(".snapshots/snap/doc")
            .tagging(tagging(vec![tag("a", "b")]))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
        let err = s3
            .delete_object_tagging()
            .bucket(&b)
            .key(".snapshots/snap/doc")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "AccessDenied");
    });
}

#[test]
fn object_acl_is_not_the_buckets() {
    let server = TestServer::start();
    let s3 = server.client();
    let b = bucket_name("oacl");
    rt().block_on(async { s3.create_bucket().bucket(&b).send().await.unwrap() });
    put(&server, &b, "o", b"x");
    let root_id = owner_id("root");
    rt().block_on(async {
        let got = s3
            .get_object_acl()
            .bucket(&b)
            .key("o")
            .send()
            .await
            .unwrap();
        assert_eq!(got.owner().and_then(|o| o.id()), Some(root_id.as_str()));
        assert_eq!(
            grants(got.grants()),
            [(
                "CanonicalUser".to_owned(),
                root_id.clone(),
                "FULL_CONTROL".to_owned()
            )]
        );
        s3.put_bucket_acl()
            .bucket(&b)
            .acl(BucketCannedAcl::PublicRead)
            .send()
            .await
            .unwrap();
        // The object keeps its own ACL (object_acl.rs has the rest).
        let got = s3
            .get_object_acl()
            .bucket(&b)
            .key("o")
            .send()
            .await
            .unwrap();
        assert_eq!(got.grants().len(), 1);
        let err = s3
            .get_object_acl()
            .bucket(&b)
            .key("nope")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NoSuchKey");
    });
}
