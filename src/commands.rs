//! The commands that work on an open store: buckets, objects, versions,
//! snapshots, users and keys and the maintenance commands, one function
//! each, and [`execute`], which dispatches a parsed command to them.
//!
//! A command reaches its input, output and progress display only through
//! a [`Console`]: this process's own (the store opened here) or frames to
//! the client that sent the command (the store of a server, `remote.rs`).
//! That is what makes a command's output the same byte for byte either
//! way. A failed write comes back as a bare `io::Error`, so that `main` can
//! tell a closed pipe.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;
use std::sync::atomic::AtomicBool;

use alexander_s3::iam::Iam;
use alexander_store::{
    At, ChunkUser, ListQuery, ObjectMeta, Progress, PutOptions, ScrubReport, Store, VersionQuery,
    Versioning,
};
use anyhow::{Context, Result, bail};
use serde_json::json;

use crate::cli::{
    BucketCommand, GetArgs, KeyRule, LsArgs, MvArgs, PutArgs, RmArgs, ScheduleCommand, ScrubArgs,
    SnapshotCommand, StoreCommand, VersioningState,
};
use crate::progress;

/// Where a command's input comes from and its output and progress go.
pub trait Console {
    /// Standard output.
    fn out(&mut self) -> &mut dyn Write;
    /// The data `put` stores: `file`, or standard input for `None` or
    /// "-". Errors reading it name what was read.
    fn input(&mut self, file: Option<&Path>) -> Result<Box<dyn Read + '_>>;
    /// Shows how far a long pass has come; `false` asks the pass to stop
    /// at its next step boundary (whoever watched it is gone).
    fn progress(&mut self, p: Progress) -> bool;
}

/// This process's own standard input, output and error.
pub struct Local<'a, W: Write> {
    pub out: &'a mut W,
    pub shown: progress::Display,
}

impl<W: Write> Console for Local<'_, W> {
    fn out(&mut self) -> &mut dyn Write {
        // A bar still drawn would mix with the output on a terminal.
        self.shown.clear();
        self.out
    }

    fn input(&mut self, file: Option<&Path>) -> Result<Box<dyn Read + '_>> {
        Ok(open_input(file)?)
    }

    fn progress(&mut self, p: Progress) -> bool {
        self.shown.show(&p.into());
        true
    }
}

/// Runs a command on `store`; `iam` gives the users and keys (only the
/// user and key commands ask for them: resolving the master key may make
/// one).
pub fn execute(
    store: &Store,
    iam: &dyn Fn() -> Result<Iam>,
    ctx: &crate::config::MaintenanceSettings,
    command: StoreCommand,
    con: &mut dyn Console,
) -> Result<()> {
    match command {
        StoreCommand::User(cmd) => crate::admin::user_command(&iam()?, cmd, con.out()),
        StoreCommand::Key(cmd) => crate::admin::key_command(&iam()?, cmd, con.out()),
        StoreCommand::Bucket(cmd) => bucket(store, cmd, con.out()),
        StoreCommand::Put(args) => {
            let source = con.input(args.file.as_deref())?;
            let done = put(store, &args, source)?;
            writeln!(con.out(), "{done}")?;
            Ok(())
        }
        StoreCommand::Get(args) => get(store, args, con.out()),
        StoreCommand::Ls(args) => ls(store, args, con.out()),
        StoreCommand::Rm(args) => rm(store, args, con.out()),
        StoreCommand::Mv(args) => mv(store, args, con.out()),
        StoreCommand::Snapshot(cmd) => snapshot(store, cmd, &ctx.snapshot_schedules, con.out()),
        StoreCommand::Stats(args) => stats(store, args.json, con.out()),
        StoreCommand::Gc(args) => gc(store, args.dry_run, args.json, con),
        StoreCommand::Compact(args) => compact(store, args.json, con),
        StoreCommand::Fsck(args) => fsck(store, args.verify_data, args.json, con),
        StoreCommand::Scrub(args) => scrub(store, args, con),
        StoreCommand::Lifecycle(cmd) => {
            crate::lifecycle::command(store, cmd, ctx.abandon_after, con.out())
        }
    }
}

/// Opens what `put` reads: `file`, or standard input for `None` or "-"
/// (refused when it is a terminal). The client of a server reads it too,
/// never the server, which may run as another user.
pub fn open_input(file: Option<&Path>) -> Result<Box<dyn Read + Send>> {
    match file {
        Some(path) if path != Path::new("-") => {
            let file =
                File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            Ok(Box::new(Labelled {
                inner: file,
                what: path.display().to_string(),
            }))
        }
        _ => {
            let stdin = io::stdin();
            if stdin.is_terminal() {
                bail!("standard input is a terminal: name a FILE, or pipe the data in");
            }
            Ok(Box::new(Labelled {
                inner: stdin,
                what: "standard input".to_owned(),
            }))
        }
    }
}

/// Writes one JSON document and a newline.
fn json_out(out: &mut dyn Write, value: &serde_json::Value) -> Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Page size for listings; `ls` reads every page.
const PAGE: usize = 1000;

pub fn bucket(store: &Store, cmd: BucketCommand, out: &mut dyn Write) -> Result<()> {
    match cmd {
        BucketCommand::Create { name } => {
            store.create_bucket(&name)?;
            writeln!(out, "created bucket {name}")?;
        }
        BucketCommand::List { json: true } => {
            let buckets: Vec<_> = store
                .list_buckets()?
                .into_iter()
                .map(|b| {
                    json!({
                        "name": b.name,
                        "created": fmt::time(b.created_ns),
                        "versioning": fmt::versioning(b.versioning),
                    })
                })
                .collect();
            json_out(out, &json!({ "buckets": buckets }))?;
        }
        BucketCommand::List { json: false } => {
            for b in store.list_buckets()? {
                writeln!(
                    out,
                    "{}  {:<11}  {}",
                    fmt::time(b.created_ns),
                    fmt::versioning(b.versioning),
                    b.name
                )?;
            }
        }
        BucketCommand::Delete { name } => {
            store.delete_bucket(&name)?;
            writeln!(out, "deleted bucket {name}")?;
        }
        BucketCommand::Versioning { name, state: None } => {
            let info = store.head_bucket(&name)?;
            writeln!(out, "{}", fmt::versioning(info.versioning))?;
        }
        BucketCommand::Versioning {
            name,
            state: Some(state),
        } => {
            let state = match state {
                VersioningState::Enabled => Versioning::Enabled,
                VersioningState::Suspended => Versioning::Suspended,
            };
            store.set_versioning(&name, state)?;
            writeln!(
                out,
                "versioning of bucket {name}: {}",
                fmt::versioning(state)
            )?;
        }
        BucketCommand::Keys { name, rule } => {
            let info = match rule {
                None => store.head_bucket(&name)?,
                Some(rule) => store.set_path_rule(&name, rule == KeyRule::Posix)?,
            };
            let shown = if info.keeps_path_rule() {
                "posix"
            } else {
                "any (not shown in the mount)"
            };
            match rule {
                None => writeln!(out, "{shown}")?,
                Some(_) => writeln!(out, "keys of bucket {name}: {shown}")?,
            }
        }
    }
    Ok(())
}

/// Stores what `source` holds; the line to print when it worked.
pub fn put(store: &Store, args: &PutArgs, source: impl Read) -> Result<String> {
    let opts = PutOptions {
        meta: ObjectMeta {
            content_type: args.content_type.clone(),
            ..ObjectMeta::default()
        },
        condition: None,
    };
    let info = store.put_object(&args.bucket, &args.key, source, opts)?;
    Ok(format!(
        "stored {}/{}: {} bytes, version {}, etag {}",
        args.bucket, info.key, info.size, info.version_id, info.etag
    ))
}

/// A JSON document `{"NAME": [...]}` written an element at a time, so
/// that a listing of any length takes bounded memory; or, for text
/// output, just the writer.
struct JsonList<'a> {
    out: &'a mut dyn Write,
    json: bool,
    first: bool,
}

impl<'a> JsonList<'a> {
    fn new(out: &'a mut dyn Write, json: bool, name: &str) -> Result<JsonList<'a>> {
        if json {
            write!(out, "{{{}:[", serde_json::to_string(name)?)?;
        }
        Ok(JsonList {
            out,
            json,
            first: true,
        })
    }

    fn push(&mut self, value: &serde_json::Value) -> Result<()> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        serde_json::to_writer(&mut *self.out, value)?;
        Ok(())
    }

    fn end(self) -> Result<()> {
        if self.json {
            self.out.write_all(b"]}\n")?;
        }
        Ok(())
    }
}

/// A reader whose errors say what was being read: the store reports them
/// as its own I/O errors otherwise.
struct Labelled<R> {
    inner: R,
    what: String,
}

impl<R: Read> Read for Labelled<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), format!("reading {}: {e}", self.what)))
    }
}

pub fn get(store: &Store, args: GetArgs, out: &mut dyn Write) -> Result<()> {
    let at = match (&args.version, &args.snapshot) {
        (Some(id), _) => At::Version(id),
        (None, Some(name)) => At::Snapshot(name),
        (None, None) => At::Current,
    };
    let mut reader = store.get_object(&args.bucket, &args.key, at, args.range)?;
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = reader
            .read(&mut buf)
            .with_context(|| format!("reading {}/{}", args.bucket, args.key))?;
        if n == 0 {
            return Ok(());
        }
        // A bare io::Error, so that main can tell a closed pipe.
        out.write_all(&buf[..n])?;
    }
}

pub fn ls(store: &Store, args: LsArgs, out: &mut dyn Write) -> Result<()> {
    if args.versions {
        return ls_versions(store, args, out);
    }
    let json = args.json;
    let mut entries = JsonList::new(out, json, "entries")?;
    let mut q = ListQuery {
        prefix: args.prefix,
        delimiter: args.delimiter,
        start_after: None,
        max_keys: PAGE,
        snapshot: args.snapshot,
    };
    loop {
        let page = store.list_objects(&args.bucket, &q)?;
        // Within a page objects and prefixes are each in order; merge them
        // so the output is in key order as a whole.
        let mut objects = page.objects.iter().peekable();
        let mut prefixes = page.common_prefixes.iter().peekable();
        loop {
            let take_prefix = match (objects.peek(), prefixes.peek()) {
                (Some(o), Some(p)) => p.as_str() < o.key.as_str(),
                (None, Some(_)) => true,
                (_, None) => false,
            };
            if take_prefix {
                let p = prefixes.next().expect("peeked");
                if json {
                    entries.push(&json!({ "prefix": p }))?;
                } else {
                    writeln!(entries.out, "{:>34}  {p}", "PRE")?;
                }
            } else if let Some(o) = objects.next() {
                if json {
                    entries.push(&json!({
                        "key": o.key,
                        "size": o.size,
                        "modified": fmt::time(o.modified_ns),
                    }))?;
                } else {
                    writeln!(
                        entries.out,
                        "{}  {:>12}  {}",
                        fmt::time(o.modified_ns),
                        o.size,
                        o.key
                    )?;
                }
            } else {
                break;
            }
        }
        match page.next_marker {
            Some(marker) if page.is_truncated => q.start_after = Some(marker),
            _ => return entries.end(),
        }
    }
}

fn ls_versions(store: &Store, args: LsArgs, out: &mut dyn Write) -> Result<()> {
    let mut q = VersionQuery {
        prefix: args.prefix,
        delimiter: args.delimiter,
        key_marker: None,
        version_id_marker: None,
        max_keys: PAGE,
    };
    let json = args.json;
    let mut entries = JsonList::new(out, json, "entries")?;
    loop {
        let page = store.list_versions(&args.bucket, &q)?;
        let mut versions = page.versions.iter().peekable();
        let mut prefixes = page.common_prefixes.iter().peekable();
        loop {
            let take_prefix = match (versions.peek(), prefixes.peek()) {
                (Some(v), Some(p)) => p.as_str() < v.info.key.as_str(),
                (None, Some(_)) => true,
                (_, None) => false,
            };
            if take_prefix {
                let p = prefixes.next().expect("peeked");
                if json {
                    entries.push(&json!({ "prefix": p }))?;
                } else {
                    writeln!(entries.out, "{:>60}  {p}", "PRE")?;
                }
            } else if let Some(v) = versions.next() {
                if json {
                    entries.push(&json!({
                        "key": v.info.key,
                        "version_id": v.info.version_id,
                        "size": (!v.delete_marker).then_some(v.info.size),
                        "delete_marker": v.delete_marker,
                        "latest": v.is_latest,
                        "modified": fmt::time(v.info.modified_ns),
                    }))?;
                    continue;
                }
                let size = if v.delete_marker {
                    "deleted".to_owned()
                } else {
                    v.info.size.to_string()
                };
                writeln!(
                    entries.out,
                    "{}  {:>12}  {:<16}  {:<6}  {}",
                    fmt::time(v.info.modified_ns),
                    size,
                    v.info.version_id,
                    if v.is_latest { "latest" } else { "" },
                    v.info.key
                )?;
            } else {
                break;
            }
        }
        if !page.is_truncated {
            return entries.end();
        }
        q.key_marker = page.next_key_marker;
        q.version_id_marker = page.next_version_id_marker;
    }
}

pub fn rm(store: &Store, args: RmArgs, out: &mut dyn Write) -> Result<()> {
    let (bucket, key) = (&args.bucket, &args.key);
    match &args.version {
        None => {
            // S3 accepts a delete of a key that has no object (and, in a
            // versioned bucket, stacks a delete marker on it); a typo here
            // should be an error instead.
            store.head_object(bucket, key, At::Current)?;
            let result = store.delete_object(bucket, key, None)?;
            match result.version_id {
                Some(marker) if result.delete_marker => {
                    writeln!(out, "deleted {bucket}/{key}: delete marker {marker}")?
                }
                _ => writeln!(out, "deleted {bucket}/{key}")?,
            }
        }
        Some(id) => {
            let result = store.delete_object(bucket, key, Some(id))?;
            let what = if result.delete_marker {
                "delete marker"
            } else {
                "version"
            };
            writeln!(out, "deleted {what} {id} of {bucket}/{key}")?;
        }
    }
    Ok(())
}

pub fn mv(store: &Store, args: MvArgs, out: &mut dyn Write) -> Result<()> {
    let info = store.rename_object(&args.bucket, &args.from, &args.to, args.no_clobber)?;
    writeln!(
        out,
        "moved {b}/{} to {b}/{} (version {})",
        args.from,
        info.key,
        info.version_id,
        b = args.bucket
    )?;
    Ok(())
}

pub fn snapshot(
    store: &Store,
    cmd: SnapshotCommand,
    from_config: &std::collections::BTreeMap<String, crate::schedule::Schedule>,
    out: &mut dyn Write,
) -> Result<()> {
    match cmd {
        SnapshotCommand::Schedule(cmd) => return schedule_command(store, cmd, from_config, out),
        SnapshotCommand::Create { bucket, name } => {
            store.create_snapshot(&bucket, &name)?;
            writeln!(out, "created snapshot {name} of bucket {bucket}")?;
        }
        SnapshotCommand::List { bucket, json: true } => {
            let snapshots: Vec<_> = store
                .list_snapshots(&bucket)?
                .into_iter()
                .map(|s| json!({ "name": s.name, "created": fmt::time(s.created_ns) }))
                .collect();
            json_out(out, &json!({ "snapshots": snapshots }))?;
        }
        SnapshotCommand::List {
            bucket,
            json: false,
        } => {
            for s in store.list_snapshots(&bucket)? {
                writeln!(out, "{}  {}", fmt::time(s.created_ns), s.name)?;
            }
        }
        SnapshotCommand::Delete { bucket, name } => {
            store.delete_snapshot(&bucket, &name)?;
            writeln!(out, "deleted snapshot {name} of bucket {bucket}")?;
        }
    }
    Ok(())
}

fn schedule_command(
    store: &Store,
    cmd: ScheduleCommand,
    from_config: &std::collections::BTreeMap<String, crate::schedule::Schedule>,
    out: &mut dyn Write,
) -> Result<()> {
    use crate::schedule::{self, Schedule};
    match cmd {
        ScheduleCommand::Set(a) => {
            let s = Schedule {
                every_secs: a.every.as_secs(),
                keep_last: a.keep_last,
                keep_hourly: a.keep_hourly,
                keep_daily: a.keep_daily,
                keep_weekly: a.keep_weekly,
                keep_monthly: a.keep_monthly,
            };
            schedule::store_schedule(store, &a.bucket, &s)?;
            writeln!(
                out,
                "snapshot schedule of bucket {}: {}",
                a.bucket,
                s.describe()
            )?;
        }
        ScheduleCommand::Show { bucket } => {
            let asked_one = bucket.is_some();
            let buckets = match bucket {
                Some(b) => vec![store.head_bucket(&b)?.name],
                None => store.list_buckets()?.into_iter().map(|b| b.name).collect(),
            };
            for b in buckets {
                let (s, source) = match schedule::stored(store, &b)? {
                    Some(s) => (Some(s), ""),
                    None => (from_config.get(&b).cloned(), " (config file)"),
                };
                match s {
                    Some(s) => writeln!(out, "{b}: {}{source}", s.describe())?,
                    None if asked_one => writeln!(out, "{b}: no schedule")?,
                    None => {}
                }
            }
        }
        ScheduleCommand::Remove { bucket } => {
            if schedule::remove_schedule(store, &bucket)? {
                writeln!(out, "removed the snapshot schedule of bucket {bucket}")?;
            } else {
                bail!("bucket {bucket} has no snapshot schedule of its own");
            }
        }
    }
    Ok(())
}

pub fn stats(store: &Store, json: bool, out: &mut dyn Write) -> Result<()> {
    let s = store.stats()?;
    if json {
        return json_out(
            out,
            &json!({
                "buckets": s.buckets,
                "versions": s.versions,
                "logical_bytes": s.logical_bytes,
                "stored_bytes": s.stored_bytes,
                "dedup_ratio": s.dedup_ratio,
                "chunks": s.chunks,
                "packs": s.packs,
                "pack_bytes": s.pack_bytes,
                "live_fraction": s.live_fraction,
                "meta_bytes": s.meta_bytes,
                "damaged_chunks": s.damaged_chunks,
            }),
        );
    }
    let rows = [
        ("buckets", s.buckets.to_string()),
        ("versions", s.versions.to_string()),
        ("logical bytes", fmt::bytes(s.logical_bytes)),
        ("stored bytes", fmt::bytes(s.stored_bytes)),
        ("dedup ratio", format!("{:.2}", s.dedup_ratio)),
        ("chunks", s.chunks.to_string()),
        ("packs", s.packs.to_string()),
        ("pack bytes", fmt::bytes(s.pack_bytes)),
        ("live fraction", format!("{:.3}", s.live_fraction)),
        ("metadata bytes", fmt::bytes(s.meta_bytes)),
        ("damaged chunks", s.damaged_chunks.to_string()),
    ];
    fmt::table(out, &rows)
}

pub fn gc(store: &Store, dry_run: bool, json: bool, con: &mut dyn Console) -> Result<()> {
    let r = if dry_run {
        store.gc_preview()?
    } else {
        store.gc_with(&mut |p| con.progress(p))?
    };
    let out = con.out();
    if json {
        return json_out(
            out,
            &json!({
                "dry_run": dry_run,
                "chunks_freed": r.chunks_freed,
                "bytes_freed": r.bytes_freed,
                "chunks_kept": r.chunks_kept,
            }),
        );
    }
    let (chunks, bytes) = if dry_run {
        ("chunks to free", "bytes to free")
    } else {
        ("chunks freed", "bytes freed")
    };
    let rows = [
        (chunks, r.chunks_freed.to_string()),
        (bytes, fmt::bytes(r.bytes_freed)),
        ("chunks kept", r.chunks_kept.to_string()),
    ];
    fmt::table(out, &rows)
}

pub fn compact(store: &Store, json: bool, con: &mut dyn Console) -> Result<()> {
    let r = store.compact_with(&mut |p| con.progress(p))?;
    let out = con.out();
    if json {
        return json_out(
            out,
            &json!({
                "packs_rewritten": r.packs_rewritten,
                "packs_removed": r.packs_removed,
                "chunks_moved": r.chunks_moved,
                "bytes_reclaimed": r.bytes_reclaimed,
            }),
        );
    }
    let rows = [
        ("packs rewritten", r.packs_rewritten.to_string()),
        ("packs removed", r.packs_removed.to_string()),
        ("chunks moved", r.chunks_moved.to_string()),
        ("bytes reclaimed", fmt::bytes(r.bytes_reclaimed)),
    ];
    fmt::table(out, &rows)
}

pub fn fsck(store: &Store, verify_data: bool, json: bool, con: &mut dyn Console) -> Result<()> {
    let r = store.fsck_with(verify_data, &mut |p| con.progress(p))?;
    let out = con.out();
    if json {
        let ids = |v: &[alexander_store::ChunkId]| -> Vec<String> {
            v.iter().map(ToString::to_string).collect()
        };
        let mismatches: Vec<_> = r
            .refcount_mismatches
            .iter()
            .map(|(id, counted, recorded)| {
                json!({ "chunk": id.to_string(), "counted": counted, "recorded": recorded })
            })
            .collect();
        json_out(
            out,
            &json!({
                "versions": r.versions,
                "parts": r.parts,
                "chunks": r.chunks,
                "dangling": ids(&r.dangling),
                "refcount_mismatches": mismatches,
                // null: not checked (only --verify-data reads the data).
                "corrupt": verify_data.then(|| ids(&r.corrupt)),
                "damaged": ids(&r.damaged),
                "bad_records": r.bad_records,
                "consistent": r.is_clean(),
            }),
        )?;
    } else {
        let corrupt = if verify_data {
            r.corrupt.len().to_string()
        } else {
            "not checked (--verify-data checks them)".to_owned()
        };
        let rows = [
            ("versions", r.versions.to_string()),
            ("parts", r.parts.to_string()),
            ("chunks", r.chunks.to_string()),
            ("dangling references", r.dangling.len().to_string()),
            (
                "refcount mismatches",
                r.refcount_mismatches.len().to_string(),
            ),
            ("corrupt chunks", corrupt),
            ("damaged chunks (scrub)", r.damaged.len().to_string()),
            ("bad records", r.bad_records.to_string()),
        ];
        fmt::table(out, &rows)?;
        for id in &r.dangling {
            writeln!(out, "dangling reference to chunk {id}")?;
        }
        for (id, counted, recorded) in &r.refcount_mismatches {
            writeln!(
                out,
                "chunk {id}: {counted} references found, {recorded} recorded"
            )?;
        }
        for id in &r.corrupt {
            writeln!(out, "chunk {id} is corrupt")?;
        }
        for id in &r.damaged {
            writeln!(
                out,
                "chunk {id} was found damaged by a scrub; storing the same data again heals it"
            )?;
        }
        if r.is_clean() {
            writeln!(out, "the store is consistent")?;
        }
    }
    if r.is_clean() {
        return Ok(());
    }
    let problems = r.dangling.len() as u64
        + r.refcount_mismatches.len() as u64
        + r.corrupt.len() as u64
        + r.damaged.len() as u64
        + r.bad_records;
    out.flush()?;
    let plural = if problems == 1 { "" } else { "s" };
    bail!("fsck found {problems} problem{plural} in the store")
}

/// Scrubs the store in the foreground. Damage found makes the command fail
/// after its report, as fsck's problems do.
pub fn scrub(store: &Store, args: ScrubArgs, con: &mut dyn Console) -> Result<()> {
    // A client gone (or a progress report refused) stops the pass between
    // chunks.
    let stop = AtomicBool::new(false);
    let r = {
        let mut report = |p: alexander_store::ScrubProgress| {
            let go = con.progress(Progress::Step {
                task: "scrub",
                unit: "bytes",
                done: p.bytes_done,
                total: Some(p.bytes_total),
            });
            if !go {
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        };
        store.scrub(args.max_bytes_per_sec, Some(&mut report), &stop)?
    };
    let out = con.out();
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &scrub_json(&r))?;
        writeln!(out)?;
    } else {
        let rows = [
            ("chunks checked", r.chunks_checked.to_string()),
            ("bytes checked", fmt::bytes(r.bytes_checked)),
            ("damaged chunks", r.damaged.len().to_string()),
            ("records cleared", r.cleared.to_string()),
        ];
        fmt::table(out, &rows)?;
        for d in &r.damaged {
            writeln!(
                out,
                "chunk {} ({} bytes) is damaged: {}",
                d.id, d.len, d.detail
            )?;
            if d.users.is_empty() {
                writeln!(out, "  used by nothing (gc frees it)")?;
            }
            for u in &d.users {
                writeln!(out, "  used by {}", fmt::user(u))?;
            }
        }
        if r.is_clean() {
            writeln!(out, "every chunk verifies")?;
        }
    }
    if r.is_clean() {
        return Ok(());
    }
    out.flush()?;
    let n = r.damaged.len();
    let plural = if n == 1 { "" } else { "s" };
    bail!(
        "scrub found {n} damaged chunk{plural}; reads of the objects that use them fail until \
         the same data is stored again"
    )
}

/// The scrub report as JSON: ids in hex, each user with its kind.
fn scrub_json(r: &ScrubReport) -> serde_json::Value {
    use serde_json::json;
    let damaged: Vec<_> = r
        .damaged
        .iter()
        .map(|d| {
            let users: Vec<_> = d
                .users
                .iter()
                .map(|u| match u {
                    ChunkUser::Version {
                        bucket,
                        key,
                        version_id,
                        hidden,
                    } => json!({
                        "kind": "version",
                        "bucket": bucket,
                        "key": key,
                        "version_id": version_id,
                        "hidden": hidden,
                    }),
                    ChunkUser::Part {
                        bucket,
                        key,
                        upload_id,
                        part_number,
                    } => json!({
                        "kind": "part",
                        "bucket": bucket,
                        "key": key,
                        "upload_id": upload_id,
                        "part_number": part_number,
                    }),
                })
                .collect();
            json!({
                "chunk": d.id.to_string(),
                "len": d.len,
                "detail": d.detail,
                "users": users,
            })
        })
        .collect();
    json!({
        "chunks_checked": r.chunks_checked,
        "bytes_checked": r.bytes_checked,
        "stopped": r.stopped,
        "cleared": r.cleared,
        "damaged": damaged,
    })
}

/// How values are shown.
pub mod fmt {
    use std::io::Write;

    use alexander_store::Versioning;

    pub fn versioning(v: Versioning) -> &'static str {
        match v {
            Versioning::Unversioned => "unversioned",
            Versioning::Enabled => "enabled",
            Versioning::Suspended => "suspended",
        }
    }

    /// Rows of `label: value`, values aligned.
    pub fn table(out: &mut dyn Write, rows: &[(&str, String)]) -> anyhow::Result<()> {
        let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0) + 1;
        for (label, value) in rows {
            writeln!(
                out,
                "{:<width$} {value}",
                format!("{label}:"),
                width = width
            )?;
        }
        Ok(())
    }

    /// What uses a damaged chunk.
    pub fn user(u: &alexander_store::ChunkUser) -> String {
        match u {
            alexander_store::ChunkUser::Version {
                bucket,
                key,
                version_id,
                hidden,
            } => {
                let seen = if *hidden {
                    " (kept for a snapshot)"
                } else {
                    ""
                };
                format!("{bucket}/{key} version {version_id}{seen}")
            }
            alexander_store::ChunkUser::Part {
                bucket,
                key,
                upload_id,
                part_number,
            } => format!("{bucket}/{key} upload {upload_id} part {part_number}"),
        }
    }

    /// A byte count, exact and, from 1 KiB up, in binary units.
    pub fn bytes(n: u64) -> String {
        const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        if n < 1024 {
            return n.to_string();
        }
        let mut v = n as f64 / 1024.0;
        let mut unit = 0;
        while v >= 1024.0 && unit < UNITS.len() - 1 {
            v /= 1024.0;
            unit += 1;
        }
        format!("{n} ({v:.1} {})", UNITS[unit])
    }

    /// A time in ns since the Unix epoch, as RFC 3339 UTC to the second.
    pub fn time(ns: i64) -> String {
        alexander_store::time::UtcTime::from_ns(ns).rfc3339_secs()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn times() {
            assert_eq!(time(0), "1970-01-01T00:00:00Z");
            assert_eq!(time(951_782_400 * 1_000_000_000), "2000-02-29T00:00:00Z");
            assert_eq!(
                time(1_795_000_000 * 1_000_000_000 + 999),
                "2026-11-18T11:06:40Z"
            );
            assert_eq!(time(-1), "1969-12-31T23:59:59Z");
        }

        #[test]
        fn byte_counts() {
            assert_eq!(bytes(0), "0");
            assert_eq!(bytes(1023), "1023");
            assert_eq!(bytes(1024), "1024 (1.0 KiB)");
            assert_eq!(bytes(5 << 20), "5242880 (5.0 MiB)");
        }
    }
}
