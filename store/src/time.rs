//! Calendar dates of the store's timestamps (`i64` ns since the Unix epoch,
//! UTC), for the views that print them: the command line, the mount's
//! `.versions` folders and the S3 endpoint's documents.
//!
//! The span of `i64` ns is 1677–2262, so years always have four digits.
//! Calendar arithmetic is Howard Hinnant's days-from-civil algorithm; no date
//! crate is needed.

const NS_PER_SEC: i64 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// A timestamp broken into UTC calendar fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UtcTime {
    pub year: i64,
    /// 1..=12
    pub month: u32,
    /// 1..=31
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0..1_000_000_000
    pub nanos: u32,
    /// 0 = Sunday.
    pub weekday: u32,
}

impl UtcTime {
    /// The fields of `ns` nanoseconds since the epoch.
    pub fn from_ns(ns: i64) -> UtcTime {
        let secs = ns.div_euclid(NS_PER_SEC);
        let nanos = ns.rem_euclid(NS_PER_SEC) as u32;
        let days = secs.div_euclid(SECS_PER_DAY);
        let tod = secs.rem_euclid(SECS_PER_DAY) as u32;
        let (year, month, day) = civil_from_days(days);
        UtcTime {
            year,
            month,
            day,
            hour: tod / 3600,
            minute: tod / 60 % 60,
            second: tod % 60,
            nanos,
            // 1970-01-01 was a Thursday.
            weekday: (days + 4).rem_euclid(7) as u32,
        }
    }

    /// `2026-11-18T11:06:40Z`: RFC 3339 to the second.
    pub fn rfc3339_secs(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `2026-11-18T11:06:40.000000999Z`: RFC 3339 to the nanosecond, so
    /// that names made of it sort as the times do.
    pub fn rfc3339_nanos(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.nanos
        )
    }
}

/// (year, month 1..=12, day 1..=31) of a day counted from 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day number (from 1970-01-01) of a calendar date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(UtcTime::from_ns(0).rfc3339_secs(), "1970-01-01T00:00:00Z");
        assert_eq!(UtcTime::from_ns(0).weekday, 4);
        assert_eq!(
            UtcTime::from_ns(951_782_400 * NS_PER_SEC).rfc3339_secs(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            UtcTime::from_ns(1_795_000_000 * NS_PER_SEC + 999).rfc3339_nanos(),
            "2026-11-18T11:06:40.000000999Z"
        );
        assert_eq!(
            UtcTime::from_ns(-1).rfc3339_nanos(),
            "1969-12-31T23:59:59.999999999Z"
        );
    }

    proptest! {
        #[test]
        fn days_round_trip(days in -106_000i64..106_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }

        #[test]
        fn names_sort_as_times(a in 0i64..i64::MAX / 2, b in 0i64..i64::MAX / 2) {
            let (na, nb) = (UtcTime::from_ns(a).rfc3339_nanos(), UtcTime::from_ns(b).rfc3339_nanos());
            prop_assert_eq!(a.cmp(&b), na.cmp(&nb));
        }
    }
}
