//! The rules' arithmetic and matching, and passes over real stores with
//! the clock given. Inside the crate the listings are walked in pages of
//! [`PAGE`] (3 here), so a key's versions straddle pages.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::{Duration, SystemTime};

use alexander_store::{At, Config, ObjectMeta, PutOptions, Store, Versioning};
use proptest::prelude::*;

use super::*;
use crate::ops::config::{LIFECYCLE, encode_tags};
use crate::xml::{from_xml, parse_iso8601};

const DAY: i64 = DAY_NS;

fn at(text: &str) -> i64 {
    parse_iso8601(text).unwrap()
}

#[test]
fn midnight_rounding() {
    // S3's own example: created 2014-01-15 10:30 UTC, 3 days: due at the
    // start of 2014-01-19.
    assert_eq!(
        due_after_days(at("2014-01-15T10:30:00Z"), 3),
        at("2014-01-19")
    );
    // Exactly midnight is already midnight.
    assert_eq!(due_after_days(at("2014-01-15"), 1), at("2014-01-16"));
    // A nanosecond after midnight waits for the next one.
    assert_eq!(due_after_days(at("2014-01-15") + 1, 1), at("2014-01-17"));
    assert_eq!(
        midnight_at_or_after(at("1969-12-31T12:00:00Z")),
        at("1970-01-01")
    );
    // Far-off numbers saturate rather than wrap into the past.
    assert_eq!(due_after_days(at("2020-01-01"), i64::MAX), i64::MAX);
}

proptest! {
    #[test]
    fn due_is_the_first_midnight_after_the_days(
        from in -(1i64 << 60)..(1i64 << 60),
        days in 1i64..10_000,
    ) {
        let due = due_after_days(from, days);
        let earliest = from + days * DAY;
        prop_assert_eq!(due.rem_euclid(DAY), 0);
        prop_assert!(due >= earliest);
        prop_assert!(due - earliest < DAY);
    }

    #[test]
    fn filter_matches_exactly_its_predicates(
        key in "[ab/]{0,6}",
        prefix in "[ab/]{0,3}",
        size in 0u64..20,
        gt in proptest::option::of(0u64..20),
        lt in proptest::option::of(0u64..20),
        wanted in proptest::collection::vec((0u8..3, 0u8..2), 0..3),
        have in proptest::collection::vec((0u8..3, 0u8..2), 0..3),
    ) {
        let tag = |(k, v): &(u8, u8)| Tag::new(format!("k{k}"), format!("v{v}"));
        let f = Filter {
            prefix: prefix.clone(),
            tags: wanted.iter().map(tag).collect(),
            size_greater_than: gt,
            size_less_than: lt,
        };
        let tags: Vec<Tag> = have.iter().map(tag).collect();
        let expected = key.starts_with(&prefix)
            && gt.is_none_or(|n| size > n)
            && lt.is_none_or(|n| size < n)
            && wanted.iter().all(|w| have.contains(w));
        prop_assert_eq!(f.matches(&key, size, &tags), expected);
    }
}

fn rules(xml: &str) -> Rules {
    let conf: LifecycleConfiguration = from_xml(xml.as_bytes(), 1 << 20).unwrap();
    conf.validate().unwrap();
    Rules::new(&conf)
}

#[test]
fn filters_from_every_form() {
    let r = rules(
        "<LifecycleConfiguration>\
         <Rule><ID>legacy</ID><Prefix>old/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>\
         <Rule><ID>tag</ID><Filter><Tag><Key>t</Key><Value>1</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>\
         <Rule><ID>big</ID><Filter><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>\
         <Rule><ID>and</ID><Filter><And><Prefix>a/</Prefix><Tag><Key>x</Key><Value>y</Value></Tag><Tag><Key>z</Key><Value></Value></Tag><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan><ObjectSizeLessThan>5</ObjectSizeLessThan></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>\
         <Rule><ID>off</ID><Filter/><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>\
         </LifecycleConfiguration>",
    );
    assert_eq!(r.0.len(), 4, "the disabled rule is left out");
    assert_eq!(r.0[0].filter.prefix, "old/");
    let and = &r.0[3].filter;
    assert_eq!(and.prefix, "a/");
    assert_eq!(and.tags, vec![Tag::new("x", "y"), Tag::new("z", "")]);
    assert_eq!(
        (and.size_greater_than, and.size_less_than),
        (Some(1), Some(5))
    );

    let created = at("2030-05-01T08:00:00Z");
    let now = at("2030-05-03");
    let which = |key: &str, size: u64, tags: &[Tag]| {
        r.expired_current(key, size, tags, created, now)
            .and_then(|r| r.id.clone())
    };
    assert_eq!(which("old/x", 1, &[]), Some("legacy".into()));
    assert_eq!(which("new/x", 1, &[]), None);
    assert_eq!(which("k", 1, &[Tag::new("t", "1")]), Some("tag".into()));
    assert_eq!(which("k", 1, &[Tag::new("t", "2")]), None);
    assert_eq!(which("k", 101, &[]), Some("big".into()));
    assert_eq!(which("k", 100, &[]), None);
    let both = [Tag::new("z", ""), Tag::new("x", "y"), Tag::new("other", "")];
    assert_eq!(which("a/k", 3, &both), Some("and".into()));
    assert_eq!(which("a/k", 5, &both), None);
    assert_eq!(which("a/k", 3, &both[..1]), None);
    // Not yet: 05-02 08:00 rounds up to the start of 05-03.
    assert!(
        r.expired_current("old/x", 1, &[], created, now - 1)
            .is_none()
    );
    // A walk of the whole bucket: the rules share no prefix.
    assert_eq!(r.walk_prefix(), "");
}

#[test]
fn walk_prefix_is_the_longest_shared() {
    let r = |prefixes: &[&str]| {
        Rules(
            prefixes
                .iter()
                .map(|p| Rule {
                    id: None,
                    filter: Filter {
                        prefix: (*p).to_owned(),
                        ..Filter::default()
                    },
                    expiry: Some(Expiry::Days(1)),
                    expired_marker: false,
                    noncurrent: None,
                    abort_days: None,
                })
                .collect(),
        )
    };
    assert_eq!(r(&["logs/a", "logs/b"]).walk_prefix(), "logs/");
    assert_eq!(r(&["logs/", "logs/old/"]).walk_prefix(), "logs/");
    assert_eq!(r(&["é1", "é2"]).walk_prefix(), "é");
    assert_eq!(r(&["éa", "èa"]).walk_prefix(), "");
    assert_eq!(r(&[]).walk_prefix(), "");
}

#[test]
fn date_expiry_and_lone_markers() {
    let r = rules(
        "<LifecycleConfiguration>\
         <Rule><ID>date</ID><Filter><Prefix>d/</Prefix></Filter><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>\
         <Rule><ID>eodm</ID><Filter><Prefix>m/</Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>\
         <Rule><ID>no</ID><Filter><Prefix>n/</Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration></Rule>\
         <Rule><ID>days</ID><Filter><Prefix>k/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>\
         </LifecycleConfiguration>",
    );
    let date = at("2030-01-01");
    // A date rule expires everything it selects from the date on,
    // whenever it was written.
    assert!(
        r.expired_current("d/x", 1, &[], date + 5, date - 1)
            .is_none()
    );
    assert!(r.expired_current("d/x", 1, &[], date + 5, date).is_some());
    assert!(r.expired_marker("d/x", date - DAY, date - 1).is_none());
    assert!(r.expired_marker("d/x", date - DAY, date).is_some());
    // ExpiredObjectDeleteMarker: at once; false does nothing.
    let made = at("2030-03-03T03:00:00Z");
    assert_eq!(
        r.expired_marker("m/x", made, made)
            .and_then(|r| r.id.clone()),
        Some("eodm".into())
    );
    assert!(r.expired_marker("n/x", made, made + 1000 * DAY).is_none());
    // A Days rule removes a lone marker once the marker is that old.
    assert!(
        r.expired_marker("k/x", made, at("2030-03-06") - 1)
            .is_none()
    );
    assert!(r.expired_marker("k/x", made, at("2030-03-06")).is_some());
}

#[test]
fn noncurrent_versions_by_age_and_rank() {
    let r = rules(
        "<LifecycleConfiguration><Rule><ID>nc</ID><Filter/><Status>Enabled</Status>\
         <NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>\
         </Rule></LifecycleConfiguration>",
    );
    let since = at("2031-07-10T23:59:59Z");
    let due = at("2031-07-14");
    for newer in 0..5 {
        let expired = r
            .expired_noncurrent("k", 1, &[], since, newer, due)
            .is_some();
        assert_eq!(expired, newer >= 2, "{newer} newer noncurrent versions");
        assert!(
            r.expired_noncurrent("k", 1, &[], since, newer, due - 1)
                .is_none()
        );
    }
}

#[test]
fn uploads_by_rule_or_by_the_server_limit() {
    let r = rules(
        "<LifecycleConfiguration>\
         <Rule><ID>slow</ID><Filter><Prefix>u/</Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>5</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>\
         <Rule><ID>fast</ID><Filter><Prefix>u/fast/</Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>\
         <Rule><ID>exp</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>\
         </LifecycleConfiguration>",
    );
    let created = at("2032-02-02T12:00:00Z");
    let week = Duration::from_secs(7 * 86_400);
    let (due, rule) = r.upload_due("u/x", created, week);
    assert_eq!(
        (due, rule.and_then(|r| r.id.as_deref())),
        (at("2032-02-08"), Some("slow"))
    );
    // The earliest of the rules that apply.
    let (due, rule) = r.upload_due("u/fast/x", created, week);
    assert_eq!(
        (due, rule.and_then(|r| r.id.as_deref())),
        (at("2032-02-04"), Some("fast"))
    );
    // No abort rule applies (expiration rules do not count): the limit,
    // exact, without rounding.
    let (due, rule) = r.upload_due("other", created, week);
    assert_eq!((due, rule), (created + 7 * DAY, None));
}

// Passes over real stores.

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Config::default()).unwrap();
    (dir, store)
}

fn bucket(store: &Store, name: &str, versioning: Versioning, lifecycle: &str) {
    store.create_bucket(name).unwrap();
    if versioning != Versioning::Unversioned {
        store.set_versioning(name, versioning).unwrap();
    }
    let xml = format!("<LifecycleConfiguration>{lifecycle}</LifecycleConfiguration>");
    let conf: LifecycleConfiguration = from_xml(xml.as_bytes(), 1 << 20).unwrap();
    conf.validate().unwrap();
    store
        .set_bucket_setting(name, LIFECYCLE, Some(&crate::xml::to_xml(&conf)))
        .unwrap();
}

fn put(store: &Store, bucket: &str, key: &str, data: &[u8], tags: &[Tag]) -> ObjectInfo {
    let mut extra = BTreeMap::new();
    if !tags.is_empty() {
        extra.insert(TAGGING.to_owned(), encode_tags(tags));
    }
    let opts = PutOptions {
        meta: ObjectMeta {
            extra,
            ..ObjectMeta::default()
        },
        condition: None,
    };
    store.put_object(bucket, key, data, opts).unwrap()
}

fn days_later(days: u64) -> SystemTime {
    SystemTime::now() + Duration::from_secs(days * 86_400)
}

fn pass(store: &Store, bucket: &str, now: SystemTime) -> LifecycleReport {
    run_pass(store, Some(bucket), now, Duration::from_secs(7 * 86_400)).unwrap()
}

/// `(kind, key)` of every action, in order.
fn done(report: &LifecycleReport) -> Vec<(ActionKind, String)> {
    report
        .actions()
        .map(|a| {
            assert_eq!(a.error, None, "{a:?}");
            (a.kind, a.key.clone())
        })
        .collect()
}

/// `(key, delete marker)` of every version, keys in order, newest first.
fn versions(store: &Store, bucket: &str) -> Vec<(String, bool)> {
    let q = alexander_store::VersionQuery {
        max_keys: 10_000,
        ..Default::default()
    };
    store
        .list_versions(bucket, &q)
        .unwrap()
        .versions
        .into_iter()
        .map(|v| (v.info.key, v.delete_marker))
        .collect()
}

#[test]
fn unversioned_expiry_deletes_and_snapshots_keep_seeing() {
    let (_dir, store) = store();
    bucket(
        &store,
        "bkt",
        Versioning::Unversioned,
        "<Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>\
         <Rule><ID>tmp</ID><Filter><Tag><Key>tmp</Key><Value>yes</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",
    );
    for i in 0..7 {
        put(&store, "bkt", &format!("logs/{i}"), b"log", &[]);
    }
    put(&store, "bkt", "keep", b"data", &[]);
    put(&store, "bkt", "scratch", b"data", &[Tag::new("tmp", "yes")]);
    put(
        &store,
        "bkt",
        "scratch-no",
        b"data",
        &[Tag::new("tmp", "no")],
    );
    store.create_snapshot("bkt", "before").unwrap();

    // Nothing is due yet.
    let r = pass(&store, "bkt", SystemTime::now());
    assert!(r.totals().is_empty(), "{r:?}");
    // A rule of N days is due between N and N + 1 days from now (the
    // midnight rounding): the tagged one by two days on, the logs by four.
    let r = pass(&store, "bkt", days_later(2));
    assert_eq!(done(&r), vec![(ActionKind::Expired, "scratch".to_owned())]);
    assert_eq!(r.buckets[0].actions[0].rule.as_deref(), Some("tmp"));
    let r = pass(&store, "bkt", days_later(4));
    let expected: Vec<_> = (0..7)
        .map(|i| (ActionKind::Expired, format!("logs/{i}")))
        .collect();
    assert_eq!(done(&r), expected);
    assert_eq!(r.totals().objects_expired, 7);
    assert_eq!(r.totals().delete_markers_added, 0);
    let left: Vec<_> = versions(&store, "bkt")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(left, ["keep", "scratch-no"]);
    // The snapshot still sees what it saw.
    let mut seen = Vec::new();
    store
        .get_object("bkt", "logs/3", At::Snapshot("before"), None)
        .unwrap()
        .read_to_end(&mut seen)
        .unwrap();
    assert_eq!(seen, b"log");
    assert!(
        store
            .head_object("bkt", "scratch", At::Snapshot("before"))
            .is_ok()
    );
    // A second pass finds nothing more to do.
    assert!(pass(&store, "bkt", days_later(30)).totals().is_empty());
}

#[test]
fn versioned_expiry_adds_markers_then_noncurrent_and_lone_markers_go() {
    let (_dir, store) = store();
    bucket(
        &store,
        "ver",
        Versioning::Enabled,
        "<Rule><ID>cur</ID><Filter><ObjectSizeGreaterThan>2</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>10</Days></Expiration></Rule>\
         <Rule><ID>nc</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>\
         <Rule><ID>eodm</ID><Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>",
    );
    // "a": four versions (three noncurrent); "b": small, current stays;
    // "c": deleted, with one old version under its marker; "d": a lone
    // marker left by a delete of its only version.
    for i in 0..4 {
        put(&store, "ver", "a", format!("aa{i}").as_bytes(), &[]);
    }
    put(&store, "ver", "b", b"b", &[]);
    put(&store, "ver", "c", b"c-old", &[]);
    store.delete_object("ver", "c", None).unwrap();
    let d = put(&store, "ver", "d", b"d", &[]);
    store.delete_object("ver", "d", None).unwrap();
    store
        .delete_object("ver", "d", Some(&d.version_id))
        .unwrap();
    store.create_snapshot("ver", "snap").unwrap();
    assert_eq!(
        versions(&store, "ver"),
        [
            ("a".into(), false),
            ("a".into(), false),
            ("a".into(), false),
            ("a".into(), false),
            ("b".into(), false),
            ("c".into(), true),
            ("c".into(), false),
            ("d".into(), true),
        ]
    );

    // Today: only the lone marker goes (at once).
    let r = pass(&store, "ver", SystemTime::now());
    assert_eq!(
        done(&r),
        vec![(ActionKind::DeleteMarkerRemoved, "d".to_owned())]
    );
    // Two days on: the noncurrent versions but the newest of each key.
    let r = pass(&store, "ver", days_later(2));
    assert_eq!(
        done(&r),
        vec![
            (ActionKind::NoncurrentRemoved, "a".to_owned()),
            (ActionKind::NoncurrentRemoved, "a".to_owned()),
        ]
    );
    assert_eq!(r.totals().noncurrent_versions_removed, 2);
    // Eleven days on: "a" (3 bytes) expires under a delete marker; "b"
    // (1 byte) does not.
    let r = pass(&store, "ver", days_later(11));
    assert_eq!(
        done(&r),
        vec![(ActionKind::DeleteMarkerAdded, "a".to_owned())]
    );
    let marker = r.buckets[0].actions[0].version_id.clone().unwrap();
    assert_eq!(
        store
            .head_object("ver", "a", At::Current)
            .unwrap_err()
            .to_string(),
        alexander_store::Error::NoSuchKey {
            key: "a".into(),
            delete_marker: Some(marker),
        }
        .to_string()
    );
    // Two days later the version the marker hid is noncurrent and kept
    // (the newest noncurrent one), the one before it goes; "c"'s marker
    // is not alone, so it stays.
    let r = pass(&store, "ver", days_later(13));
    assert_eq!(
        done(&r),
        vec![(ActionKind::NoncurrentRemoved, "a".to_owned())]
    );
    assert_eq!(
        versions(&store, "ver"),
        [
            ("a".into(), true),
            ("a".into(), false),
            ("b".into(), false),
            ("c".into(), true),
            ("c".into(), false),
        ]
    );
    // The snapshot taken before any of it sees every key as it was.
    for (key, data) in [("a", &b"aa3"[..]), ("b", b"b")] {
        let mut seen = Vec::new();
        store
            .get_object("ver", key, At::Snapshot("snap"), None)
            .unwrap()
            .read_to_end(&mut seen)
            .unwrap();
        assert_eq!(seen, data);
    }
}

#[test]
fn suspended_bucket_expiry_adds_a_null_marker() {
    let (_dir, store) = store();
    bucket(
        &store,
        "sus",
        Versioning::Suspended,
        "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",
    );
    put(&store, "sus", "k", b"x", &[]);
    let r = pass(&store, "sus", days_later(3));
    assert_eq!(
        done(&r),
        vec![(ActionKind::DeleteMarkerAdded, "k".to_owned())]
    );
    assert_eq!(r.buckets[0].actions[0].version_id.as_deref(), Some("null"));
    // The null marker replaced the null version: it is alone now, and a
    // rule of Days removes it once it is a day old.
    assert_eq!(versions(&store, "sus"), [("k".into(), true)]);
    let r = pass(&store, "sus", days_later(6));
    assert_eq!(
        done(&r),
        vec![(ActionKind::DeleteMarkerRemoved, "k".to_owned())]
    );
    assert!(versions(&store, "sus").is_empty());
}

#[test]
fn uploads_are_aborted_by_rule_or_when_abandoned() {
    let (_dir, store) = store();
    bucket(
        &store,
        "mpu",
        Versioning::Unversioned,
        "<Rule><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>",
    );
    store.create_bucket("plain").unwrap();
    let mut ids = BTreeMap::new();
    for key in ["tmp/a", "tmp/b", "big", "tmp/c", "z"] {
        let id = store
            .create_multipart("mpu", key, ObjectMeta::default())
            .unwrap();
        store.put_part("mpu", key, &id, 1, &b"part"[..]).unwrap();
        ids.insert(key, id);
    }
    let plain = store
        .create_multipart("plain", "k", ObjectMeta::default())
        .unwrap();

    let week = Duration::from_secs(7 * 86_400);
    let r = run_pass(&store, None, days_later(3), week).unwrap();
    let got: Vec<_> = r
        .actions()
        .map(|a| {
            (
                a.bucket.as_str(),
                a.key.as_str(),
                a.upload_id.clone(),
                a.rule.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        ["tmp/a", "tmp/b", "tmp/c"]
            .iter()
            .map(|k| ("mpu", *k, Some(ids[k].clone()), Some("tmp".to_owned())))
            .collect::<Vec<_>>()
    );
    // The others wait for the server's limit, exactly a week.
    let r = run_pass(
        &store,
        None,
        SystemTime::now() + week - Duration::from_secs(60),
        week,
    )
    .unwrap();
    assert!(r.totals().is_empty(), "{r:?}");
    let r = run_pass(&store, None, SystemTime::now() + week, week).unwrap();
    let got: Vec<_> = r
        .actions()
        .map(|a| {
            (
                a.bucket.clone(),
                a.key.clone(),
                a.upload_id.clone(),
                a.rule.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "mpu".to_owned(),
                "big".to_owned(),
                Some(ids["big"].clone()),
                None
            ),
            (
                "mpu".to_owned(),
                "z".to_owned(),
                Some(ids["z"].clone()),
                None
            ),
            ("plain".to_owned(), "k".to_owned(), Some(plain), None),
        ]
    );
    assert_eq!(r.totals().uploads_aborted, 3);
    for b in ["mpu", "plain"] {
        let page = store.list_uploads(b, "", None, None, None, 100).unwrap();
        assert!(page.uploads.is_empty());
    }
}

#[test]
fn a_dry_run_changes_nothing_and_reports_the_same() {
    let (_dir, store) = store();
    bucket(
        &store,
        "dry",
        Versioning::Enabled,
        "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>",
    );
    for i in 0..5 {
        put(&store, "dry", &format!("k{}", i % 2), b"x", &[]);
    }
    let before = versions(&store, "dry");
    let opts = |dry_run| PassOptions {
        bucket: Some("dry".into()),
        now: days_later(5),
        abandon_after: Duration::from_secs(86_400),
        dry_run,
        keep_actions: true,
    };
    let mut heard = 0;
    let dry = run_pass_with(&store, &opts(true), &mut |_| heard += 1).unwrap();
    assert!(dry.dry_run);
    assert_eq!(heard, 5);
    assert_eq!(versions(&store, "dry"), before);
    let real = run_pass_with(&store, &opts(false), &mut |_| {}).unwrap();
    let strip = |r: &LifecycleReport| -> Vec<(ActionKind, String, Option<String>)> {
        r.actions()
            .map(|a| {
                let version = match a.kind {
                    ActionKind::DeleteMarkerAdded => None,
                    _ => a.version_id.clone(),
                };
                (a.kind, a.key.clone(), version)
            })
            .collect()
    };
    assert_eq!(strip(&dry), strip(&real));
    assert_eq!(real.totals().objects_expired, 2);
    assert_eq!(real.totals().noncurrent_versions_removed, 3);
}

#[test]
fn without_keep_actions_only_counts_are_kept() {
    let (_dir, store) = store();
    bucket(
        &store,
        "cnt",
        Versioning::Unversioned,
        "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",
    );
    for i in 0..4 {
        put(&store, "cnt", &format!("k{i}"), b"x", &[]);
    }
    let opts = PassOptions {
        bucket: None,
        now: days_later(3),
        abandon_after: Duration::from_secs(86_400),
        dry_run: false,
        keep_actions: false,
    };
    let mut keys = Vec::new();
    let r = run_pass_with(&store, &opts, &mut |a| keys.push(a.key.clone())).unwrap();
    assert_eq!(keys, ["k0", "k1", "k2", "k3"]);
    assert_eq!(r.totals().objects_expired, 4);
    assert_eq!(r.actions().count(), 0);
}

#[test]
fn a_key_changed_since_the_listing_is_left_alone() {
    let (_dir, store) = store();
    store.create_bucket("race").unwrap();
    store.set_versioning("race", Versioning::Enabled).unwrap();
    let old = put(&store, "race", "k", b"old", &[]);
    let new = put(&store, "race", "k", b"new", &[]);
    // The pass decided on "old" as current: it is not any more.
    let e = store
        .delete_object_if("race", "k", None, DeleteIf::Current(old.seq))
        .unwrap_err();
    assert!(changed(&e), "{e}");
    assert_eq!(versions(&store, "race").len(), 2);
    // "new" is not noncurrent, nor a lone marker.
    for expect in [DeleteIf::Noncurrent(new.seq), DeleteIf::OnlyMarker(new.seq)] {
        let e = store
            .delete_object_if("race", "k", Some(&new.version_id), expect)
            .unwrap_err();
        assert!(changed(&e), "{e}");
    }
    assert_eq!(versions(&store, "race").len(), 2);
    store
        .delete_object_if(
            "race",
            "k",
            Some(&old.version_id),
            DeleteIf::Noncurrent(old.seq),
        )
        .unwrap();
    store
        .delete_object_if("race", "k", None, DeleteIf::Current(new.seq))
        .unwrap();
    assert_eq!(
        versions(&store, "race"),
        [("k".into(), true), ("k".into(), false)]
    );
}

#[test]
fn a_missing_bucket_is_an_error_and_a_bad_stored_rule_is_ignored() {
    let (_dir, store) = store();
    let week = Duration::from_secs(7 * 86_400);
    assert!(matches!(
        run_pass(&store, Some("nope"), SystemTime::now(), week),
        Err(StoreError::NoSuchBucket(_))
    ));
    store.create_bucket("bad").unwrap();
    store
        .set_bucket_setting("bad", LIFECYCLE, Some("<not xml"))
        .unwrap();
    put(&store, "bad", "k", b"v", &[]);
    let r = run_pass(&store, None, days_later(400), week).unwrap();
    assert!(r.totals().is_empty());
    assert_eq!(versions(&store, "bad").len(), 1);
}
