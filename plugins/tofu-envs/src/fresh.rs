//! Fresh secrets for a new team or a new environment: random values, long enough for the
//! variable's `length(var.x) >= N` validation, from the operating system's generator.

use std::path::Path;

/// Length of a generated secret when the variable's validation asks for less.
const SECRET_LENGTH: usize = 32;

/// A fresh value for the sensitive variable `name`, declared in `variables` (the stack's .tf text).
pub fn secret_for(variables: &str, name: &str) -> String {
    random_secret(min_length(variables, name).max(SECRET_LENGTH))
}

/// The text of every `.tf` file of a stack, where its variables and their validations are.
pub fn stack_text(dir: &Path) -> String {
    crate::variables::config_files(dir)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The N of a `length(var.NAME) >= N` (or `> N - 1`) validation, else 0.
pub fn min_length(variables: &str, name: &str) -> usize {
    let needle = format!("length(var.{name})");
    variables
        .match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = variables[i + needle.len()..].trim_start();
            let (op, rest) = rest.split_at(rest.find(|c: char| !"<>=".contains(c))?);
            let n: usize = rest
                .trim_start()
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()?;
            match op {
                ">=" => Some(n),
                ">" => Some(n + 1),
                _ => None,
            }
        })
        .max()
        .unwrap_or(0)
}

/// Letters and digits from the OS's generator: valid in every shell, URL and connection string.
pub fn random_secret(len: usize) -> String {
    use rand::Rng;
    rand::rngs::OsRng
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_meet_the_length_their_validation_asks() {
        let vars = "validation {\n  condition = length(var.db_password) >= 48\n}\nx = length(var.other) > 8\n";
        assert_eq!(min_length(vars, "db_password"), 48);
        assert_eq!(min_length(vars, "other"), 9);
        assert_eq!(min_length(vars, "none"), 0);
        assert_eq!(secret_for(vars, "db_password").len(), 48);
        assert_eq!(secret_for(vars, "none").len(), 32);
        let s = random_secret(40);
        assert!(s.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(s, random_secret(40));
    }
}
