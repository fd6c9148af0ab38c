//! The path rule: a bucket that keeps it (every bucket, by default) takes
//! only keys the mount can show, on every write path, checked inside the
//! commit; a bucket that turns it off takes any key; turning it back on is
//! refused while keys it would refuse remain. Keys stored before stay
//! readable and deletable.

use std::io::Read;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use alexander_store::{
    At, Config, CopyMetadata, CopySource, Error, KEY_RULE_SETTING, ObjectMeta, PutOptions, Store,
    Versioning,
};

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        dir.path(),
        Config {
            gc_grace: Duration::ZERO,
            reserved_bytes: 0,
            ..Config::default()
        },
    )
    .unwrap();
    (dir, store)
}

fn put(store: &Store, bucket: &str, key: &str, body: &[u8]) -> alexander_store::Result<()> {
    store
        .put_object(bucket, key, body, PutOptions::default())
        .map(drop)
}

fn get(store: &Store, bucket: &str, key: &str) -> Vec<u8> {
    let mut out = Vec::new();
    store
        .get_object(bucket, key, At::Current, None)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Every current key of the bucket, in order.
fn keys(store: &Store, bucket: &str) -> Vec<String> {
    let page = store
        .list_objects(
            bucket,
            &alexander_store::ListQuery {
                max_keys: 1000,
                ..Default::default()
            },
        )
        .unwrap();
    page.objects.into_iter().map(|o| o.key).collect()
}

fn is_conflict(e: &Error, existing: &str) -> bool {
    matches!(e, Error::KeyConflict { existing: x, .. } if x == existing)
}

#[test]
fn a_key_that_is_not_a_path_is_refused_and_nothing_is_stored() {
    let (_d, s) = open();
    s.create_bucket("bkt").unwrap();
    for key in [
        "a//b",
        "/lead",
        "a/../b",
        ".",
        "..",
        "d/.versions/x",
        "x/./",
    ] {
        let e = put(&s, "bkt", key, b"data").unwrap_err();
        assert!(matches!(e, Error::KeyNotPath { .. }), "{key:?}: {e:?}");
    }
    assert!(keys(&s, "bkt").is_empty());
    assert_eq!(s.stats().unwrap().logical_bytes, 0);
}

#[test]
fn a_file_and_a_directory_of_one_name_conflict_in_both_orders() {
    let (_d, s) = open();
    s.create_bucket("bkt").unwrap();
    put(&s, "bkt", "a", b"file").unwrap();
    for under in ["a/b", "a/", "a/b/c"] {
        let e = put(&s, "bkt", under, b"").unwrap_err();
        assert!(is_conflict(&e, "a"), "{under:?}: {e:?}");
        assert!(e.to_string().contains("\"a\" is an object"), "{e}");
    }
    put(&s, "bkt", "d/e/f", b"deep").unwrap();
    for above in ["d", "d/e"] {
        let e = put(&s, "bkt", above, b"").unwrap_err();
        assert!(is_conflict(&e, "d/e/f"), "{above:?}: {e:?}");
    }
    // A directory marker is a directory too.
    put(&s, "bkt", "m/", b"").unwrap();
    let e = put(&s, "bkt", "m", b"").unwrap_err();
    assert!(is_conflict(&e, "m/"), "{e:?}");
    // Names that only share a prefix do not conflict.
    for key in ["ab", "a-b", "a.b/c", "d/e/fg", "d/e/f.txt", "mm/x"] {
        put(&s, "bkt", key, b"").unwrap_or_else(|e| panic!("{key:?}: {e}"));
    }
    // Overwriting a file, or a marker, is no conflict.
    put(&s, "bkt", "a", b"again").unwrap();
    put(&s, "bkt", "m/", b"").unwrap();
    assert_eq!(get(&s, "bkt", "a"), b"again");
}

#[test]
fn delete_markers_and_hidden_versions_are_not_files() {
    let (_d, s) = open();
    s.create_bucket("bkt").unwrap();
    s.set_versioning("bkt", Versioning::Enabled).unwrap();
    put(&s, "bkt", "a", b"old").unwrap();
    s.delete_object("bkt", "a", None).unwrap();
    // `a` is only a delete marker over a version now: `a/` is free.
    put(&s, "bkt", "a/b", b"child").unwrap();
    // And back: once `a/b` is deleted, `a` may be a file again.
    let e = put(&s, "bkt", "a", b"").unwrap_err();
    assert!(is_conflict(&e, "a/b"), "{e:?}");
    s.delete_object("bkt", "a/b", None).unwrap();
    put(&s, "bkt", "a", b"new").unwrap();
    assert_eq!(get(&s, "bkt", "a"), b"new");
}

#[test]
fn copy_rename_and_multipart_keep_the_rule() {
    let (_d, s) = open();
    s.create_bucket("bkt").unwrap();
    put(&s, "bkt", "src", b"source").unwrap();
    put(&s, "bkt", "file", b"a file").unwrap();
    let source = CopySource {
        bucket: "bkt",
        key: "src",
        at: At::Current,
    };
    let copy = |dst: &str| s.copy_object(source, "bkt", dst, CopyMetadata::Copy, None);
    assert!(matches!(copy("x//y"), Err(Error::KeyNotPath { .. })));
    assert!(is_conflict(&copy("file/inner").unwrap_err(), "file"));
    copy("dst/ok").unwrap();

    assert!(matches!(
        s.rename_object("bkt", "src", "../up", false),
        Err(Error::KeyNotPath { .. })
    ));
    assert!(is_conflict(
        &s.rename_object("bkt", "src", "file/inner", false)
            .unwrap_err(),
        "file"
    ));
    // A directory renamed under a file, and a file renamed onto a
    // directory's name, are refused too.
    assert!(is_conflict(
        &s.rename_prefix("bkt", "dst/", "file/", false).unwrap_err(),
        "file"
    ));
    assert!(is_conflict(
        &s.rename_object("bkt", "src", "dst", false).unwrap_err(),
        "dst/ok"
    ));
    // Nothing moved.
    assert_eq!(keys(&s, "bkt"), ["dst/ok", "file", "src"]);

    // Multipart: refused at create for a bad key or a conflict as things
    // stand, and checked again at completion.
    let e = s
        .create_multipart("bkt", "a//b", ObjectMeta::default())
        .unwrap_err();
    assert!(matches!(e, Error::KeyNotPath { .. }), "{e:?}");
    let e = s
        .create_multipart("bkt", "file/part", ObjectMeta::default())
        .unwrap_err();
    assert!(is_conflict(&e, "file"), "{e:?}");
    let upload = s
        .create_multipart("bkt", "later", ObjectMeta::default())
        .unwrap();
    let part = s
        .put_part("bkt", "later", &upload, 1, &b"part"[..])
        .unwrap();
    put(&s, "bkt", "later/child", b"raced").unwrap();
    let e = s
        .complete_multipart("bkt", "later", &upload, &[(1, part.etag.clone())], 0)
        .unwrap_err();
    assert!(is_conflict(&e, "later/child"), "{e:?}");
    // The upload is kept: once the conflict is gone it completes.
    s.delete_object("bkt", "later/child", None).unwrap();
    s.complete_multipart("bkt", "later", &upload, &[(1, part.etag)], 0)
        .unwrap();
    assert_eq!(get(&s, "bkt", "later"), b"part");
}

#[test]
fn racing_writers_of_a_file_and_a_directory_cannot_both_win() {
    let (_d, s) = open();
    s.create_bucket("bkt").unwrap();
    for round in 0..24 {
        let file = format!("r{round}");
        let child = format!("r{round}/child");
        let barrier = Arc::new(Barrier::new(2));
        let writer = |key: String| {
            let (s, barrier) = (s.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                put(&s, "bkt", &key, b"x")
            })
        };
        let (a, b) = (writer(file.clone()), writer(child.clone()));
        let (a, b) = (a.join().unwrap(), b.join().unwrap());
        assert!(
            a.is_ok() != b.is_ok(),
            "round {round}: exactly one wins: {a:?} {b:?}"
        );
        let loser = a.err().or(b.err()).unwrap();
        assert!(matches!(loser, Error::KeyConflict { .. }), "{loser:?}");
        let stored = keys(&s, "bkt")
            .into_iter()
            .filter(|k| *k == file || *k == child)
            .count();
        assert_eq!(stored, 1, "round {round}");
    }
}

#[test]
fn a_bucket_that_takes_any_key_and_back() {
    let (_d, s) = open();
    s.create_bucket("bkt").unwrap();
    assert!(s.head_bucket("bkt").unwrap().keeps_path_rule());
    let info = s.set_path_rule("bkt", false).unwrap();
    assert!(!info.keeps_path_rule());
    let odd = ["a//b", "/lead", "x/../y", "f", "f/g", ".versions", "z/./w"];
    for key in odd {
        put(&s, "bkt", key, key.as_bytes()).unwrap_or_else(|e| panic!("{key:?}: {e}"));
    }
    // On again is refused while they remain, naming the first few.
    let e = s.set_path_rule("bkt", true).unwrap_err();
    let message = e.to_string();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    for named in [
        "\".versions\"",
        "\"/lead\"",
        "\"a//b\"",
        "\"f/g\" is under \"f\"",
        "\"x/../y\"",
    ] {
        assert!(message.contains(named), "{named} in {message}");
    }
    // Six offend; five are named.
    assert!(!message.contains("z/./w"), "{message}");
    assert!(message.contains("and more"), "{message}");
    assert!(!s.head_bucket("bkt").unwrap().keeps_path_rule());
    // Every one of them reads and deletes.
    for key in odd {
        assert_eq!(get(&s, "bkt", key), key.as_bytes());
    }
    for key in ["a//b", "/lead", "x/../y", "f", ".versions", "z/./w"] {
        s.delete_object("bkt", key, None).unwrap();
    }
    assert_eq!(keys(&s, "bkt"), ["f/g"]);
    assert!(s.set_path_rule("bkt", true).unwrap().keeps_path_rule());
    assert_eq!(get(&s, "bkt", "f/g"), b"f/g");
    assert!(put(&s, "bkt", "a//b", b"").is_err());
}

#[test]
fn keys_stored_before_the_rule_stay_readable_and_deletable() {
    let (_d, s) = open();
    s.create_bucket("bkt").unwrap();
    s.set_path_rule("bkt", false).unwrap();
    put(&s, "bkt", "old//key", b"legacy").unwrap();
    put(&s, "bkt", "old", b"file").unwrap();
    // What a store from before the rule looks like: the setting gone,
    // with the keys still there.
    s.set_bucket_setting("bkt", KEY_RULE_SETTING, None).unwrap();
    assert!(s.head_bucket("bkt").unwrap().keeps_path_rule());
    assert_eq!(get(&s, "bkt", "old//key"), b"legacy");
    s.head_object("bkt", "old//key", At::Current).unwrap();
    // Writing either again is refused; deleting them works.
    assert!(put(&s, "bkt", "old//key", b"").is_err());
    assert!(put(&s, "bkt", "old", b"").is_err());
    s.delete_object("bkt", "old//key", None).unwrap();
    s.delete_object("bkt", "old", None).unwrap();
    assert!(keys(&s, "bkt").is_empty());
}
