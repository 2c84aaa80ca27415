//! Number formatting as Go's strconv does it, because the MAC and the ciphertexts depend on the
//! exact bytes: `FormatFloat(v, 'f', -1, 64)` for values, `'g'` in YAML, Go JSON rules in JSON.

/// Go `strconv.FormatFloat(v, 'f', -1, 64)`: shortest round-trip digits, never an exponent.
pub fn float_f(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    // Rust's Display for f64 is the shortest round-trip representation without exponent.
    let s = format!("{v}");
    if s == "-0" {
        return "-0".into();
    }
    s
}

/// Shortest digits and decimal exponent: v = 0.d1d2d3... * 10^exp (as Go's `ryu` output does).
fn shortest_digits(v: f64) -> (String, i32) {
    // `{:e}` prints the shortest round-trip digits in scientific form: d.ddde<exp>.
    let s = format!("{:e}", v.abs());
    let (mant, exp) = s.split_once('e').expect("scientific form");
    let exp: i32 = exp.parse().expect("exponent");
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    (digits, exp)
}

/// Go `strconv.FormatFloat(v, 'g', -1, 64)` (yaml.v3 uses it for floats): with shortest
/// precision Go switches to the exponent form when the exponent is < -4 or >= 6.
pub fn float_g(v: f64) -> String {
    if v.is_nan() || v.is_infinite() || v == 0.0 {
        return float_f(v);
    }
    let (digits, exp) = shortest_digits(v);
    let eprec = 6;
    let sign = if v < 0.0 { "-" } else { "" };
    if exp < -4 || exp >= eprec {
        format!("{sign}{}", exp_form(&digits, exp))
    } else {
        float_f(v)
    }
}

fn exp_form(digits: &str, exp: i32) -> String {
    let mut out = String::new();
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.abs();
    if e < 10 {
        out.push('0');
    }
    out.push_str(&e.to_string());
    out
}

/// Go `encoding/json` float formatting: 'f' unless |v| < 1e-6 or >= 1e21, then 'e' with the
/// exponent's leading zero removed (`1e-7`, `6.02e+23`).
pub fn float_json(v: f64) -> String {
    let abs = v.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let (digits, exp) = shortest_digits(v);
        let sign = if v < 0.0 { "-" } else { "" };
        let mut s = format!("{sign}{}", exp_form(&digits, exp));
        // Go: clean up e-09 to e-9.
        if let Some(pos) = s.find("e-0") {
            s.remove(pos + 2);
        }
        s
    } else {
        float_f(v)
    }
}

/// The sops dotenv/INI `ValToString` for floats: `FormatFloat(v, 'G', -1, 64)` with `.0` forced
/// onto integral values.
pub fn float_upper_g(v: f64) -> String {
    let s = float_g(v).replace('e', "E");
    if s.contains(['.', 'E', 'N', 'I']) {
        s
    } else {
        format!("{s}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_formats() {
        assert_eq!(float_f(1e21), "1000000000000000000000");
        assert_eq!(float_f(1.0), "1");
        assert_eq!(float_f(0.1), "0.1");
        assert_eq!(float_f(1234567890.0), "1234567890");
        assert_eq!(float_g(1234567890.0), "1.23456789e+09");
        assert_eq!(float_g(1.5), "1.5");
        assert_eq!(float_g(100000.0), "100000");
        assert_eq!(float_g(1234567.0), "1.234567e+06");
        assert_eq!(float_g(1e-7), "1e-07");
        assert_eq!(float_g(1e21), "1e+21");
        assert_eq!(float_g(-0.0), "-0");
        assert_eq!(float_json(6.02e23), "6.02e+23");
        assert_eq!(float_json(1e-7), "1e-7");
        assert_eq!(float_json(25.4), "25.4");
        assert_eq!(float_upper_g(1.0), "1.0");
        assert_eq!(float_upper_g(1.23), "1.23");
    }
}
