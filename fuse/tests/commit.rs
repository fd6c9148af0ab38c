//! When a file written through the mount becomes a version: at the close by
//! the process that wrote it (or an fsync), not at a close by a child that
//! inherited the descriptor, and exactly once.

use crate::common;

use std::fs::{self, File};
use std::io::{Read, Write};
use std::process::Command;

use alexander_store::{At, VersionQuery, Versioning};

#[test]
fn a_child_closing_an_inherited_descriptor_commits_nothing() {
    let s = mounted!();
    let b = s.path().join("commits");
    fs::create_dir(&b).unwrap();
    s.store
        .set_versioning("commits", Versioning::Enabled)
        .unwrap();
    let data = common::noise(3 << 20, 5);
    let mut f = File::create(b.join("f")).unwrap();
    f.write_all(&data[..1 << 20]).unwrap();
    // A fork and exec closes the child's copy of every O_CLOEXEC
    // descriptor: the kernel sends a flush for it.
    for _ in 0..3 {
        assert!(Command::new("true").status().unwrap().success());
    }
    assert!(
        s.store.head_object("commits", "f", At::Current).is_err(),
        "a child's close committed a partial file"
    );
    f.write_all(&data[1 << 20..]).unwrap();
    drop(f);
    let mut got = Vec::new();
    s.store
        .get_object("commits", "f", At::Current, None)
        .unwrap()
        .read_to_end(&mut got)
        .unwrap();
    assert!(got == data, "{} bytes committed", got.len());
    let versions = s
        .store
        .list_versions(
            "commits",
            &VersionQuery {
                prefix: "f".into(),
                max_keys: 10,
                ..VersionQuery::default()
            },
        )
        .unwrap();
    assert_eq!(versions.versions.len(), 1, "one close, one version");
    // The whole file streamed: a mount-written version, with the chunk-id
    // ETag and the CRC64NVME of its bytes.
    let info = s.store.head_object("commits", "f", At::Current).unwrap();
    common::assert_mount_written(&info, &data);
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn files_not_yet_committed_are_listed_and_keep_their_directory() {
    let s = mounted!();
    let d = s.path().join("pending/dir");
    fs::create_dir(s.path().join("pending")).unwrap();
    fs::create_dir(&d).unwrap();
    fs::write(d.join("b-committed"), b"done").unwrap();
    // Created, nothing written yet; created and streaming; created and
    // written out of order (an overlay).
    let empty = File::create(d.join("a-empty")).unwrap();
    let mut streaming = File::create(d.join("c-streaming")).unwrap();
    streaming.write_all(&common::noise(100_000, 1)).unwrap();
    let sparse = File::create(d.join("d-sparse")).unwrap();
    std::os::unix::fs::FileExt::write_all_at(&sparse, b"far", 5000).unwrap();
    let all = ["a-empty", "b-committed", "c-streaming", "d-sparse"];
    assert_eq!(names(&d), all);
    assert!(
        s.store
            .head_object("pending", "dir/a-empty", At::Current)
            .is_err()
    );
    // Its directory is not empty while they are open.
    fs::remove_file(d.join("b-committed")).unwrap();
    assert_eq!(
        fs::remove_dir(&d).unwrap_err().raw_os_error(),
        Some(libc::ENOTEMPTY)
    );
    drop((empty, streaming, sparse));
    assert_eq!(names(&d), ["a-empty", "c-streaming", "d-sparse"]);
    assert_eq!(fs::metadata(d.join("d-sparse")).unwrap().len(), 5003);
}
