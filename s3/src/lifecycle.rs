//! The lifecycle pass: applies each bucket's enabled lifecycle rules (the
//! configuration PutBucketLifecycleConfiguration stored, see
//! [`crate::ops::config::lifecycle_of`]) with S3's semantics, and aborts
//! multipart uploads that no rule governs once they have been abandoned
//! for longer than the server's limit.
//!
//! The pass is a function of the store and a time: it takes "now" as an
//! argument (the serve loop passes the clock, `alexander lifecycle run
//! --at` any time, the tests a fixed one) and never sleeps. It walks each
//! bucket in pages of the store's listings, so its memory does not grow
//! with the bucket, and deletes through the store's ordinary delete calls,
//! so a snapshot keeps seeing what it saw. Each delete is conditional
//! ([`Store::delete_object_if`]): if the key changed between the listing
//! and the delete (a new version was written, the marker is no longer
//! alone), the delete is not made and the change wins. A failure on one
//! key is reported with that key and the pass goes on.
//!
//! Times follow S3: a rule of `Days` (or `NoncurrentDays`,
//! `DaysAfterInitiation`) is due at the first UTC midnight at or after the
//! starting time plus that many days; a `Date` rule from that midnight on.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alexander_store::time::UtcTime;
use alexander_store::{
    BucketInfo, DeleteIf, Error as StoreError, ListQuery, ObjectInfo, Store, UploadInfo,
    VersionEntry, VersionQuery, Versioning,
};
use serde::Serialize;

use crate::ops::config::{TAGGING, decode_tags, lifecycle_of};
use crate::xml::{LifecycleConfiguration, LifecycleFilter, LifecycleRule, Tag};

/// A day, in ns.
const DAY_NS: i64 = 86_400 * 1_000_000_000;
/// Entries per page of the listings the pass walks; few in the unit
/// tests, so that their keys' versions straddle pages.
const PAGE: usize = if cfg!(test) { 3 } else { 1000 };

/// What the pass did to one key, version or upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// The current object expired in an unversioned bucket: deleted.
    Expired,
    /// The current object expired in a versioned (or suspended) bucket: a
    /// delete marker now hides it.
    DeleteMarkerAdded,
    /// A delete marker that was its key's only version was removed.
    DeleteMarkerRemoved,
    /// A noncurrent version (or noncurrent delete marker) was removed.
    NoncurrentRemoved,
    /// An incomplete multipart upload was aborted.
    UploadAborted,
}

impl ActionKind {
    /// How the action reads in a line of output.
    pub fn describe(self) -> &'static str {
        match self {
            ActionKind::Expired => "expired (deleted)",
            ActionKind::DeleteMarkerAdded => "expired (delete marker added)",
            ActionKind::DeleteMarkerRemoved => "removed expired delete marker",
            ActionKind::NoncurrentRemoved => "removed noncurrent version",
            ActionKind::UploadAborted => "aborted incomplete upload",
        }
    }
}

/// One action, made (or, in a dry run, due), or failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Action {
    pub bucket: String,
    pub kind: ActionKind,
    pub key: String,
    /// The version removed, or the delete marker added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// The ID of the rule that called for it; `None` for a rule without an
    /// ID, and for an upload aborted by the server's own limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Why the action failed; `None` when it was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How many actions of each kind were made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Current objects that expired: deleted, or hidden by a delete marker.
    pub objects_expired: u64,
    /// Of those, the ones hidden by a delete marker.
    pub delete_markers_added: u64,
    pub delete_markers_removed: u64,
    pub noncurrent_versions_removed: u64,
    pub uploads_aborted: u64,
    /// Actions that failed, and buckets that could not be walked.
    pub failures: u64,
}

impl Counts {
    fn count(&mut self, action: &Action) {
        if action.error.is_some() {
            self.failures += 1;
            return;
        }
        match action.kind {
            ActionKind::Expired => self.objects_expired += 1,
            ActionKind::DeleteMarkerAdded => {
                self.objects_expired += 1;
                self.delete_markers_added += 1;
            }
            ActionKind::DeleteMarkerRemoved => self.delete_markers_removed += 1,
            ActionKind::NoncurrentRemoved => self.noncurrent_versions_removed += 1,
            ActionKind::UploadAborted => self.uploads_aborted += 1,
        }
    }

    fn add(&mut self, other: &Counts) {
        self.objects_expired += other.objects_expired;
        self.delete_markers_added += other.delete_markers_added;
        self.delete_markers_removed += other.delete_markers_removed;
        self.noncurrent_versions_removed += other.noncurrent_versions_removed;
        self.uploads_aborted += other.uploads_aborted;
        self.failures += other.failures;
    }

    /// Whether nothing was done and nothing failed.
    pub fn is_empty(&self) -> bool {
        *self == Counts::default()
    }
}

/// What the pass did in one bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BucketReport {
    pub bucket: String,
    pub counts: Counts,
    /// Every action, in the order made, when the pass keeps them
    /// ([`PassOptions::keep_actions`]).
    pub actions: Vec<Action>,
    /// Why the bucket could not be walked (whole or in part).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LifecycleReport {
    /// The time the rules were evaluated at, RFC 3339.
    pub at: String,
    pub dry_run: bool,
    pub buckets: Vec<BucketReport>,
}

impl LifecycleReport {
    /// The counts over every bucket.
    pub fn totals(&self) -> Counts {
        let mut total = Counts::default();
        for b in &self.buckets {
            total.add(&b.counts);
        }
        total
    }

    /// Every action of every bucket (those kept).
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.buckets.iter().flat_map(|b| &b.actions)
    }
}

/// How a pass runs.
#[derive(Clone, Debug)]
pub struct PassOptions {
    /// Only this bucket; every bucket when `None`.
    pub bucket: Option<String>,
    /// The time the rules are evaluated at.
    pub now: SystemTime,
    /// Incomplete multipart uploads no rule governs are aborted once this
    /// old (`[multipart] abandon_after`).
    pub abandon_after: Duration,
    /// Report what is due without changing anything.
    pub dry_run: bool,
    /// Keep every action in the report. A scheduled pass over a large
    /// store hears of them through the callback instead and keeps counts.
    pub keep_actions: bool,
}

/// Runs a pass over `bucket` (or every bucket) as of `now`, making every
/// action due, and returns the report with every action in it.
pub fn run_pass(
    store: &Store,
    bucket: Option<&str>,
    now: SystemTime,
    abandon_after: Duration,
) -> alexander_store::Result<LifecycleReport> {
    let opts = PassOptions {
        bucket: bucket.map(str::to_owned),
        now,
        abandon_after,
        dry_run: false,
        keep_actions: true,
    };
    run_pass_with(store, &opts, &mut |_| {})
}

/// Runs a pass as `opts` says, calling `on_action` with each action as it
/// is made (or fails). Fails only if the buckets cannot be listed or the
/// bucket named does not exist; anything that goes wrong within a bucket
/// is in its report.
pub fn run_pass_with(
    store: &Store,
    opts: &PassOptions,
    on_action: &mut dyn FnMut(&Action),
) -> alexander_store::Result<LifecycleReport> {
    let now = ns_of(opts.now);
    let buckets = match &opts.bucket {
        Some(name) => vec![store.head_bucket(name)?],
        None => store.list_buckets()?,
    };
    let mut report = LifecycleReport {
        at: UtcTime::from_ns(now).rfc3339_secs(),
        dry_run: opts.dry_run,
        buckets: Vec::new(),
    };
    for info in buckets {
        let mut pass = BucketPass {
            store,
            opts,
            now,
            rules: Rules::of(&info),
            report: BucketReport {
                bucket: info.name.clone(),
                ..BucketReport::default()
            },
            on_action,
        };
        if let Err(e) = pass.run(&info) {
            // A bucket deleted while the pass ran has nothing left to do.
            if !matches!(e, StoreError::NoSuchBucket(_)) {
                pass.report.counts.failures += 1;
                pass.report.error = Some(e.to_string());
            }
        }
        report.buckets.push(pass.report);
    }
    Ok(report)
}

/// The pass a server runs on its schedule: every bucket as of `now`,
/// each action logged as it is made (a large first pass is not kept in
/// memory). Returns the report (counts per bucket) and how many objects
/// expired.
pub fn scheduled_pass(
    store: &Store,
    now: SystemTime,
    abandon_after: Duration,
) -> alexander_store::Result<(LifecycleReport, u64)> {
    let opts = PassOptions {
        bucket: None,
        now,
        abandon_after,
        dry_run: false,
        keep_actions: false,
    };
    let report = run_pass_with(store, &opts, &mut |a| {
        if a.error.is_none() {
            tracing::info!(
                bucket = %a.bucket,
                key = %a.key,
                version_id = a.version_id.as_deref().unwrap_or(""),
                upload_id = a.upload_id.as_deref().unwrap_or(""),
                rule = a.rule.as_deref().unwrap_or(""),
                "lifecycle: {}",
                a.kind.describe()
            );
        }
    })?;
    for b in report.buckets.iter().filter(|b| b.error.is_some()) {
        tracing::warn!(bucket = %b.bucket, "lifecycle: {}", b.error.as_deref().unwrap_or(""));
    }
    let expired = report.totals().objects_expired;
    Ok((report, expired))
}

/// ns since the Unix epoch (negative before it).
fn ns_of(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_nanos()).map_or(i64::MIN, |n| -n),
    }
}

/// The first UTC midnight at or after `ns`.
pub fn midnight_at_or_after(ns: i64) -> i64 {
    let rem = ns.rem_euclid(DAY_NS);
    if rem == 0 {
        ns
    } else {
        ns.saturating_add(DAY_NS - rem)
    }
}

/// When an action of `days` days counted from `from_ns` is due: S3 adds
/// the days and rounds up to the next UTC midnight.
pub fn due_after_days(from_ns: i64, days: i64) -> i64 {
    midnight_at_or_after(from_ns.saturating_add(days.saturating_mul(DAY_NS)))
}

/// A rule's filter, the legacy rule-level `Prefix` folded in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub prefix: String,
    pub tags: Vec<Tag>,
    pub size_greater_than: Option<u64>,
    pub size_less_than: Option<u64>,
}

impl Filter {
    fn of(rule: &LifecycleRule) -> Filter {
        let mut f = Filter {
            prefix: rule.prefix.clone().unwrap_or_default(),
            ..Filter::default()
        };
        if let Some(LifecycleFilter {
            prefix,
            tag,
            object_size_greater_than,
            object_size_less_than,
            and,
        }) = &rule.filter
        {
            if let Some(p) = prefix {
                f.prefix = p.clone();
            }
            f.tags.extend(tag.iter().cloned());
            f.size_greater_than = *object_size_greater_than;
            f.size_less_than = *object_size_less_than;
            if let Some(and) = and {
                if let Some(p) = &and.prefix {
                    f.prefix = p.clone();
                }
                f.tags.extend(and.tags.iter().cloned());
                f.size_greater_than = and.object_size_greater_than.or(f.size_greater_than);
                f.size_less_than = and.object_size_less_than.or(f.size_less_than);
            }
        }
        f
    }

    /// Whether a version of `key` with `size` bytes and `tags` is selected.
    /// A delete marker is a version of 0 bytes without tags.
    pub fn matches(&self, key: &str, size: u64, tags: &[Tag]) -> bool {
        key.starts_with(&self.prefix)
            && self.size_greater_than.is_none_or(|n| size > n)
            && self.size_less_than.is_none_or(|n| size < n)
            && self.tags.iter().all(|t| tags.contains(t))
    }

    /// Whether an upload of `key` is selected: uploads are matched on the
    /// prefix alone (rules that also filter on tags or sizes may not abort
    /// uploads; `LifecycleRule::validate` refuses them).
    fn matches_upload(&self, key: &str) -> bool {
        key.starts_with(&self.prefix)
    }
}

/// When a current version expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// This many days after its creation.
    Days(i64),
    /// From this midnight (ns) on.
    Date(i64),
}

impl Expiry {
    fn due(self, created_ns: i64) -> i64 {
        match self {
            Expiry::Days(d) => due_after_days(created_ns, d),
            Expiry::Date(ns) => ns,
        }
    }
}

/// An enabled rule, ready to evaluate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: Option<String>,
    pub filter: Filter,
    pub expiry: Option<Expiry>,
    /// `ExpiredObjectDeleteMarker` set to true.
    pub expired_marker: bool,
    /// `NoncurrentDays` and `NewerNoncurrentVersions` (0 if absent).
    pub noncurrent: Option<(i64, usize)>,
    pub abort_days: Option<i64>,
}

impl Rule {
    fn of(rule: &LifecycleRule) -> Rule {
        let exp = rule.expiration.as_ref();
        Rule {
            id: rule.id.clone(),
            filter: Filter::of(rule),
            expiry: exp.and_then(|e| match (e.days, e.date) {
                (Some(d), _) => Some(Expiry::Days(d)),
                (None, Some(date)) => Some(Expiry::Date(date.0)),
                (None, None) => None,
            }),
            expired_marker: exp.and_then(|e| e.expired_object_delete_marker) == Some(true),
            noncurrent: rule.noncurrent_version_expiration.as_ref().and_then(|n| {
                let keep = n.newer_noncurrent_versions.unwrap_or(0);
                Some((n.noncurrent_days?, usize::try_from(keep).unwrap_or(0)))
            }),
            abort_days: rule
                .abort_incomplete_multipart_upload
                .as_ref()
                .and_then(|a| a.days_after_initiation),
        }
    }

    fn acts_on_objects(&self) -> bool {
        self.expiry.is_some() || self.expired_marker || self.noncurrent.is_some()
    }
}

/// A bucket's enabled rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules(pub Vec<Rule>);

impl Rules {
    /// The enabled rules of a configuration.
    pub fn new(conf: &LifecycleConfiguration) -> Rules {
        Rules(
            conf.rules
                .iter()
                .filter(|r| r.enabled())
                .map(Rule::of)
                .collect(),
        )
    }

    fn of(info: &BucketInfo) -> Rules {
        lifecycle_of(info).map_or_else(Rules::default, |c| Rules::new(&c))
    }

    /// The rule under which a current object created at `created_ns`
    /// has expired by `now`, if any.
    pub fn expired_current(
        &self,
        key: &str,
        size: u64,
        tags: &[Tag],
        created_ns: i64,
        now: i64,
    ) -> Option<&Rule> {
        self.0.iter().find(|r| {
            r.expiry.is_some_and(|e| now >= e.due(created_ns)) && r.filter.matches(key, size, tags)
        })
    }

    /// The rule under which a delete marker created at `created_ns`, the
    /// only version of its key, goes by `now`. `ExpiredObjectDeleteMarker`
    /// removes it at once; a rule that expires current versions removes it
    /// too (as S3 does) once the marker itself is as old as the rule says.
    pub fn expired_marker(&self, key: &str, created_ns: i64, now: i64) -> Option<&Rule> {
        self.0.iter().find(|r| {
            let due = r.expired_marker || r.expiry.is_some_and(|e| now >= e.due(created_ns));
            due && r.filter.matches(key, 0, &[])
        })
    }

    /// The rule under which a noncurrent version goes by `now`: it became
    /// noncurrent at `noncurrent_ns` and `newer` noncurrent versions of its
    /// key are newer than it.
    pub fn expired_noncurrent(
        &self,
        key: &str,
        size: u64,
        tags: &[Tag],
        noncurrent_ns: i64,
        newer: usize,
        now: i64,
    ) -> Option<&Rule> {
        self.0.iter().find(|r| {
            r.noncurrent.is_some_and(|(days, keep)| {
                newer >= keep && now >= due_after_days(noncurrent_ns, days)
            }) && r.filter.matches(key, size, tags)
        })
    }

    /// When an upload of `key` started at `created_ns` is aborted: the
    /// earliest time a rule says, or, if no rule governs it, once it is
    /// `abandon_after` old. Also the rule, if one decided.
    pub fn upload_due(
        &self,
        key: &str,
        created_ns: i64,
        abandon_after: Duration,
    ) -> (i64, Option<&Rule>) {
        let by_rule = self
            .0
            .iter()
            .filter_map(|r| {
                let days = r.abort_days?;
                r.filter
                    .matches_upload(key)
                    .then(|| (due_after_days(created_ns, days), r))
            })
            .min_by_key(|(due, _)| *due);
        match by_rule {
            Some((due, r)) => (due, Some(r)),
            None => {
                let limit = i64::try_from(abandon_after.as_nanos()).unwrap_or(i64::MAX);
                (created_ns.saturating_add(limit), None)
            }
        }
    }

    fn act_on_objects(&self) -> bool {
        self.0.iter().any(Rule::acts_on_objects)
    }

    /// The longest prefix every rule acting on objects shares: the part
    /// of the bucket worth walking.
    fn walk_prefix(&self) -> String {
        let mut prefixes = self
            .0
            .iter()
            .filter(|r| r.acts_on_objects())
            .map(|r| r.filter.prefix.as_str());
        let Some(first) = prefixes.next() else {
            return String::new();
        };
        let mut common = first;
        for p in prefixes {
            let len = common
                .char_indices()
                .zip(p.chars())
                .find(|((_, a), b)| a != b)
                .map_or(common.len().min(p.len()), |((i, _), _)| i);
            // `len` is a character boundary of both (they agree up to it).
            common = &common[..len];
        }
        common.to_owned()
    }
}

/// The tags kept in a version's metadata.
fn tags_of(info: &ObjectInfo) -> Vec<Tag> {
    info.meta
        .extra
        .get(TAGGING)
        .map(|t| decode_tags(t))
        .unwrap_or_default()
}

/// One bucket's share of a pass.
struct BucketPass<'a, 'f> {
    store: &'a Store,
    opts: &'a PassOptions,
    now: i64,
    rules: Rules,
    report: BucketReport,
    on_action: &'f mut dyn FnMut(&Action),
}

/// The versions of the key being walked, seen so far (newest first).
struct KeyWalk {
    key: String,
    /// Versions of the key seen so far.
    seen: usize,
    /// Creation time of the last version seen: when the next one became
    /// noncurrent.
    newer_ns: i64,
    /// The key's newest version, a delete marker: removed if it turns out
    /// to be the only version.
    lone_marker: Option<ObjectInfo>,
}

impl BucketPass<'_, '_> {
    fn run(&mut self, info: &BucketInfo) -> alexander_store::Result<()> {
        if self.rules.act_on_objects() {
            match info.versioning {
                Versioning::Unversioned => self.walk_objects(info)?,
                Versioning::Enabled | Versioning::Suspended => self.walk_versions(info)?,
            }
        }
        self.walk_uploads(info)
    }

    /// An unversioned bucket: only current objects, which expire.
    fn walk_objects(&mut self, info: &BucketInfo) -> alexander_store::Result<()> {
        let mut q = ListQuery {
            prefix: self.rules.walk_prefix(),
            max_keys: PAGE,
            ..ListQuery::default()
        };
        loop {
            let page = self.store.list_objects(&info.name, &q)?;
            for o in &page.objects {
                let tags = tags_of(o);
                let now = self.now;
                if let Some(rule) =
                    self.rules
                        .expired_current(&o.key, o.size, &tags, o.modified_ns, now)
                {
                    let rule = rule.id.clone();
                    self.expire_current(info, o, rule);
                }
            }
            match page.next_marker {
                Some(m) if page.is_truncated => q.start_after = Some(m),
                _ => return Ok(()),
            }
        }
    }

    /// A versioned (or suspended) bucket: every version of every key, each
    /// key's newest first.
    fn walk_versions(&mut self, info: &BucketInfo) -> alexander_store::Result<()> {
        let mut q = VersionQuery {
            prefix: self.rules.walk_prefix(),
            max_keys: PAGE,
            ..VersionQuery::default()
        };
        let mut walk: Option<KeyWalk> = None;
        loop {
            let page = self.store.list_versions(&info.name, &q)?;
            for entry in &page.versions {
                if walk.as_ref().is_none_or(|w| w.key != entry.info.key) {
                    if let Some(done) = walk.take() {
                        self.end_key(info, done);
                    }
                    walk = Some(KeyWalk {
                        key: entry.info.key.clone(),
                        seen: 0,
                        newer_ns: 0,
                        lone_marker: None,
                    });
                }
                let w = walk.as_mut().expect("set above");
                self.version(info, w, entry);
            }
            if !page.is_truncated {
                break;
            }
            // The marker names the last version by its sequence, which
            // stays a valid place to resume even once that version (a null
            // one included) is gone.
            let Some(last) = page.versions.last() else {
                break;
            };
            q.key_marker = Some(last.info.key.clone());
            q.version_id_marker = Some(format!("{:016x}", last.info.seq));
        }
        if let Some(done) = walk.take() {
            self.end_key(info, done);
        }
        Ok(())
    }

    fn version(&mut self, info: &BucketInfo, w: &mut KeyWalk, entry: &VersionEntry) {
        let o = &entry.info;
        let now = self.now;
        if w.seen == 0 {
            if entry.delete_marker {
                w.lone_marker = Some(o.clone());
            } else {
                let tags = tags_of(o);
                if let Some(rule) =
                    self.rules
                        .expired_current(&o.key, o.size, &tags, o.modified_ns, now)
                {
                    let rule = rule.id.clone();
                    self.expire_current(info, o, rule);
                }
            }
        } else {
            w.lone_marker = None;
            let tags = tags_of(o);
            let newer = w.seen - 1;
            if let Some(rule) = self
                .rules
                .expired_noncurrent(&o.key, o.size, &tags, w.newer_ns, newer, now)
            {
                let rule = rule.id.clone();
                self.delete(
                    info,
                    ActionKind::NoncurrentRemoved,
                    o,
                    DeleteIf::Noncurrent(o.seq),
                    rule,
                );
            }
        }
        w.seen += 1;
        w.newer_ns = o.modified_ns;
    }

    fn end_key(&mut self, info: &BucketInfo, w: KeyWalk) {
        let Some(marker) = w.lone_marker else { return };
        if let Some(rule) = self
            .rules
            .expired_marker(&marker.key, marker.modified_ns, self.now)
        {
            let rule = rule.id.clone();
            self.delete(
                info,
                ActionKind::DeleteMarkerRemoved,
                &marker,
                DeleteIf::OnlyMarker(marker.seq),
                rule,
            );
        }
    }

    fn expire_current(&mut self, info: &BucketInfo, o: &ObjectInfo, rule: Option<String>) {
        let kind = match info.versioning {
            Versioning::Unversioned => ActionKind::Expired,
            Versioning::Enabled | Versioning::Suspended => ActionKind::DeleteMarkerAdded,
        };
        let mut action = Action {
            bucket: info.name.clone(),
            kind,
            key: o.key.clone(),
            version_id: None,
            upload_id: None,
            rule,
            error: None,
        };
        if !self.opts.dry_run {
            match self
                .store
                .delete_object_if(&info.name, &o.key, None, DeleteIf::Current(o.seq))
            {
                Ok(r) => action.version_id = r.version_id.filter(|_| r.delete_marker),
                Err(e) if changed(&e) => return,
                Err(e) => action.error = Some(e.to_string()),
            }
        }
        self.record(action);
    }

    /// Removes one version by id, if the key is still as `expect` says.
    fn delete(
        &mut self,
        info: &BucketInfo,
        kind: ActionKind,
        o: &ObjectInfo,
        expect: DeleteIf,
        rule: Option<String>,
    ) {
        let mut action = Action {
            bucket: info.name.clone(),
            kind,
            key: o.key.clone(),
            version_id: Some(o.version_id.clone()),
            upload_id: None,
            rule,
            error: None,
        };
        if !self.opts.dry_run {
            match self
                .store
                .delete_object_if(&info.name, &o.key, Some(&o.version_id), expect)
            {
                Ok(_) => {}
                Err(e) if changed(&e) => return,
                Err(e) => action.error = Some(e.to_string()),
            }
        }
        self.record(action);
    }

    fn walk_uploads(&mut self, info: &BucketInfo) -> alexander_store::Result<()> {
        let mut markers: (Option<String>, Option<String>) = (None, None);
        loop {
            let page = self.store.list_uploads(
                &info.name,
                "",
                None,
                markers.0.as_deref(),
                markers.1.as_deref(),
                PAGE,
            )?;
            for u in &page.uploads {
                self.upload(info, u);
            }
            if !page.is_truncated {
                return Ok(());
            }
            markers = (page.next_key_marker, page.next_upload_id_marker);
        }
    }

    fn upload(&mut self, info: &BucketInfo, u: &UploadInfo) {
        let (due, rule) = self
            .rules
            .upload_due(&u.key, u.created_ns, self.opts.abandon_after);
        if self.now < due {
            return;
        }
        let mut action = Action {
            bucket: info.name.clone(),
            kind: ActionKind::UploadAborted,
            key: u.key.clone(),
            version_id: None,
            upload_id: Some(u.upload_id.clone()),
            rule: rule.and_then(|r| r.id.clone()),
            error: None,
        };
        if !self.opts.dry_run {
            match self.store.abort_multipart(&info.name, &u.key, &u.upload_id) {
                Ok(()) => {}
                // Completed or aborted meanwhile.
                Err(StoreError::NoSuchUpload(_)) => return,
                Err(e) => action.error = Some(e.to_string()),
            }
        }
        self.record(action);
    }

    fn record(&mut self, action: Action) {
        if let Some(e) = &action.error {
            tracing::warn!(
                bucket = %action.bucket,
                key = %action.key,
                "lifecycle: {} failed: {e}",
                action.kind.describe()
            );
        }
        self.report.counts.count(&action);
        (self.on_action)(&action);
        if self.opts.keep_actions {
            self.report.actions.push(action);
        }
    }
}

/// Whether a delete failed because the key is no longer as the listing
/// showed it: someone else's change came first, and wins.
fn changed(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::PreconditionFailed
            | StoreError::NoSuchKey { .. }
            | StoreError::NoSuchVersion { .. }
    )
}

#[cfg(test)]
mod tests;
