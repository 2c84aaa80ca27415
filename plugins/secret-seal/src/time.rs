//! The few time formats sops needs: `lastmodified` (RFC3339, UTC, no fraction) and YAML
//! timestamps (yaml.v3's four layouts, re-emitted as Go's RFC3339Nano).

use std::time::{SystemTime, UNIX_EPOCH};

/// `time.Now().UTC().Format(time.RFC3339)`.
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    format_utc(secs)
}

pub fn format_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Seconds since the epoch of an RFC3339 UTC time as [`format_utc`] writes it.
pub fn parse_utc(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[10] != b'T' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<i64>().ok());
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hh, mm, ss) = (n(11..13)?, n(14..16)?, n(17..19)?);
    Some(days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Howard Hinnant's civil-to-days algorithm, the inverse of [`civil_from_days`].
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn is_rfc3339(s: &str) -> bool {
    parse_timestamp(s).is_some() && s.len() >= 20
}

fn digits(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n < min || n > max {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

/// A YAML timestamp in one of yaml.v3's layouts (`2006-1-2T15:4:5.999999999Z07:00`, with `t`
/// or a space, or a bare date), returned as Go's RFC3339Nano text; `None` if it is not one.
pub fn parse_timestamp(s: &str) -> Option<String> {
    let (year, rest) = digits(s, 4, 4)?;
    let rest = rest.strip_prefix('-')?;
    let (month, rest) = digits(rest, 1, 2)?;
    let rest = rest.strip_prefix('-')?;
    let (day, rest) = digits(rest, 1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if rest.is_empty() {
        return Some(format!("{date}T00:00:00Z"));
    }
    let sep = rest.chars().next()?;
    let rest = &rest[sep.len_utf8()..];
    let spaced = sep == ' ';
    if !matches!(sep, 'T' | 't' | ' ') {
        return None;
    }
    let (hour, rest) = digits(rest, 1, 2)?;
    let rest = rest.strip_prefix(':')?;
    let (min, rest) = digits(rest, 1, 2)?;
    let rest = rest.strip_prefix(':')?;
    let (sec, mut rest) = digits(rest, 1, 2)?;
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let mut frac = String::new();
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 9 {
            return None;
        }
        frac = r[..n].trim_end_matches('0').to_string();
        rest = &r[n..];
    }
    let zone = if spaced {
        // The space-separated layout has no zone: the time is UTC.
        if !rest.is_empty() {
            return None;
        }
        "Z".to_string()
    } else if rest == "Z" || rest == "z" {
        "Z".to_string()
    } else {
        let sign = rest.get(..1)?;
        if sign != "+" && sign != "-" {
            return None;
        }
        let (oh, r) = digits(&rest[1..], 2, 2)?;
        let r = r.strip_prefix(':')?;
        let (om, r) = digits(r, 2, 2)?;
        if !r.is_empty() || oh > 23 || om > 59 {
            return None;
        }
        if oh == 0 && om == 0 {
            "Z".to_string()
        } else {
            format!("{sign}{oh:02}:{om:02}")
        }
    };
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    Some(format!("{date}T{hour:02}:{min:02}:{sec:02}{frac}{zone}"))
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_utc_inverts_format_utc() {
        for secs in [0, 951_782_400, 1_700_000_000, 4_102_444_799] {
            assert_eq!(parse_utc(&format_utc(secs)), Some(secs));
        }
        assert_eq!(parse_utc("not a time"), None);
    }

    /// Found by fuzzing (sops_metadata): a date followed by a multi-byte character panicked.
    #[test]
    fn a_date_followed_by_any_character_is_not_a_panic() {
        assert_eq!(parse_timestamp("2020-02-29\u{fc}n\u{ef}c"), None);
        assert_eq!(parse_timestamp("2020-02-29\u{1F600}"), None);
    }

    #[test]
    fn yaml_timestamps() {
        assert_eq!(
            parse_timestamp("2024-01-01").unwrap(),
            "2024-01-01T00:00:00Z"
        );
        assert_eq!(
            parse_timestamp("2020-02-29T12:34:56.5Z").unwrap(),
            "2020-02-29T12:34:56.5Z"
        );
        assert_eq!(
            parse_timestamp("2006-01-02T15:04:05+07:00").unwrap(),
            "2006-01-02T15:04:05+07:00"
        );
        assert_eq!(
            parse_timestamp("2001-12-14 21:59:43.10").unwrap(),
            "2001-12-14T21:59:43.1Z"
        );
        assert_eq!(parse_timestamp("2024-1-2").unwrap(), "2024-01-02T00:00:00Z");
        assert!(parse_timestamp("2023-02-29").is_none());
        assert!(parse_timestamp("1:20").is_none());
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
