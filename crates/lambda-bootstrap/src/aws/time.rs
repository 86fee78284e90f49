//! UTC calendar time, as AWS writes it: SigV4's `20150830T123600Z` and the
//! container endpoint's `2015-08-30T12:36:00Z` expirations. Pure, std only
//! (days from the civil date, H. Hinnant's algorithm); nothing reads a clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Year, month, day, hour, minute, second (UTC).
type Civil = (i64, u32, u32, u32, u32, u32);

fn civil(time: SystemTime) -> Civil {
    // Before 1970 is not a time a request is signed at.
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    let rem = rem as u32;
    (year, month, day, rem / 3600, rem / 60 % 60, rem % 60)
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `20150830T123600Z`, SigV4's `X-Amz-Date`.
pub fn amz_date(time: SystemTime) -> String {
    let (y, mo, d, h, mi, s) = civil(time);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// Parses an RFC 3339 time as AWS writes them: `2015-08-30T12:36:00Z`,
/// with optional fractions of a second and a `±hh:mm` offset instead of `Z`.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let b = text.trim().as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| std::str::from_utf8(digits).ok()?.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let mut at = 19;
    let mut nanos = 0u32;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        let digits = &b[start..at];
        if digits.is_empty() {
            return None;
        }
        for (i, d) in digits.iter().take(9).enumerate() {
            nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
        }
    }
    let offset_secs: i64 = match b.get(at) {
        Some(b'Z' | b'z') if at + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if at + 6 == b.len() && b[at + 3] == b':' => {
            let minutes = i64::from(num(at + 1..at + 3)? * 60 + num(at + 4..at + 6)?);
            if sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second.min(60)) - offset_secs;
    let secs = u64::try_from(secs).ok()?;
    Some(UNIX_EPOCH + Duration::new(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn amz_dates() {
        assert_eq!(amz_date(at(0)), "19700101T000000Z");
        assert_eq!(amz_date(at(1_440_938_160)), "20150830T123600Z");
        // A leap day, and the last second of a century year's February.
        assert_eq!(amz_date(at(1_709_164_800)), "20240229T000000Z");
        assert_eq!(amz_date(at(951_868_799)), "20000229T235959Z");
    }

    #[test]
    fn rfc3339_as_aws_writes_it() {
        let check = |text: &str, expected: Option<SystemTime>| {
            assert_eq!(parse_rfc3339(text), expected, "{text}");
        };
        check("2015-08-30T12:36:00Z", Some(at(1_440_938_160)));
        check(
            "2015-08-30T12:36:00.250Z",
            Some(at(1_440_938_160) + Duration::from_millis(250)),
        );
        check("2015-08-30T14:36:00+02:00", Some(at(1_440_938_160)));
        check("2015-08-30T10:36:00-02:00", Some(at(1_440_938_160)));
        check("2024-02-29T00:00:00Z", Some(at(1_709_164_800)));
        for bad in [
            "",
            "2015-08-30",
            "2015-08-30T12:36:00",
            "2015-13-30T12:36:00Z",
            "tomorrow",
            "2015-08-30T12:36:00.Z",
            "2015-08-30T12:36:00Zjunk",
        ] {
            check(bad, None);
        }
        // Round trip through both formats over many days.
        for day in (0..20_000u64).step_by(37) {
            let t = at(day * 86_400 + 45_296);
            let amz = amz_date(t);
            let rfc = format!(
                "{}-{}-{}T{}:{}:{}Z",
                &amz[0..4],
                &amz[4..6],
                &amz[6..8],
                &amz[9..11],
                &amz[11..13],
                &amz[13..15]
            );
            assert_eq!(parse_rfc3339(&rfc), Some(t), "{rfc}");
        }
    }
}
