//! Keys written over S3 and the mount: every key a bucket keeping the path
//! rule takes is visible and removable through the mount, the mount's own
//! names are keys the rule takes, and a bucket that takes any key is not in
//! the mount at all.

use crate::common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use alexander_fuse::{MountOptions, mount};
use alexander_store::{ListQuery, PutOptions, Store, VersionQuery, check_path_key};

fn errno(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

/// Every path under `dir`, relative to it, directories with a trailing
/// `/`, read through the mount.
fn walk(dir: &Path) -> BTreeSet<String> {
    fn go(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            if e.file_type().unwrap().is_dir() {
                out.insert(format!("{rel}/"));
                go(root, &e.path(), out);
            } else {
                out.insert(rel);
            }
        }
    }
    let mut out = BTreeSet::new();
    go(dir, dir, &mut out);
    out
}

/// Every current key of a bucket, and whether any version or marker is left.
fn stored(store: &Store, bucket: &str) -> (Vec<String>, bool) {
    let page = store
        .list_objects(
            bucket,
            &ListQuery {
                max_keys: 1000,
                ..ListQuery::default()
            },
        )
        .unwrap();
    let versions = store
        .list_versions(
            bucket,
            &VersionQuery {
                max_keys: 1000,
                ..VersionQuery::default()
            },
        )
        .unwrap();
    let any_version = !versions.versions.is_empty();
    (
        page.objects.into_iter().map(|o| o.key).collect(),
        any_version,
    )
}

#[test]
fn every_key_written_over_s3_shows_and_rm_r_empties_the_bucket() {
    let s = mounted!();
    s.store.create_bucket("shown").unwrap();
    let keys = [
        "top.txt",
        ".bashrc",
        "..foo",
        "...",
        "dir/",
        "dir/a",
        "dir/sub/b",
        "dir/.hidden/c",
        "marker-only/",
        "deep/x/.snapshots/y",
        "spaced name/ü 🦀.txt",
        "pct%41/100%",
        &"n".repeat(255),
    ];
    for key in keys {
        s.store
            .put_object("shown", key, key.as_bytes(), PutOptions::default())
            .unwrap_or_else(|e| panic!("{key:?}: {e}"));
    }
    let bucket = s.path().join("shown");
    let seen = walk(&bucket);
    for key in keys {
        assert!(seen.contains(key), "{key:?} not in {seen:?}");
        if !key.ends_with('/') {
            assert_eq!(
                fs::read(bucket.join(key)).unwrap(),
                key.as_bytes(),
                "{key:?}"
            );
        }
    }
    // rm -r of everything in the bucket leaves nothing behind over S3.
    for e in fs::read_dir(&bucket).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            fs::remove_dir_all(&p).unwrap();
        } else {
            fs::remove_file(&p).unwrap();
        }
    }
    assert!(walk(&bucket).is_empty());
    assert_eq!(stored(&s.store, "shown"), (Vec::new(), false));
    fs::remove_dir(&bucket).unwrap();
    assert!(s.store.head_bucket("shown").is_err());
}

#[test]
fn names_the_mount_makes_are_keys_the_rule_takes() {
    let s = mounted!();
    let bucket = s.path().join("made");
    fs::create_dir(&bucket).unwrap();
    let longest = "l".repeat(255);
    for name in [
        ".bashrc",
        "..foo",
        "...",
        "with space",
        "ünïcødé 🦀",
        "100%",
        "%2F",
        longest.as_str(),
    ] {
        fs::write(bucket.join(name), name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        let dir = if name.len() < 255 {
            format!("d{name}")
        } else {
            format!("d{}", &name[1..])
        };
        fs::create_dir(bucket.join(&dir)).unwrap_or_else(|e| panic!("mkdir {dir:?}: {e}"));
    }
    fs::create_dir_all(bucket.join("a/b/c")).unwrap();
    fs::write(bucket.join("a/b/c/f"), b"f").unwrap();
    fs::rename(bucket.join("a/b"), bucket.join("a/renamed")).unwrap();
    fs::rename(bucket.join("..foo"), bucket.join("a/renamed/..bar")).unwrap();
    // Names the rule would refuse cannot be made through the mount.
    let too_long = "t".repeat(256);
    assert_eq!(
        errno(&fs::write(bucket.join(&too_long), b"x").unwrap_err()),
        libc::ENAMETOOLONG
    );
    assert_eq!(
        errno(&fs::create_dir(bucket.join(&too_long)).unwrap_err()),
        libc::ENAMETOOLONG
    );
    // So can the names of the history folders.
    assert!(fs::write(bucket.join(".versions"), b"x").is_err());
    assert!(fs::write(bucket.join(".snapshots"), b"x").is_err());
    assert!(fs::write(bucket.join("a/.versions"), b"x").is_err());
    let (keys, _) = stored(&s.store, "made");
    for key in &keys {
        assert!(check_path_key(key).is_ok(), "{key:?}");
    }
    assert!(keys.contains(&"a/renamed/c/f".to_owned()), "{keys:?}");
    assert!(keys.contains(&"a/renamed/..bar".to_owned()), "{keys:?}");
    assert!(keys.contains(&longest), "{keys:?}");
}

#[test]
fn a_bucket_that_takes_any_key_is_not_in_the_mount() {
    let s = mounted!();
    s.store.create_bucket("posix-keys").unwrap();
    s.store.create_bucket("any-keys").unwrap();
    s.store.set_path_rule("any-keys", false).unwrap();
    s.store
        .put_object("any-keys", "a//b", &b"odd"[..], PutOptions::default())
        .unwrap();
    let names: Vec<String> = fs::read_dir(s.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["posix-keys"]);
    let hidden = s.path().join("any-keys");
    assert_eq!(errno(&fs::metadata(&hidden).unwrap_err()), libc::ENOENT);
    assert_eq!(errno(&fs::read_dir(&hidden).unwrap_err()), libc::ENOENT);
    // Its name is taken all the same.
    assert_eq!(errno(&fs::create_dir(&hidden).unwrap_err()), libc::EEXIST);
    // With the odd key gone and the rule on again, it shows.
    s.store.delete_object("any-keys", "a//b", None).unwrap();
    s.store.set_path_rule("any-keys", true).unwrap();
    s.store
        .put_object("any-keys", "f", &b"x"[..], PutOptions::default())
        .unwrap();
    assert_eq!(fs::read(hidden.join("f")).unwrap(), b"x");

    // A mount of that one bucket is refused while it takes any key.
    s.store.set_path_rule("any-keys", false).unwrap();
    let at = tempfile::tempdir().unwrap();
    let options = MountOptions {
        bucket: Some("any-keys".to_owned()),
        ..MountOptions::default()
    };
    let e = mount(s.store.clone(), at.path(), options).err().unwrap();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("takes any key"), "{e}");
}
