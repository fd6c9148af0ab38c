//! A small durable key-value area for the layers above the store: users and
//! access keys, server settings. Entries live in namespaces and never touch
//! buckets or objects.

use crate::Store;
use crate::error::{Error, Result};
use crate::meta::keys;

/// The namespace of [`Store::probe`]'s entry.
const PROBE_NS: &str = "health";

fn check_namespace(ns: &str) -> Result<()> {
    if ns.is_empty() || ns.as_bytes().contains(&0) {
        return Err(Error::InvalidArgument(format!("bad namespace {ns:?}")));
    }
    Ok(())
}

/// One write of [`Store::system_write`]: namespace, key, and the new
/// value or `None` to delete.
type SystemWrite<'a> = (&'a str, &'a [u8], Option<&'a [u8]>);

impl Store {
    /// Reads an entry.
    pub fn system_get(&self, ns: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        check_namespace(ns)?;
        self.inner.meta.get(&keys::system(ns, key))
    }

    /// Writes (or with `None` deletes) an entry; durable on return.
    pub fn system_put(&self, ns: &str, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        check_namespace(ns)?;
        let mut txn = self.inner.meta.begin();
        match value {
            Some(v) => txn.put(keys::system(ns, key), v.to_vec()),
            None => txn.delete(keys::system(ns, key)),
        }
        txn.commit()?;
        self.inner.meta.sync()
    }

    /// Writes (or with `None` deletes) several entries in one transaction,
    /// so that a record and the records kept about it (an access key and
    /// its tombstone) never disagree after a crash. Durable on return.
    pub fn system_write(&self, writes: &[SystemWrite<'_>]) -> Result<()> {
        for (ns, _, _) in writes {
            check_namespace(ns)?;
        }
        let mut txn = self.inner.meta.begin();
        for (ns, key, value) in writes {
            match value {
                Some(v) => txn.put(keys::system(ns, key), v.to_vec()),
                None => txn.delete(keys::system(ns, key)),
            }
        }
        txn.commit()?;
        self.inner.meta.sync()
    }

    /// Writes an entry only if it does not exist yet; returns whether it
    /// did. Durable on return.
    pub fn system_insert_new(&self, ns: &str, key: &[u8], value: &[u8]) -> Result<bool> {
        check_namespace(ns)?;
        let mut txn = self.inner.meta.begin();
        let k = keys::system(ns, key);
        if txn.get(&k)?.is_some() {
            return Ok(false);
        }
        txn.put(k, value.to_vec());
        txn.commit()?;
        self.inner.meta.sync()?;
        Ok(true)
    }

    /// Writes a small value to the metadata database, makes it durable and
    /// reads it back: what a readiness check asks of the store (a disk that
    /// has gone read-only, or a database that can no longer commit, fails
    /// here). The value is the time of the probe, so that each write
    /// really changes the entry.
    pub fn probe(&self) -> Result<()> {
        let value = crate::now_ns().to_be_bytes();
        self.system_put(PROBE_NS, b"probe", Some(&value))?;
        match self.system_get(PROBE_NS, b"probe")? {
            Some(v) if v == value => Ok(()),
            _ => Err(Error::BadRecord(
                "the probe value read back differs from the one written".into(),
            )),
        }
    }

    /// Every entry of a namespace, in key order.
    pub fn system_scan(&self, ns: &str) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        check_namespace(ns)?;
        let prefix = keys::system(ns, b"");
        self.inner
            .meta
            .scan(&prefix)
            .map(|e| e.map(|(k, v)| (k[prefix.len()..].to_vec(), v)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Config, Store};

    #[test]
    fn namespaces_are_separate_and_durable() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path(), Config::default()).unwrap();
        s.system_put("users", b"alice", Some(b"1")).unwrap();
        s.system_put("keys", b"alice", Some(b"2")).unwrap();
        assert!(!s.system_insert_new("users", b"alice", b"x").unwrap());
        assert!(s.system_insert_new("users", b"bob", b"3").unwrap());
        drop(s);
        let s = Store::open(dir.path(), Config::default()).unwrap();
        assert_eq!(s.system_get("users", b"alice").unwrap().unwrap(), b"1");
        assert_eq!(
            s.system_scan("users").unwrap(),
            vec![
                (b"alice".to_vec(), b"1".to_vec()),
                (b"bob".to_vec(), b"3".to_vec())
            ]
        );
        s.system_put("users", b"alice", None).unwrap();
        assert_eq!(s.system_scan("users").unwrap().len(), 1);
        s.system_write(&[("users", b"bob", None), ("gone", b"bob", Some(b"4"))])
            .unwrap();
        assert!(s.system_get("users", b"bob").unwrap().is_none());
        assert_eq!(s.system_get("gone", b"bob").unwrap().unwrap(), b"4");
        assert!(s.system_write(&[("", b"x", None)]).is_err());
        s.system_put("users", b"bob", Some(b"3")).unwrap();
        assert_eq!(s.system_scan("keys").unwrap().len(), 1);
        assert!(s.system_get("", b"x").is_err());
    }

    #[test]
    fn probe_writes_and_reads_back_and_free_space_is_known() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Config::default()).unwrap();
        store.probe().unwrap();
        store.probe().unwrap();
        assert!(store.system_get("health", b"probe").unwrap().is_some());
        // The test's own disk has some room; the exact figure moves with
        // whatever else runs, so only its sense is checked.
        assert!(store.free_bytes().unwrap() > 0);
    }
}
