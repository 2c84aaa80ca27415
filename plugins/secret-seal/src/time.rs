//! The few time formats sops needs: `lastmodified` (RFC3339, UTC, no fraction; jiff's clock and
//! formatting) and YAML timestamps (yaml.v3's four layouts, re-emitted as Go's RFC3339Nano).
//! The YAML reader stays hand-written on purpose: which texts yaml.v3 takes as a timestamp, and
//! the exact RFC3339Nano text it writes back, are what byte-exact compatibility needs, and no
//! time crate reads those layouts as Go does.

/// `time.Now().UTC().Format(time.RFC3339)`: whole seconds, `Z`.
pub fn now_rfc3339() -> String {
    format_utc(jiff::Timestamp::now())
}

/// RFC3339 in UTC without a fraction, as Go's `time.RFC3339` writes a UTC time.
pub fn format_utc(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
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
    fn lastmodified_is_go_rfc3339_in_utc() {
        let at = |secs| format_utc(jiff::Timestamp::from_second(secs).unwrap());
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
        assert!(is_rfc3339(&now_rfc3339()));
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
    }
}
