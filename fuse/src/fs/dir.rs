//! Directory listings: `readdir` and `readdirplus`, a page of the store's
//! delimiter listing at a time, with the files not yet committed merged in.

use super::*;

impl Fs {
    /// Opens directory `ino`: the handle, and whether the kernel may keep
    /// the listing in its cache (a live directory: every change to it comes
    /// from the mount, which the kernel sees, or is reported to
    /// [`Fs::invalidate_key`], which drops the listing; history folders
    /// change as versions and snapshots come and go, unreported).
    pub fn opendir(&self, ino: u64) -> Result<(u64, bool)> {
        let node = self.dir_node(ino)?;
        self.check(&node.bucket, Access::List)?;
        let cacheable = node.is_live();
        let fh = self.new_fh();
        self.dirs.write().insert(
            fh,
            Arc::new(DirHandle {
                node,
                state: Mutex::new(DirState::default()),
            }),
        );
        Ok((fh, cacheable))
    }

    pub fn releasedir(&self, fh: u64) -> Result<()> {
        self.dirs.write().remove(&fh).ok_or(FsError::BadHandle)?;
        Ok(())
    }

    /// Produces entries after `offset`, handing each to `add` with its own
    /// offset until `add` says the reply is full. Pages through the store a
    /// page at a time, so a huge directory is never loaded whole.
    pub fn readdir(
        &self,
        ino: u64,
        fh: u64,
        offset: u64,
        mut add: impl FnMut(&DirEntry, u64) -> bool,
    ) -> Result<()> {
        let dh = self
            .dirs
            .read()
            .get(&fh)
            .cloned()
            .ok_or(FsError::BadHandle)?;
        let mut st = dh.state.lock();
        // The kernel asks again from an offset it has not seen yet only if
        // it seeks back (rewinddir): start over and skip.
        let front = st.queue.front().map_or(st.next_off, |e| e.0);
        if offset + 1 < front || !st.started && offset > 0 {
            *st = DirState::default();
        }
        loop {
            while let Some((off, _)) = st.queue.front() {
                if *off > offset {
                    break;
                }
                st.queue.pop_front();
            }
            if let Some((off, e)) = st.queue.front() {
                if add(e, *off) {
                    return Ok(());
                }
                st.queue.pop_front();
                continue;
            }
            if st.done {
                return Ok(());
            }
            self.fill(ino, &dh.node, &mut st)?;
        }
    }

    /// [`Fs::readdir`] with each entry's attributes, for `readdirplus`. The
    /// kernel counts a lookup of every entry but `.` and `..` it takes, so
    /// this does too.
    pub fn readdirplus(
        &self,
        ino: u64,
        fh: u64,
        offset: u64,
        mut add: impl FnMut(&DirEntry, &Attr, u64) -> bool,
    ) -> Result<()> {
        self.readdir(ino, fh, offset, |e, off| {
            if e.name == "." || e.name == ".." {
                let attr = self.dir_attr(e.ino, None, self.started_ns);
                return add(e, &attr, off);
            }
            let Some(node) = self.inodes.lock().get(e.ino) else {
                // Gone since it was listed: leave it out.
                return false;
            };
            let listed = e.attr.as_ref().filter(|_| {
                // A file with writes in flight shows its pending size.
                self.overlay_of(e.ino).is_none()
                    && self.pending_handle(&node.bucket, &node.path).is_none()
            });
            let attr = match listed {
                Some(a) => a.clone(),
                None => match self.getattr(e.ino) {
                    Ok(a) => a,
                    Err(FsError::NotFound) => return false,
                    Err(err) => {
                        tracing::debug!(error = %err, "readdirplus: attributes of an entry");
                        return false;
                    }
                },
            };
            let full = add(e, &attr, off);
            if !full {
                self.inodes.lock().reference(e.ino, &node);
            }
            full
        })
    }

    pub(super) fn push(st: &mut DirState, e: DirEntry) {
        st.next_off += 1;
        let off = st.next_off;
        st.queue.push_back((off, e));
    }

    pub(super) fn fill(&self, ino: u64, node: &Node, st: &mut DirState) -> Result<()> {
        if !st.started {
            st.started = true;
            let parent_ino = if node.path.is_empty() {
                ROOT_INO
            } else {
                self.inodes
                    .lock()
                    .find(&node.bucket, parent_of(&node.path))
                    .unwrap_or(ROOT_INO)
            };
            for (name, i) in [(".", ino), ("..", parent_ino)] {
                Self::push(
                    st,
                    DirEntry {
                        ino: i,
                        kind: Kind::Dir,
                        name: name.to_owned(),
                        attr: None,
                    },
                );
            }
            return Ok(());
        }
        if node.is_root() {
            let buckets = self.store.list_buckets()?;
            let mut t = self.inodes.lock();
            // Buckets that take any key are left out, as lookups leave them;
            // so are those the mount's user may not read.
            for b in buckets
                .into_iter()
                .filter(|b| b.keeps_path_rule() && self.may_list(b))
            {
                let ino = t.intern(&b.name, "", Kind::Dir, false);
                Self::push(
                    st,
                    DirEntry {
                        ino,
                        kind: Kind::Dir,
                        name: b.name,
                        attr: None,
                    },
                );
            }
            st.done = true;
            return Ok(());
        }
        let snapshot = match &node.view {
            View::Live => None,
            View::Snapshot(name) => Some(name.clone()),
            _ => return self.history_fill(node, st),
        };
        let prefix = dir_prefix(&node.path);
        let page = self.store.list_objects(
            &node.bucket,
            &ListQuery {
                prefix: prefix.clone(),
                delimiter: Some("/".into()),
                start_after: st.marker.clone(),
                max_keys: DIR_PAGE,
                snapshot,
            },
        )?;
        // Files created and not yet committed belong in the listing too, each
        // on the page whose key range holds it.
        let uncommitted = if node.is_live() {
            let (lo, hi) = (st.marker.clone(), page.next_marker.clone());
            let mut keys = self.uncommitted_keys(&node.bucket, &prefix, false);
            keys.retain(|k| {
                lo.as_ref().is_none_or(|lo| k > lo)
                    && (!page.is_truncated || hi.as_ref().is_none_or(|hi| k <= hi))
            });
            keys
        } else {
            Vec::new()
        };
        st.done = !page.is_truncated;
        st.marker = page.next_marker;
        // The names of hard-linked files share their file's inode.
        let mut links = HashMap::new();
        if node.is_live() && self.store.has_links(&node.bucket)? {
            for o in &page.objects {
                if let Some(l) = self.store.links(&node.bucket, &o.key)? {
                    links.insert(o.key.clone(), l);
                }
            }
        }
        let mut t = self.inodes.lock();
        // A key named like a history folder is shadowed by it (and stays
        // reachable over S3).
        let hide = |name: &str| name == VERSIONS || node.path.is_empty() && name == SNAPSHOTS;
        // Objects and prefixes come apart; one page covers one key range,
        // so sorting it keeps the whole listing in name order.
        let mut page_entries: Vec<(String, String, Kind, Option<ObjectInfo>)> = Vec::new();
        for o in page.objects {
            let name = o.key[prefix.len()..].to_owned();
            page_entries.push((name, o.key.clone(), kind_of(&o.meta), Some(o)));
        }
        for cp in page.common_prefixes {
            let path = cp[..cp.len() - 1].to_owned();
            page_entries.push((path[prefix.len()..].to_owned(), path, Kind::Dir, None));
        }
        for key in uncommitted {
            let name = key[prefix.len()..].to_owned();
            if !page_entries.iter().any(|e| e.0 == name) {
                page_entries.push((name, key, Kind::File, None));
            }
        }
        page_entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, path, kind, info) in page_entries {
            // A name that is both an object and a prefix (possible over S3
            // only) is listed once, as the file lookups find: the object
            // sorts first (the sort is stable), and a prefix of the same
            // name may open the next page.
            if !listable(&name) || hide(&name) || st.last_name.as_deref() == Some(name.as_str()) {
                continue;
            }
            st.last_name = Some(name.clone());
            let linked = links.get(&path);
            let ino = match linked {
                Some(l) => t.intern_file(&node.bucket, &path, kind, Some(l.group), false),
                None if node.is_live() && kind != Kind::Dir => {
                    t.intern_file(&node.bucket, &path, kind, None, false)
                }
                None => t.intern_in(&node.view, &node.bucket, &path, kind, false),
            };
            let attr = info.map(|i| {
                let mut a = self.file_attr(ino, &i);
                if let Some(l) = linked {
                    a.nlink = u32::try_from(l.names.len()).unwrap_or(u32::MAX);
                    a.link_group = Some(l.group);
                }
                a
            });
            Self::push(
                st,
                DirEntry {
                    ino,
                    kind,
                    name,
                    attr,
                },
            );
        }
        Ok(())
    }

    /// Keys under `prefix` (directly in it, or at any depth when `deep`)
    /// whose files exist only in a handle or an overlay so far: created
    /// and not yet committed. Orphans (unlinked or replaced) are not.
    pub(super) fn uncommitted_keys(&self, bucket: &str, prefix: &str, deep: bool) -> Vec<String> {
        let under =
            |key: &str| key.starts_with(prefix) && (deep || !key[prefix.len()..].contains('/'));
        let mut keys: Vec<String> = self
            .files
            .read()
            .values()
            .filter(|h| h.bucket == bucket && under(&h.key) && h.pending_size().is_some())
            .map(|h| h.key.clone())
            .collect();
        // Clone the overlays out first: a commit holds an overlay's lock
        // while it takes the map's.
        let overlays: Vec<(u64, SharedOverlay)> = self
            .overlays
            .lock()
            .iter()
            .map(|(ino, o)| (*ino, o.clone()))
            .collect();
        for (ino, o) in overlays {
            let live = {
                let g = o.lock();
                !g.retired && !g.orphan
            };
            if !live {
                continue;
            }
            if let Some(n) = self.inodes.lock().get(ino)
                && n.bucket == bucket
                && under(&n.path)
            {
                keys.push(n.path);
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }
}
