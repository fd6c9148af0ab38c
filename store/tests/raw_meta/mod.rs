//! The store's metadata database opened directly, as a tool that damages
//! or rewrites it would: each write is its own durable commit.
#![allow(dead_code)] // each test crate uses a part of it

use std::ops::Bound;
use std::path::Path;
use std::time::{Duration, Instant};

use redb::{ReadableDatabase, ReadableTable};

/// Entries copied out of the database.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

const TABLE: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("meta");

pub struct RawMeta(redb::Database);

/// Opens the metadata database of the store in `dir`. A store dropped a
/// moment ago in another thread may hold its lock a little longer, so a
/// busy lock is waited for, 10 s at most.
pub fn open_meta(dir: &Path) -> RawMeta {
    let started = Instant::now();
    loop {
        match redb::Database::create(dir.join("meta").join("alexander.redb")) {
            Ok(db) => return RawMeta(db),
            Err(redb::DatabaseError::DatabaseAlreadyOpen)
                if started.elapsed() < Duration::from_secs(10) =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("opening the metadata database: {e}"),
        }
    }
}

impl RawMeta {
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, redb::Error> {
        let txn = self.0.begin_read()?;
        let table = txn.open_table(TABLE)?;
        Ok(table.get(key)?.map(|v| v.value().to_vec()))
    }

    /// Writes `value` under `key`, returning what was there.
    pub fn insert(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<Option<Vec<u8>>, redb::Error> {
        let txn = self.0.begin_write()?;
        let old = {
            let mut table = txn.open_table(TABLE)?;
            table
                .insert(key.as_ref(), value.as_ref())?
                .map(|v| v.value().to_vec())
        };
        txn.commit()?;
        Ok(old)
    }

    /// Entries whose keys begin with `prefix`, in key order.
    pub fn scan_prefix(
        &self,
        prefix: &[u8],
    ) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), redb::Error>> + use<> {
        let entries = (|| -> Result<Entries, redb::Error> {
            let txn = self.0.begin_read()?;
            let table = txn.open_table(TABLE)?;
            let mut out = Vec::new();
            for entry in table.range((Bound::Included(prefix), Bound::<&[u8]>::Unbounded))? {
                let (k, v) = entry?;
                if !k.value().starts_with(prefix) {
                    break;
                }
                out.push((k.value().to_vec(), v.value().to_vec()));
            }
            Ok(out)
        })();
        match entries {
            Ok(v) => v.into_iter().map(Ok).collect::<Vec<_>>().into_iter(),
            Err(e) => vec![Err(e)].into_iter(),
        }
    }
}
