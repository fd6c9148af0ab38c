//! The mount acts as one S3 user and shows what S3's bucket access rule
//! lets that user read and write; with `allow_other`, the modes it shows
//! grant other local users no more than the bucket's ACL grants anonymous
//! S3 callers.

use crate::common::{self, MountedSession};

use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use alexander_fuse::MountOptions;
use alexander_store::access::{ACL_SETTING, OWNER_SETTING, ObjectAcl};
use alexander_store::{At, Config, ObjectMeta, PutOptions, Store};

fn errno(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

/// A bucket owned by `owner` with canned ACL `acl`, holding `key`.
fn bucket(store: &Store, name: &str, owner: &str, acl: Option<&str>, key: &str, body: &[u8]) {
    let mut settings = std::collections::BTreeMap::new();
    settings.insert(OWNER_SETTING.to_owned(), owner.to_owned());
    if let Some(acl) = acl {
        settings.insert(ACL_SETTING.to_owned(), acl.to_owned());
    }
    store.create_bucket_with(name, settings).unwrap();
    put_with_mode(store, name, key, body, None);
}

fn put_with_mode(store: &Store, bucket: &str, key: &str, body: &[u8], mode: Option<u32>) {
    put_with(store, bucket, key, body, mode, ObjectAcl::Private);
}

/// Puts `bucket/key` with this mode and object ACL.
fn put_with(
    store: &Store,
    bucket: &str,
    key: &str,
    body: &[u8],
    mode: Option<u32>,
    acl: ObjectAcl,
) {
    let mut meta = ObjectMeta::default();
    meta.attrs.mode = mode;
    acl.store_in(&mut meta);
    store
        .put_object(
            bucket,
            key,
            body,
            PutOptions {
                meta,
                ..PutOptions::default()
            },
        )
        .unwrap();
}

/// The current bytes of `bucket/key`, read from the store.
fn stored(store: &Store, bucket: &str, key: &str) -> Vec<u8> {
    let mut out = Vec::new();
    store
        .get_object(bucket, key, At::Current, None)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn listed(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// alice's bucket, bob's public-read one and bob's private one. The
/// public-read bucket lets others list it, not read its objects: its
/// `readme.txt` is public-read itself, its `private.txt` is not, and its
/// `members.txt` is authenticated-read.
fn three_buckets(store: &Store) {
    bucket(store, "alice-own", "alice", None, "mine.txt", b"alice's");
    bucket(
        store,
        "bob-public",
        "bob",
        Some("public-read"),
        "private.txt",
        b"bob's own",
    );
    let public = ObjectAcl::PublicRead;
    put_with(store, "bob-public", "readme.txt", b"for all", None, public);
    let members = ObjectAcl::AuthenticatedRead;
    put_with(store, "bob-public", "members.txt", b"users", None, members);
    bucket(store, "bob-private", "bob", None, "secret.txt", b"bob only");
}

fn mount_as(user: &str, allow_other: bool, prepare: impl FnOnce(&Store)) -> Option<MountedSession> {
    let options = MountOptions {
        ttl: Duration::ZERO,
        user: user.to_owned(),
        allow_other,
        ..MountOptions::default()
    };
    // In /tmp: other local users must reach the mount point.
    MountedSession::with_in(Path::new("/tmp"), Config::default(), options, prepare)
}

#[test]
fn a_mount_shows_what_its_user_may_reach() {
    let Some(s) = mount_as("alice", false, three_buckets) else {
        return;
    };
    let m = s.path();
    assert_eq!(listed(m), ["alice-own", "bob-public"]);

    // Bob's private bucket is not there, by any path.
    for p in [
        m.join("bob-private"),
        m.join("bob-private/secret.txt"),
        m.join("bob-private/.snapshots"),
    ] {
        assert_eq!(
            errno(&fs::metadata(&p).unwrap_err()),
            libc::ENOENT,
            "{}",
            p.display()
        );
    }
    assert_eq!(
        errno(&fs::read_dir(m.join("bob-private")).unwrap_err()),
        libc::ENOENT
    );
    assert_eq!(
        errno(&fs::read(m.join("bob-private/secret.txt")).unwrap_err()),
        libc::ENOENT
    );
    // Nor can alice take its name.
    assert_eq!(
        errno(&fs::create_dir(m.join("bob-private")).unwrap_err()),
        libc::EEXIST
    );

    // Bob's public-read bucket lists, reads what the objects' ACLs let
    // alice read, and refuses every change.
    let public = m.join("bob-public");
    assert_eq!(fs::read(public.join("readme.txt")).unwrap(), b"for all");
    assert_eq!(
        listed(&public),
        ["members.txt", "private.txt", "readme.txt"]
    );
    let shown = fs::metadata(public.join("readme.txt")).unwrap().mode();
    assert_eq!(shown & 0o222, 0, "read-only: no write bits ({shown:o})");
    let denied = |r: std::io::Result<()>, what: &str| {
        assert_eq!(errno(&r.unwrap_err()), libc::EACCES, "{what}");
    };
    denied(fs::write(public.join("readme.txt"), b"x"), "overwrite");
    denied(fs::write(public.join("private.txt"), b"x"), "overwrite");
    denied(fs::write(public.join("new.txt"), b"x"), "create");
    denied(fs::remove_file(public.join("readme.txt")), "unlink");
    denied(fs::create_dir(public.join("d")), "mkdir");
    denied(
        fs::rename(public.join("readme.txt"), public.join("moved.txt")),
        "rename",
    );
    denied(
        fs::set_permissions(public.join("readme.txt"), fs::Permissions::from_mode(0o600)),
        "chmod",
    );
    denied(
        fs::set_permissions(&public, fs::Permissions::from_mode(0o700)),
        "chmod of the bucket",
    );
    denied(fs::create_dir(public.join(".snapshots/s1")), "a snapshot");
    denied(fs::remove_dir(&public), "rmdir of the bucket");
    assert_eq!(
        stored(&s.store, "bob-public", "readme.txt"),
        b"for all",
        "nothing changed"
    );
    assert!(s.store.list_snapshots("bob-public").unwrap().is_empty());

    // Her own bucket is hers: writes, snapshots, settings.
    let own = m.join("alice-own");
    fs::write(own.join("new.txt"), b"written").unwrap();
    assert_eq!(stored(&s.store, "alice-own", "new.txt"), b"written");
    fs::create_dir(own.join(".snapshots/s1")).unwrap();
    fs::set_permissions(&own, fs::Permissions::from_mode(0o750)).unwrap();
    assert_eq!(fs::metadata(&own).unwrap().mode() & 0o7777, 0o750);
    // A bucket made at the root is hers.
    fs::create_dir(m.join("alice-new")).unwrap();
    let made = s.store.head_bucket("alice-new").unwrap();
    assert_eq!(made.settings.get(OWNER_SETTING).unwrap(), "alice");
    fs::remove_dir(m.join("alice-new")).unwrap();

    // ACL and owner changes hold at once, without a remount.
    s.store
        .set_bucket_setting("bob-private", ACL_SETTING, Some("public-read"))
        .unwrap();
    assert_eq!(listed(m), ["alice-own", "bob-private", "bob-public"]);
    assert_eq!(listed(&m.join("bob-private")), ["secret.txt"]);
    // Listed, not read: the object is private (before, a public-read
    // bucket read every object).
    assert_eq!(
        errno(&fs::read(m.join("bob-private/secret.txt")).unwrap_err()),
        libc::EACCES
    );
    s.store
        .set_bucket_setting("bob-public", ACL_SETTING, Some("public-read-write"))
        .unwrap();
    fs::write(public.join("new.txt"), b"now allowed").unwrap();
    s.store
        .set_bucket_setting("bob-public", ACL_SETTING, None)
        .unwrap();
    assert_eq!(
        errno(&fs::read(public.join("new.txt")).unwrap_err()),
        libc::ENOENT,
        "private again"
    );
    s.store
        .set_bucket_setting("bob-public", OWNER_SETTING, Some("alice"))
        .unwrap();
    // Now hers: she reads every object in it.
    assert_eq!(fs::read(public.join("private.txt")).unwrap(), b"bob's own");
    fs::remove_file(public.join("new.txt")).unwrap();
    assert_eq!(listed(m), ["alice-own", "bob-private", "bob-public"]);
}

/// A bucket's ACL lets the mount's user list it, not read its files: a
/// file reads only when the bucket is the user's or the file's own ACL
/// grants it read, as GetObject over S3 answers.
#[test]
fn a_public_bucket_lists_and_its_files_read_by_their_acl() {
    let Some(s) = mount_as("alice", false, |store| {
        three_buckets(store);
        bucket(
            store,
            "bob-shared",
            "bob",
            Some("public-read-write"),
            "f",
            b"bob's",
        );
    }) else {
        return;
    };
    let public = s.path().join("bob-public");
    let private = public.join("private.txt");
    // Listed and stat'ed, with no read bit to show it may not be read.
    let meta = fs::metadata(&private).unwrap();
    assert_eq!(meta.len(), 9);
    assert_eq!(meta.mode() & 0o444, 0, "no read bits ({:o})", meta.mode());
    assert_eq!(
        errno(&fs::File::open(&private).unwrap_err()),
        libc::EACCES,
        "open of a private object"
    );
    assert_eq!(errno(&fs::read(&private).unwrap_err()), libc::EACCES);
    // Its user attributes are its metadata: their values are not shown.
    let mut buf = [0u8; 16];
    let got = rustix::fs::getxattr(&private, "user.x", &mut buf[..]);
    assert_eq!(got.unwrap_err(), rustix::io::Errno::ACCESS);
    // Names, like the name of the file, are listing.
    rustix::fs::listxattr(&private, &mut buf[..]).unwrap();
    // public-read and authenticated-read (the mount's user is
    // authenticated) read, and show their read bits.
    assert_eq!(fs::read(public.join("readme.txt")).unwrap(), b"for all");
    assert_eq!(fs::read(public.join("members.txt")).unwrap(), b"users");
    let shown = fs::metadata(public.join("members.txt")).unwrap().mode();
    assert_eq!(shown & 0o444, 0o444, "{shown:o}");

    // public-read-write: alice writes (as today), reading what she may not
    // read is still refused, what she wrote included (it is bob's,
    // private).
    let shared = s.path().join("bob-shared");
    assert_eq!(
        errno(&fs::read(shared.join("f")).unwrap_err()),
        libc::EACCES
    );
    fs::write(shared.join("f"), b"alice's").unwrap();
    assert_eq!(stored(&s.store, "bob-shared", "f"), b"alice's");
    fs::write(shared.join("new"), b"new").unwrap();
    assert_eq!(stored(&s.store, "bob-shared", "new"), b"new");
    assert_eq!(
        errno(&fs::read(shared.join("new")).unwrap_err()),
        libc::EACCES
    );
    // A read-write open reads: refused too, and nothing changes.
    let rw = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(shared.join("f"));
    assert_eq!(errno(&rw.unwrap_err()), libc::EACCES);
    assert_eq!(stored(&s.store, "bob-shared", "f"), b"alice's");
}

#[test]
fn a_root_mount_shows_every_bucket() {
    let Some(s) = mount_as("root", false, three_buckets) else {
        return;
    };
    assert_eq!(listed(s.path()), ["alice-own", "bob-private", "bob-public"]);
    let secret = s.path().join("bob-private/secret.txt");
    assert_eq!(fs::read(&secret).unwrap(), b"bob only");
    fs::write(&secret, b"root may").unwrap();
    // Nothing is masked: the modes shown are those stored.
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o664)).unwrap();
    assert_eq!(fs::metadata(&secret).unwrap().mode() & 0o7777, 0o664);
}

#[test]
fn a_single_bucket_mount_needs_read_access() {
    let options = |bucket: &str| MountOptions {
        ttl: Duration::ZERO,
        user: "alice".into(),
        bucket: Some(bucket.into()),
        ..MountOptions::default()
    };
    let Some(s) = MountedSession::with(Config::default(), options("bob-public"), three_buckets)
    else {
        return;
    };
    assert_eq!(fs::read(s.path().join("readme.txt")).unwrap(), b"for all");
    assert_eq!(
        errno(&fs::write(s.path().join("x"), b"x").unwrap_err()),
        libc::EACCES
    );
    let elsewhere = tempfile::TempDir::new().unwrap();
    let err = alexander_fuse::mount(s.store.clone(), elsewhere.path(), options("bob-private"))
        .err()
        .expect("alice may not mount bob's private bucket");
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied, "{err}");
}

/// `nobody` and `nogroup` on Debian.
const NOBODY: u32 = 65534;

/// Runs `cat FILE` as `nobody`, in no group but `nogroup` (root's groups
/// would otherwise stay with it); its output, or the error it printed.
fn cat_as_nobody(setpriv: &Path, file: &Path) -> Result<Vec<u8>, String> {
    let out = Command::new(setpriv)
        .args([
            format!("--reuid={NOBODY}"),
            format!("--regid={NOBODY}"),
            "--clear-groups".into(),
            "cat".into(),
        ])
        .arg(file)
        .output()
        .expect("run cat");
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn with_allow_other_modes_grant_no_more_than_the_acl() {
    let setpriv = tool!("setpriv", &["--version"]);
    let Some(s) = mount_as("root", true, |store| {
        three_buckets(store);
        bucket(
            store,
            "bob-shared",
            "bob",
            Some("public-read-write"),
            "f",
            b"rw",
        );
        put_with_mode(store, "bob-private", "wide.txt", b"wide", Some(0o100_666));
        put_with_mode(store, "bob-public", "wide.txt", b"wide", Some(0o100_777));
        put_with_mode(store, "bob-shared", "wide.txt", b"wide", Some(0o100_666));
    }) else {
        return;
    };
    let m = s.path();
    let mode = |p: &str| fs::metadata(m.join(p)).unwrap().mode() & 0o7777;
    // Nothing for others in a private bucket.
    assert_eq!(mode("bob-private"), 0o700);
    assert_eq!(mode("bob-private/secret.txt"), 0o600);
    assert_eq!(mode("bob-private/wide.txt"), 0o600);
    // At most r (and x on directories) in a public-read one, and r on a
    // file only when its own ACL lets anonymous callers read it.
    assert_eq!(mode("bob-public"), 0o755);
    assert_eq!(mode("bob-public/readme.txt"), 0o644);
    assert_eq!(mode("bob-public/members.txt"), 0o600);
    assert_eq!(mode("bob-public/wide.txt"), 0o700);
    // What is stored in a public-read-write one, the directory local users
    // share.
    assert_eq!(mode("bob-shared/wide.txt"), 0o666);
    // The root lists nothing to others; they reach buckets by name.
    assert_eq!(mode(""), 0o711);
    // What is stored does not change.
    let kept = s.store.head_object("bob-private", "wide.txt", At::Current);
    assert_eq!(kept.unwrap().meta.attrs.mode, Some(0o100_666));

    // Another local user reads what anonymous S3 callers may, no more.
    assert_eq!(
        cat_as_nobody(&setpriv, &m.join("bob-public/readme.txt")).unwrap(),
        b"for all"
    );
    let refused = cat_as_nobody(&setpriv, &m.join("bob-private/secret.txt")).unwrap_err();
    assert!(refused.contains("Permission denied"), "{refused}");
    let refused = cat_as_nobody(&setpriv, &m.join("bob-private/wide.txt")).unwrap_err();
    assert!(refused.contains("Permission denied"), "{refused}");
    let refused = cat_as_nobody(&setpriv, &m.join("bob-public/wide.txt")).unwrap_err();
    assert!(refused.contains("Permission denied"), "{refused}");
    // A bucket turned private is closed to them at once.
    s.store
        .set_bucket_setting("bob-public", ACL_SETTING, None)
        .unwrap();
    let refused = cat_as_nobody(&setpriv, &m.join("bob-public/readme.txt")).unwrap_err();
    assert!(refused.contains("Permission denied"), "{refused}");
}

#[test]
fn the_mount_is_nosuid_and_nodev() {
    let s = mounted!();
    let at = s.path().to_str().unwrap().to_owned();
    let mounts = fs::read_to_string("/proc/self/mounts").unwrap();
    let line = mounts
        .lines()
        .find(|l| l.split(' ').nth(1) == Some(at.as_str()))
        .unwrap_or_else(|| panic!("{at} is not in /proc/self/mounts"));
    let options: Vec<&str> = line.split(' ').nth(3).unwrap().split(',').collect();
    for needed in ["nosuid", "nodev"] {
        assert!(options.contains(&needed), "{needed} missing: {line}");
    }
}
