//! The inode table: inode number ↔ (bucket, view, path), with the kernel's
//! lookup counts.
//!
//! A number, once given to a path, stays with it for the life of the mount
//! (renames carry it along), so `find`, `du` and rsync see stable inodes.
//! Paths are kept without a trailing slash: `""` is a bucket's root, `a/b`
//! is either the object `a/b` or the directory `a/b/`, as [`Kind`] says.
//! An entry goes when the kernel forgets its last lookup.

use std::collections::{BTreeMap, HashMap};

/// Inode number of the mount root (FUSE's `FUSE_ROOT_ID`).
pub const ROOT_INO: u64 = 1;

/// What an inode is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
    Symlink,
}

/// Which state of a bucket an inode shows. Only [`View::Live`] can change;
/// the others are the read-only history folders (`fs/history.rs`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum View {
    /// The bucket as it is now.
    Live,
    /// `.snapshots` at a bucket's root (path `""`): one folder a snapshot.
    Snapshots,
    /// The bucket as snapshot NAME saw it; the path is the path in the
    /// bucket (`""` for the snapshot's root).
    Snapshot(String),
    /// `.versions` of the directory at the path: one folder a file.
    Versions,
    /// The folder of the past versions of the file at the path.
    VersionsOf,
    /// One version (by version id) of the file at the path.
    Version(String),
}

/// Where an inode lives in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Empty for the mount root.
    pub bucket: String,
    /// Empty for the mount root and a bucket's root.
    pub path: String,
    pub kind: Kind,
    pub view: View,
}

impl Node {
    /// The root of the mount.
    pub fn is_root(&self) -> bool {
        self.bucket.is_empty()
    }

    /// Whether the node shows the bucket as it is now (and can change).
    pub fn is_live(&self) -> bool {
        self.view == View::Live
    }

    /// The store key of the object this node is: the path for a file, the
    /// path plus `/` (the marker or common prefix) for a directory.
    pub fn key(&self) -> String {
        match self.kind {
            Kind::Dir => dir_prefix(&self.path),
            Kind::File | Kind::Symlink => self.path.clone(),
        }
    }
}

/// The key prefix of the directory at `path` (`""` for a bucket's root).
pub fn dir_prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    }
}

/// The path of `name` in the directory at `parent`.
pub fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}/{name}")
    }
}

/// The directory path holding `path`.
pub fn parent_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

struct Entry {
    node: Node,
    lookups: u64,
    /// The hard-link group of a file with several names (`Links::group`).
    group: Option<u64>,
    /// Its other live paths, for a file with several names: `node.path`
    /// is one of them, and any can stand in when it goes.
    aliases: Vec<String>,
}

impl Entry {
    fn new(node: Node, lookups: u64) -> Entry {
        Entry {
            node,
            lookups,
            group: None,
            aliases: Vec::new(),
        }
    }
}

/// The table. Not thread-safe by itself: the core keeps it under a mutex.
pub struct InodeTable {
    by_ino: HashMap<u64, Entry>,
    /// Ordered, so that a directory's descendants are one range (see
    /// [`InodeTable::rename`]).
    by_path: BTreeMap<(String, View, String), u64>,
    /// The inode of each hard-link group the table holds, by bucket.
    by_group: HashMap<(String, u64), u64>,
    next: u64,
}

impl Default for InodeTable {
    fn default() -> Self {
        InodeTable::new(None)
    }
}

impl InodeTable {
    /// A table whose root is the mount root listing buckets, or, given
    /// `root_bucket`, that bucket (a one-bucket mount).
    pub fn new(root_bucket: Option<&str>) -> InodeTable {
        let mut t = InodeTable {
            by_ino: HashMap::new(),
            by_path: BTreeMap::new(),
            by_group: HashMap::new(),
            next: ROOT_INO + 1,
        };
        let bucket = root_bucket.unwrap_or_default().to_owned();
        if !bucket.is_empty() {
            t.by_path
                .insert((bucket.clone(), View::Live, String::new()), ROOT_INO);
        }
        let root = Node {
            bucket,
            path: String::new(),
            kind: Kind::Dir,
            view: View::Live,
        };
        // The root is never forgotten.
        t.by_ino.insert(ROOT_INO, Entry::new(root, 1));
        t
    }

    /// The node of an inode number.
    pub fn get(&self, ino: u64) -> Option<Node> {
        self.by_ino.get(&ino).map(|e| e.node.clone())
    }

    /// The inode of a live path, if it has one.
    pub fn find(&self, bucket: &str, path: &str) -> Option<u64> {
        self.find_in(&View::Live, bucket, path)
    }

    /// The inode of a path in a view, if it has one.
    pub fn find_in(&self, view: &View, bucket: &str, path: &str) -> Option<u64> {
        if bucket.is_empty() {
            return Some(ROOT_INO);
        }
        self.by_path
            .get(&(bucket.to_owned(), view.clone(), path.to_owned()))
            .copied()
    }

    /// The inode of a live path, created if needed, with its kind brought up
    /// to date; `lookup` counts one kernel reference.
    pub fn intern(&mut self, bucket: &str, path: &str, kind: Kind, lookup: bool) -> u64 {
        self.intern_in(&View::Live, bucket, path, kind, lookup)
    }

    /// [`InodeTable::intern`] for a path in any view.
    pub fn intern_in(
        &mut self,
        view: &View,
        bucket: &str,
        path: &str,
        kind: Kind,
        lookup: bool,
    ) -> u64 {
        if bucket.is_empty() {
            return ROOT_INO;
        }
        let k = (bucket.to_owned(), view.clone(), path.to_owned());
        let ino = match self.by_path.get(&k) {
            Some(&ino) => ino,
            None => {
                let ino = self.next;
                self.next += 1;
                self.by_path.insert(k, ino);
                let node = Node {
                    bucket: bucket.to_owned(),
                    path: path.to_owned(),
                    kind,
                    view: view.clone(),
                };
                self.by_ino.insert(ino, Entry::new(node, 0));
                ino
            }
        };
        let e = self.by_ino.get_mut(&ino).expect("paths map to live inodes");
        e.node.kind = kind;
        if lookup {
            e.lookups += 1;
        }
        ino
    }

    /// The kernel took a reference to `ino` without a lookup (an entry of
    /// `readdirplus`). If the number was forgotten meanwhile, it is brought
    /// back for `node`, so that the kernel's reference stays valid.
    pub fn reference(&mut self, ino: u64, node: &Node) {
        if ino == ROOT_INO {
            return;
        }
        match self.by_ino.get_mut(&ino) {
            Some(e) => e.lookups += 1,
            None => {
                self.by_ino.insert(ino, Entry::new(node.clone(), 1));
                self.by_path
                    .entry((node.bucket.clone(), node.view.clone(), node.path.clone()))
                    .or_insert(ino);
            }
        }
    }

    /// The kernel dropped `n` references.
    pub fn forget(&mut self, ino: u64, n: u64) {
        if ino == ROOT_INO {
            return;
        }
        let Some(e) = self.by_ino.get_mut(&ino) else {
            return;
        };
        e.lookups = e.lookups.saturating_sub(n);
        if e.lookups == 0 {
            let e = self.by_ino.remove(&ino).expect("present");
            for path in e.aliases.into_iter().chain([e.node.path]) {
                let k = (e.node.bucket.clone(), e.node.view.clone(), path);
                if self.by_path.get(&k) == Some(&ino) {
                    self.by_path.remove(&k);
                }
            }
            if let Some(g) = e.group {
                let k = (e.node.bucket, g);
                if self.by_group.get(&k) == Some(&ino) {
                    self.by_group.remove(&k);
                }
            }
        }
    }

    /// The inode of a live file path whose hard-link group is `group`
    /// (`None`: it has one name), created if needed; `lookup` counts one
    /// kernel reference. Every name of a group gets the group's inode, so
    /// that a file has one inode number whichever name reaches it; a name
    /// that left its group (over S3) gets an inode of its own again.
    pub fn intern_file(
        &mut self,
        bucket: &str,
        path: &str,
        kind: Kind,
        group: Option<u64>,
        lookup: bool,
    ) -> u64 {
        let by_path = self.find(bucket, path);
        let Some(group) = group else {
            if let Some(ino) = by_path {
                let e = self.by_ino.get_mut(&ino).expect("paths map to live inodes");
                if e.group.is_none() {
                    // Found as `intern` would find it (one search, not two).
                    e.node.kind = kind;
                    if lookup {
                        e.lookups += 1;
                    }
                    return ino;
                }
                if e.aliases.is_empty() {
                    // Its only name here: the file simply has one now.
                    let g = e.group.take().expect("checked");
                    self.by_group.remove(&(bucket.to_owned(), g));
                } else {
                    self.detach(bucket, path);
                }
            }
            return self.intern(bucket, path, kind, lookup);
        };
        let gk = (bucket.to_owned(), group);
        let of_group = self
            .by_group
            .get(&gk)
            .copied()
            .filter(|i| self.by_ino.contains_key(i));
        let ino = match (by_path, of_group) {
            (Some(a), Some(b)) if a == b => a,
            (_, Some(b)) => {
                if by_path.is_some() {
                    self.detach(bucket, path);
                }
                self.add_alias(b, path);
                b
            }
            (Some(a), None) => {
                let e = self.by_ino.get_mut(&a).expect("paths map to live inodes");
                if e.group.is_none() || e.aliases.is_empty() {
                    e.group = Some(group);
                    self.by_group.insert(gk, a);
                    a
                } else {
                    self.detach(bucket, path);
                    self.new_in_group(bucket, path, kind, gk)
                }
            }
            (None, None) => self.new_in_group(bucket, path, kind, gk),
        };
        let e = self.by_ino.get_mut(&ino).expect("interned above");
        e.node.kind = kind;
        if lookup {
            e.lookups += 1;
        }
        ino
    }

    fn new_in_group(&mut self, bucket: &str, path: &str, kind: Kind, gk: (String, u64)) -> u64 {
        let ino = self.intern(bucket, path, kind, false);
        let e = self.by_ino.get_mut(&ino).expect("interned");
        e.group = Some(gk.1);
        self.by_group.insert(gk, ino);
        ino
    }

    /// `path` is another live name of `ino` (a hard link).
    pub fn add_alias(&mut self, ino: u64, path: &str) {
        let Some(e) = self.by_ino.get_mut(&ino) else {
            return;
        };
        if e.node.path != path && !e.aliases.iter().any(|a| a == path) {
            e.aliases.push(path.to_owned());
        }
        let k = (e.node.bucket.clone(), View::Live, path.to_owned());
        self.by_path.insert(k, ino);
    }

    /// Names `ino` by `path` from now on, in place of a name it lost that
    /// the table did not know as one of its aliases.
    pub fn rename_inode(&mut self, ino: u64, path: &str) {
        let Some(e) = self.by_ino.get_mut(&ino) else {
            return;
        };
        e.aliases.retain(|a| a != path);
        e.node.path = path.to_owned();
        let k = (e.node.bucket.clone(), View::Live, path.to_owned());
        self.by_path.insert(k, ino);
    }

    /// The live path now names nothing: its inode (if any) keeps its
    /// number for the kernel's open references but is no longer found by
    /// path.
    pub fn detach(&mut self, bucket: &str, path: &str) {
        self.detach_in(&View::Live, bucket, path);
    }

    /// [`InodeTable::detach`] for a path in any view.
    pub fn detach_in(&mut self, view: &View, bucket: &str, path: &str) {
        let Some(ino) = self
            .by_path
            .remove(&(bucket.to_owned(), view.clone(), path.to_owned()))
        else {
            return;
        };
        // A file with other names goes on under one of them.
        if let Some(e) = self.by_ino.get_mut(&ino) {
            if e.node.path == path {
                if let Some(other) = e.aliases.pop() {
                    e.node.path = other;
                }
            } else {
                e.aliases.retain(|a| a != path);
            }
        }
    }

    /// A rename moved `from` to `to` in `bucket`: the inode of `from` and,
    /// for a directory, of everything under it follow.
    pub fn rename(&mut self, bucket: &str, from: &str, to: &str) {
        self.detach(bucket, to);
        let live = |p: &str| (bucket.to_owned(), View::Live, p.to_owned());
        let sub = format!("{from}/");
        // The paths under `from/` sort together, from `from/` up to
        // `from0` ('0' follows '/'): one range, however many inodes the
        // table holds (a scan of all of them made every rename slower as
        // the table grew).
        let under = live(&sub)..live(&format!("{from}0"));
        let moved: Vec<((String, View, String), u64)> = self
            .by_path
            .get_key_value(&live(from))
            .into_iter()
            .chain(self.by_path.range(under))
            .map(|(k, &ino)| (k.clone(), ino))
            .collect();
        let to_sub = format!("{to}/");
        for ((b, v, p), ino) in moved {
            self.by_path.remove(&(b.clone(), v, p.clone()));
            // A target directory's children are gone (it was empty).
            let new_path = if p == from {
                to.to_owned()
            } else {
                format!("{to}/{}", &p[sub.len()..])
            };
            debug_assert!(new_path == to || new_path.starts_with(&to_sub));
            if let Some(e) = self.by_ino.get_mut(&ino) {
                if e.node.path == p {
                    e.node.path = new_path.clone();
                } else if let Some(a) = e.aliases.iter_mut().find(|a| **a == p) {
                    *a = new_path.clone();
                }
            }
            self.by_path.insert((b, View::Live, new_path), ino);
        }
    }

    /// The live paths of `bucket` the table holds an inode for (the
    /// bucket's root, `""`, included), with their inodes.
    pub fn live_paths(&self, bucket: &str) -> Vec<(String, u64)> {
        let from = (bucket.to_owned(), View::Live, String::new());
        self.by_path
            .range(from..)
            .take_while(|((b, v, _), _)| b == bucket && *v == View::Live)
            .map(|((_, _, path), ino)| (path.clone(), *ino))
            .collect()
    }

    /// The buckets the table holds an inode of.
    pub fn buckets(&self) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for (b, _, _) in self.by_path.keys() {
            if !b.is_empty() && found.last() != Some(b) {
                found.push(b.clone());
            }
        }
        found
    }

    /// How many inodes the table holds (for tests and statistics).
    pub fn len(&self) -> usize {
        self.by_ino.len()
    }

    /// Whether only the root is left.
    pub fn is_empty(&self) -> bool {
        self.by_ino.len() <= 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_stable_and_forgotten() {
        let mut t = InodeTable::default();
        let a = t.intern("b", "x/y", Kind::File, true);
        assert_eq!(t.intern("b", "x/y", Kind::File, true), a);
        assert_eq!(t.find("b", "x/y"), Some(a));
        t.forget(a, 1);
        assert_eq!(t.find("b", "x/y"), Some(a));
        t.forget(a, 1);
        assert_eq!(t.find("b", "x/y"), None);
        assert!(t.get(a).is_none());
        assert_ne!(t.intern("b", "x/y", Kind::File, true), a);
    }

    #[test]
    fn rename_carries_the_subtree() {
        let mut t = InodeTable::default();
        let d = t.intern("b", "d", Kind::Dir, true);
        let f = t.intern("b", "d/f", Kind::File, true);
        let other = t.intern("b", "dd/f", Kind::File, true);
        t.rename("b", "d", "e/g");
        assert_eq!(t.find("b", "e/g"), Some(d));
        assert_eq!(t.find("b", "e/g/f"), Some(f));
        assert_eq!(t.get(f).unwrap().path, "e/g/f");
        assert_eq!(t.find("b", "dd/f"), Some(other));
        assert_eq!(t.find("b", "d/f"), None);
    }

    #[test]
    fn rename_leaves_names_that_only_start_alike() {
        let mut t = InodeTable::default();
        let moved = ["a", "a/b", "a/b/c", "a/-"].map(|p| (p, t.intern("b", p, Kind::File, true)));
        let stay = ["a-b", "a0", "ab", "a.", "b/a", "a-/b"]
            .map(|p| (p, t.intern("b", p, Kind::File, true)));
        let other_bucket = t.intern("c", "a/b", Kind::File, true);
        t.rename("b", "a", "z");
        for (p, ino) in moved {
            let new = format!("z{}", &p[1..]);
            assert_eq!(t.find("b", &new), Some(ino), "{p} -> {new}");
            assert_eq!(t.find("b", p), None, "{p} moved away");
        }
        for (p, ino) in stay {
            assert_eq!(t.find("b", p), Some(ino), "{p} stays");
        }
        assert_eq!(t.find("c", "a/b"), Some(other_bucket));
    }

    proptest::proptest! {
        /// A rename moves exactly the inodes a scan of every path would:
        /// `from` and the paths under `from/`, in this bucket's live view.
        #[test]
        fn rename_moves_what_a_full_scan_would(
            paths in proptest::collection::btree_set("[ab/0-]{1,5}", 0..40),
            from in "[ab/0-]{1,3}",
            to in "z[ab]{0,2}",
        ) {
            let mut t = InodeTable::default();
            let inos: Vec<(String, u64)> = paths
                .iter()
                .map(|p| (p.clone(), t.intern("b", p, Kind::File, true)))
                .collect();
            let elsewhere = t.intern("c", &from, Kind::File, true);
            t.rename("b", &from, &to);
            for (p, ino) in inos {
                let expected = if p == from {
                    to.clone()
                } else if let Some(rest) = p.strip_prefix(&format!("{from}/")) {
                    format!("{to}/{rest}")
                } else if p == to || p.starts_with(&format!("{to}/")) {
                    // Replaced by the rename (the target's old inode is
                    // detached; its children cannot exist in a real tree).
                    continue;
                } else {
                    p.clone()
                };
                proptest::prop_assert_eq!(t.find("b", &expected), Some(ino), "{} -> {}", p, expected);
                proptest::prop_assert_eq!(&t.get(ino).unwrap().path, &expected);
            }
            proptest::prop_assert_eq!(t.find("c", &from), Some(elsewhere));
        }
    }

    #[test]
    fn the_names_of_a_linked_file_share_its_inode() {
        let mut t = InodeTable::default();
        let a = t.intern_file("b", "a", Kind::File, None, true);
        // Linked: the first name's inode takes the group, the new name
        // joins it.
        assert_eq!(t.intern_file("b", "a", Kind::File, Some(7), false), a);
        assert_eq!(t.intern_file("b", "d/x", Kind::File, Some(7), true), a);
        assert_eq!(t.find("b", "d/x"), Some(a));
        // The same group in another bucket is another file.
        assert_ne!(t.intern_file("c", "a", Kind::File, Some(7), true), a);
        // A directory renamed carries an alias along.
        t.rename("b", "d", "e");
        assert_eq!(t.find("b", "e/x"), Some(a));
        assert_eq!(t.find("b", "d/x"), None);
        // The primary name goes: the alias stands in.
        t.detach("b", "a");
        assert_eq!(t.get(a).unwrap().path, "e/x");
        assert_eq!(t.find("b", "a"), None);
        // A name that left the group (over S3) gets an inode of its own.
        assert_eq!(t.intern_file("b", "f", Kind::File, Some(7), true), a);
        let f = t.intern_file("b", "f", Kind::File, None, true);
        assert_ne!(f, a);
        assert_eq!(t.find("b", "e/x"), Some(a));
        // The last name left: the inode simply has one name again.
        assert_eq!(t.intern_file("b", "e/x", Kind::File, None, false), a);
        // Forgotten: every name and the group go with it.
        t.forget(a, 3);
        assert_eq!(t.find("b", "e/x"), None);
        let again = t.intern_file("b", "e/x", Kind::File, Some(7), true);
        assert_ne!(again, a);
    }

    #[test]
    fn a_lost_name_the_table_did_not_know_is_replaced() {
        let mut t = InodeTable::default();
        let a = t.intern_file("b", "a", Kind::File, Some(1), true);
        t.detach("b", "a");
        // No alias known: the path stays, and finds nothing.
        assert_eq!(t.get(a).unwrap().path, "a");
        t.rename_inode(a, "other");
        assert_eq!(t.get(a).unwrap().path, "other");
        assert_eq!(t.find("b", "other"), Some(a));
    }

    #[test]
    fn a_bucket_can_be_the_root() {
        let mut t = InodeTable::new(Some("b"));
        assert_eq!(t.find("b", ""), Some(ROOT_INO));
        assert_eq!(t.intern("b", "", Kind::Dir, true), ROOT_INO);
        let root = t.get(ROOT_INO).unwrap();
        assert!(!root.is_root(), "the root is the bucket's root");
        assert_eq!(root.bucket, "b");
        let f = t.intern("b", "f", Kind::File, true);
        assert_ne!(f, ROOT_INO);
        t.forget(ROOT_INO, 5);
        assert_eq!(t.find("b", ""), Some(ROOT_INO));
    }

    #[test]
    fn views_are_apart() {
        let mut t = InodeTable::default();
        let live = t.intern("b", "d/f", Kind::File, true);
        let snap = View::Snapshot("s1".into());
        let old = t.intern_in(&snap, "b", "d/f", Kind::File, true);
        assert_ne!(live, old);
        assert_eq!(t.find_in(&snap, "b", "d/f"), Some(old));
        t.rename("b", "d", "e");
        // Renames move live paths only: a snapshot never changes.
        assert_eq!(t.find("b", "e/f"), Some(live));
        assert_eq!(t.find_in(&snap, "b", "d/f"), Some(old));
        assert_eq!(t.get(old).unwrap().view, snap);
    }

    #[test]
    fn paths() {
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("a", "b"), "a/b");
        assert_eq!(parent_of("a/b/c"), "a/b");
        assert_eq!(parent_of("a"), "");
        assert_eq!(dir_prefix("a"), "a/");
        assert_eq!(dir_prefix(""), "");
    }
}
