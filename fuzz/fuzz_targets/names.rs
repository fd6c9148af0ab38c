//! Names from hostile input: the store's validators for object keys,
//! bucket names and snapshot names, and the mount's turning of a kernel
//! name into a key segment and of paths into keys.
//!
//! Each validator that accepts a name must accept only what its rule says
//! (checked here independently); a name the mount accepts joins onto a
//! directory path and splits back off it unchanged.
//!
//! Input: a selector byte, then the name (any bytes).

#![no_main]

use alexander_fuse::fs::check_name;
use alexander_fuse::inode::{dir_prefix, join, parent_of};
use alexander_store::{MAX_KEY_LEN, validate_bucket_name, validate_key, validate_snapshot_name};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: alexander_fuzz::CappedAlloc = alexander_fuzz::CappedAlloc;

fuzz_target!(|input: &[u8]| {
    let Some((&selector, name)) = input.split_first() else {
        return;
    };
    if let Ok(segment) = check_name(name) {
        assert!(!segment.is_empty() && segment != "." && segment != "..");
        assert!(!segment.contains('/') && !segment.contains('\0'));
        assert!(segment.len() <= 255);
        // Its place under a directory, chosen by the selector.
        let parent = ["", "a", "a/b", "dir with space/x"][usize::from(selector % 4)];
        let path = join(parent, segment);
        assert_eq!(parent_of(&path), parent);
        assert_eq!(path.rsplit('/').next(), Some(segment));
        let prefix = dir_prefix(&path);
        assert!(prefix.ends_with('/') && prefix.starts_with(&path));
    }
    let Ok(text) = std::str::from_utf8(name) else {
        return;
    };
    if validate_key(text).is_ok() {
        assert!(!text.is_empty() && text.len() <= MAX_KEY_LEN && !text.contains('\0'));
    }
    if validate_bucket_name(text).is_ok() {
        assert!((3..=63).contains(&text.len()));
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        );
        assert!(!text.contains(".."));
    }
    if validate_snapshot_name(text).is_ok() {
        assert!(!text.is_empty() && text.len() <= 255 && !text.contains('/'));
        assert!(text != "." && text != "..");
    }
});
