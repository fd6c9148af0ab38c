//! Scheduled snapshots: how often a bucket is snapshotted and which of
//! those snapshots are kept.
//!
//! A schedule set with `alexander snapshot schedule set` is kept in the
//! bucket's settings (`snapshot.schedule`, JSON), so it travels with the
//! store; one in the config file (`[[snapshots]]`) applies to a bucket
//! that has none of its own. The server takes a snapshot named
//! `auto-YYYYMMDDTHHMMSSZ` when the newest one is `every` old (so one
//! missed while it was down is taken at start), then prunes the `auto-`
//! snapshots by the retention rules, as sanoid and `restic forget` do: a
//! snapshot is kept if any rule keeps it. Snapshots made by hand are never
//! touched.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use alexander_store::Store;
use alexander_store::time::{UtcTime, days_from_civil};
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

/// The bucket setting holding a bucket's own schedule.
pub const SETTING: &str = "snapshot.schedule";

/// What names the server's snapshots begin with.
pub const AUTO_PREFIX: &str = "auto-";

/// A snapshot schedule with its retention rules. A count of 0 keeps
/// nothing by that rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Seconds between snapshots.
    pub every_secs: u64,
    #[serde(default)]
    pub keep_last: u32,
    #[serde(default)]
    pub keep_hourly: u32,
    #[serde(default)]
    pub keep_daily: u32,
    #[serde(default)]
    pub keep_weekly: u32,
    #[serde(default)]
    pub keep_monthly: u32,
}

impl Schedule {
    /// Refuses a schedule that would never take a snapshot or would keep
    /// every one it takes.
    pub fn validate(&self) -> Result<()> {
        if self.every_secs == 0 {
            bail!("a schedule needs a period of at least one second");
        }
        if self.keep_last == 0
            && self.keep_hourly == 0
            && self.keep_daily == 0
            && self.keep_weekly == 0
            && self.keep_monthly == 0
        {
            bail!(
                "a schedule needs a retention rule (--keep-last, --keep-hourly, --keep-daily, \
                 --keep-weekly or --keep-monthly): without one its snapshots would pile up without bound"
            );
        }
        Ok(())
    }

    /// One line: `every 1h, keep last 24, daily 7`.
    pub fn describe(&self) -> String {
        let mut keep = Vec::new();
        for (n, what) in [
            (self.keep_last, "last"),
            (self.keep_hourly, "hourly"),
            (self.keep_daily, "daily"),
            (self.keep_weekly, "weekly"),
            (self.keep_monthly, "monthly"),
        ] {
            if n > 0 {
                keep.push(format!("{what} {n}"));
            }
        }
        format!(
            "every {}, keep {}",
            format_duration(Duration::from_secs(self.every_secs)),
            keep.join(", ")
        )
    }
}

/// Parses `90`, `30s`, `5m`, `2h`, `1d` or `1w` (seconds when no unit).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (a number with s, m, h, d or w)"))?;
    let unit_secs = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {s:?} (use s, m, h, d or w)"
            ));
        }
    };
    n.checked_mul(unit_secs)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("{s:?} is too long"))
}

/// The shortest of `1w`, `2d`, `3h`, `5m`, `30s` that says `d` exactly.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    for (unit, n) in [("w", 7 * 86_400), ("d", 86_400), ("h", 3600), ("m", 60)] {
        if secs >= n && secs.is_multiple_of(n) {
            return format!("{}{unit}", secs / n);
        }
    }
    format!("{secs}s")
}

/// The schedule a bucket keeps in its settings, if any.
pub fn stored(store: &Store, bucket: &str) -> Result<Option<Schedule>> {
    let info = store.head_bucket(bucket)?;
    info.settings
        .get(SETTING)
        .map(|raw| parse(bucket, raw))
        .transpose()
}

/// A schedule as kept in bucket settings.
pub fn parse(bucket: &str, raw: &str) -> Result<Schedule> {
    serde_json::from_str(raw).map_err(|e| {
        anyhow::anyhow!("the snapshot schedule of bucket {bucket} does not parse: {e}")
    })
}

/// Keeps `schedule` as the bucket's own.
pub fn store_schedule(store: &Store, bucket: &str, schedule: &Schedule) -> Result<()> {
    schedule.validate()?;
    let raw = serde_json::to_string(schedule)?;
    store.update_bucket_settings(bucket, |s| {
        s.insert(SETTING.to_owned(), raw);
    })?;
    Ok(())
}

/// Removes the bucket's own schedule; whether there was one.
pub fn remove_schedule(store: &Store, bucket: &str) -> Result<bool> {
    let mut had = false;
    store.update_bucket_settings(bucket, |s| {
        had = s.remove(SETTING).is_some();
    })?;
    Ok(had)
}

/// The name of an automatic snapshot taken at `ns`.
pub fn auto_name(ns: i64) -> String {
    let t = UtcTime::from_ns(ns);
    format!(
        "{AUTO_PREFIX}{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// The time an automatic snapshot's name says, if it is one.
pub fn auto_time(name: &str) -> Option<i64> {
    let s = name.strip_prefix(AUTO_PREFIX)?.as_bytes();
    if s.len() != 16 || s[8] != b'T' || s[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        std::str::from_utf8(&s[r]).ok()?.parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let days = days_from_civil(i64::from(y), mo, d);
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + se);
    Some(secs * 1_000_000_000)
}

/// Which of the automatic snapshots `taken` (name → time in ns) the rules
/// keep: the `keep_last` newest, and for each of the `keep_hourly` (daily,
/// weekly, monthly) newest hours (days, ISO weeks, months) that hold a
/// snapshot, the newest snapshot in it.
pub fn kept(schedule: &Schedule, taken: &BTreeMap<String, i64>) -> BTreeSet<String> {
    let mut newest_first: Vec<(&String, i64)> = taken.iter().map(|(n, &t)| (n, t)).collect();
    newest_first.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(a.0)));
    let mut keep = BTreeSet::new();
    for (name, _) in newest_first.iter().take(schedule.keep_last as usize) {
        keep.insert((*name).clone());
    }
    /// Which period (hour, day, week, month) a time falls in.
    type PeriodOf = fn(i64) -> i64;
    let periods: [(u32, PeriodOf); 4] = [
        (schedule.keep_hourly, |ns| ns.div_euclid(3_600_000_000_000)),
        (schedule.keep_daily, |ns| ns.div_euclid(86_400_000_000_000)),
        (schedule.keep_weekly, iso_week),
        (schedule.keep_monthly, |ns| {
            let t = UtcTime::from_ns(ns);
            t.year * 12 + i64::from(t.month)
        }),
    ];
    for (count, period_of) in periods {
        let mut seen = BTreeSet::new();
        for (name, t) in &newest_first {
            if seen.len() == count as usize {
                break;
            }
            // The first met in a period is its newest.
            if seen.insert(period_of(*t)) {
                keep.insert((*name).clone());
            }
        }
    }
    keep
}

/// A number for the ISO week (Monday to Sunday) holding `ns`.
fn iso_week(ns: i64) -> i64 {
    let days = ns.div_euclid(86_400_000_000_000);
    // 1970-01-01 was a Thursday: Monday 1969-12-29 is day -3.
    (days + 3).div_euclid(7)
}

/// What one scheduling round did for a bucket.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub taken: Option<String>,
    pub pruned: Vec<String>,
}

/// Takes the bucket's snapshot if one is due at `now_ns`, then prunes its
/// automatic snapshots by the schedule's rules.
pub fn run(store: &Store, bucket: &str, schedule: &Schedule, now_ns: i64) -> Result<Round> {
    let mut round = Round::default();
    let mut auto: BTreeMap<String, i64> = store
        .list_snapshots(bucket)?
        .into_iter()
        .filter_map(|s| auto_time(&s.name).map(|_| (s.name, s.created_ns)))
        .collect();
    let last = auto.values().copied().max();
    let every = i64::try_from(schedule.every_secs)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000_000);
    if last.is_none_or(|t| now_ns.saturating_sub(t) >= every) {
        let name = auto_name(now_ns);
        // Two rounds within one second would pick one name: the second has
        // nothing to do.
        if !auto.contains_key(&name) {
            let info = store.create_snapshot(bucket, &name)?;
            auto.insert(info.name.clone(), info.created_ns);
            round.taken = Some(info.name);
        }
    }
    let keep = kept(schedule, &auto);
    for name in auto.keys() {
        if !keep.contains(name) {
            store.delete_snapshot(bucket, name)?;
            round.pruned.push(name.clone());
        }
    }
    Ok(round)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000_000_000;
    const D: i64 = 24 * H;

    fn at(ns: &[i64]) -> BTreeMap<String, i64> {
        ns.iter().map(|&t| (auto_name(t), t)).collect()
    }

    #[test]
    fn names_round_trip() {
        let t = 1_796_000_000 * 1_000_000_000;
        let name = auto_name(t);
        assert_eq!(name, "auto-20261130T005320Z");
        assert_eq!(auto_time(&name), Some(t));
        for bad in [
            "auto-2026",
            "manual",
            "auto-20261324T002320Z",
            "auto-20261124X002320Z",
        ] {
            assert_eq!(auto_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("1w"), Ok(Duration::from_secs(604_800)));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("h").is_err());
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(format_duration(Duration::from_secs(90)), "90s");
    }

    #[test]
    fn a_schedule_needs_a_period_and_a_rule() {
        assert!(Schedule::default().validate().is_err());
        let s = Schedule {
            every_secs: 60,
            ..Schedule::default()
        };
        assert!(s.validate().is_err());
        let s = Schedule { keep_daily: 1, ..s };
        assert!(s.validate().is_ok());
        assert_eq!(s.describe(), "every 1m, keep daily 1");
    }

    #[test]
    fn keep_last_keeps_the_newest() {
        let taken = at(&[H, 2 * H, 3 * H, 4 * H]);
        let s = Schedule {
            every_secs: 3600,
            keep_last: 2,
            ..Schedule::default()
        };
        let keep = kept(&s, &taken);
        assert_eq!(keep, [auto_name(3 * H), auto_name(4 * H)].into());
    }

    #[test]
    fn periods_keep_the_newest_of_each() {
        // Every 6 hours for 10 days, starting on a Thursday's midnight.
        let times: Vec<i64> = (0..40).map(|i| i * 6 * H).collect();
        let taken = at(&times);
        let daily = Schedule {
            every_secs: 6 * 3600,
            keep_daily: 3,
            ..Schedule::default()
        };
        let keep = kept(&daily, &taken);
        // The newest of each of the last three days: 18:00 of days 7, 8, 9.
        let want: BTreeSet<String> = [7, 8, 9]
            .iter()
            .map(|d| auto_name(d * D + 18 * H))
            .collect();
        assert_eq!(keep, want);
        // Weekly: days 0-3 are Thu-Sun of the first ISO week, 4-9 the next.
        let weekly = Schedule {
            every_secs: 6 * 3600,
            keep_weekly: 5,
            ..Schedule::default()
        };
        let keep = kept(&weekly, &taken);
        let want: BTreeSet<String> = [auto_name(3 * D + 18 * H), auto_name(9 * D + 18 * H)].into();
        assert_eq!(keep, want);
        // Rules add up: a snapshot any rule keeps stays.
        let both = Schedule {
            keep_last: 1,
            keep_monthly: 1,
            ..weekly
        };
        assert_eq!(kept(&both, &taken).len(), 2);
    }

    proptest::proptest! {
        /// Whatever was taken, the rules keep no more than they allow, and
        /// always the newest snapshot when any rule keeps anything.
        #[test]
        fn retention_is_bounded_and_keeps_the_newest(
            times in proptest::collection::btree_set(0i64..(400 * D), 0..60),
            last in 0u32..5, hourly in 0u32..5, daily in 0u32..5, weekly in 0u32..5, monthly in 0u32..5,
        ) {
            let times: Vec<i64> = times.into_iter().map(|t| t / 1_000_000_000 * 1_000_000_000).collect();
            let taken = at(&times);
            let s = Schedule {
                every_secs: 1,
                keep_last: last,
                keep_hourly: hourly,
                keep_daily: daily,
                keep_weekly: weekly,
                keep_monthly: monthly,
            };
            let keep = kept(&s, &taken);
            proptest::prop_assert!(keep.len() <= (last + hourly + daily + weekly + monthly) as usize);
            proptest::prop_assert!(keep.iter().all(|n| taken.contains_key(n)));
            let any = last + hourly + daily + weekly + monthly > 0;
            if let Some((newest, _)) = taken.iter().max_by_key(|(n, t)| (**t, (*n).clone())) {
                proptest::prop_assert_eq!(keep.contains(newest), any);
            }
        }
    }
}
