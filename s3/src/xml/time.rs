//! Dates as S3 writes them: ISO 8601 with milliseconds in XML
//! (`2009-10-12T17:50:30.000Z`) and RFC 1123 in headers
//! (`Mon, 12 Oct 2009 17:50:30 GMT`).
//!
//! Times are `i64` nanoseconds since the Unix epoch (the store's unit), which
//! spans 1677–2262, so years always have four digits. The calendar
//! arithmetic is the store's ([`alexander_store::time`]).

use alexander_store::time::{UtcTime, days_from_civil};

const NS_PER_SEC: i64 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `2009-10-12T17:50:30.000Z`: S3's form in XML documents.
pub fn iso8601(ns: i64) -> String {
    let p = UtcTime::from_ns(ns);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        p.year,
        p.month,
        p.day,
        p.hour,
        p.minute,
        p.second,
        p.nanos / 1_000_000
    )
}

/// `Mon, 12 Oct 2009 17:50:30 GMT`: RFC 1123, for `Last-Modified` and other
/// headers. Sub-second precision is dropped, as HTTP dates have none.
pub fn http_date(ns: i64) -> String {
    let p = UtcTime::from_ns(ns);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[p.weekday as usize],
        p.day,
        MONTHS[p.month as usize - 1],
        p.year,
        p.hour,
        p.minute,
        p.second
    )
}

/// Parses an HTTP date (RFC 1123, RFC 850 or asctime, as `If-Modified-Since`
/// may carry) into nanoseconds since the epoch.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let t = httpdate::parse_http_date(text.trim()).ok()?;
    let secs = match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).ok()?,
        Err(e) => -i64::try_from(e.duration().as_secs()).ok()?,
    };
    secs.checked_mul(NS_PER_SEC)
}

/// Parses an ISO 8601 date as S3 accepts it in lifecycle rules and clients
/// send it: `2026-01-01`, `2026-01-01T00:00:00Z`,
/// `2026-01-01T00:00:00.000Z`, or with an offset (`+01:00`). Returns
/// nanoseconds since the epoch, or `None` if the text is not such a date.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(range)?;
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = num(0..4)?;
    let month = u32::try_from(num(5..7)?).ok()?;
    let day = u32::try_from(num(8..10)?).ok()?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if b.len() == 10 {
        return days.checked_mul(SECS_PER_DAY)?.checked_mul(NS_PER_SEC);
    }
    if !matches!(b[10], b'T' | b't') || b.len() < 20 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut i = 19;
    let mut frac_ns = 0i64;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &b[start..i];
        if digits.is_empty() {
            return None;
        }
        // Nanosecond precision; further digits are truncated.
        for (n, d) in digits.iter().take(9).enumerate() {
            frac_ns += i64::from(d - b'0') * 10i64.pow(8 - n as u32);
        }
    }
    let offset_secs = match &b[i..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digit = |c: &u8| c.is_ascii_digit().then(|| i64::from(c - b'0'));
            let h = digit(h1)? * 10 + digit(h2)?;
            let m = digit(m1)? * 10 + digit(m2)?;
            if h > 23 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            if *sign == b'+' { secs } else { -secs }
        }
        _ => return None,
    };
    let secs = days
        .checked_mul(SECS_PER_DAY)?
        .checked_add(hour * 3600 + minute * 60 + second - offset_secs)?;
    secs.checked_mul(NS_PER_SEC)?.checked_add(frac_ns)
}

/// Whether `ns` is exactly midnight UTC (S3 requires it of lifecycle
/// `Date`s).
pub fn is_midnight_utc(ns: i64) -> bool {
    ns.rem_euclid(SECS_PER_DAY * NS_PER_SEC) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const OCT_12_2009: i64 = 1_255_369_830_000_000_000; // 2009-10-12T17:50:30Z

    #[test]
    fn formats() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(OCT_12_2009), "2009-10-12T17:50:30.000Z");
        assert_eq!(
            iso8601(OCT_12_2009 + 123_999_999),
            "2009-10-12T17:50:30.123Z"
        );
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            iso8601(951_782_400 * NS_PER_SEC),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            http_date(OCT_12_2009 + 999),
            "Mon, 12 Oct 2009 17:50:30 GMT"
        );
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(-NS_PER_SEC), "Wed, 31 Dec 1969 23:59:59 GMT");
        assert_eq!(http_date(i64::MAX), "Fri, 11 Apr 2262 23:47:16 GMT");
        assert_eq!(iso8601(i64::MIN), "1677-09-21T00:12:43.145Z");
    }

    #[test]
    fn http_dates_agree_with_httpdate() {
        for secs in [
            0i64,
            1,
            59,
            86_399,
            951_782_400,
            1_255_369_830,
            4_102_444_800,
        ] {
            let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64);
            assert_eq!(http_date(secs * NS_PER_SEC), httpdate::fmt_http_date(t));
            assert_eq!(
                parse_http_date(&http_date(secs * NS_PER_SEC)),
                Some(secs * NS_PER_SEC)
            );
        }
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(784_111_777 * NS_PER_SEC)
        );
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn parses() {
        let midnight = 1_767_225_600 * NS_PER_SEC; // 2026-01-01
        for text in [
            "2026-01-01",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00.000Z",
            "2026-01-01T00:00:00.000000000Z",
            "2026-01-01t00:00:00z",
            "2026-01-01T01:30:00+01:30",
            "2025-12-31T23:00:00-01:00",
        ] {
            assert_eq!(parse_iso8601(text), Some(midnight), "{text}");
        }
        assert_eq!(
            parse_iso8601("2009-10-12T17:50:30.5Z"),
            Some(OCT_12_2009 + 500_000_000)
        );
        assert_eq!(
            parse_iso8601("2009-10-12T17:50:30.1234567891Z"),
            Some(OCT_12_2009 + 123_456_789)
        );
        for bad in [
            "",
            "2026",
            "2026-13-01",
            "2026-02-29",
            "2026-01-00",
            "2026-01-01T",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+0100",
            "2026-01-01 00:00:00Z",
            "+026-01-01",
            "2026-01-01T00:00:00ZZ",
            "２０２６-01-01",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_iso8601("2024-02-29"),
            Some(1_709_164_800 * NS_PER_SEC)
        );
        assert!(is_midnight_utc(midnight));
        assert!(!is_midnight_utc(midnight + 1));
    }

    #[test]
    fn round_trip() {
        for ns in [
            0,
            OCT_12_2009 + 7_000_000,
            -86_400 * NS_PER_SEC,
            4_102_444_800 * NS_PER_SEC,
        ] {
            assert_eq!(parse_iso8601(&iso8601(ns)), Some(ns));
        }
    }
}
