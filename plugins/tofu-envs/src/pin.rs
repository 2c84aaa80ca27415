//! Which engine a stack is meant to run with: the version pin found as tenv finds it (the
//! nearest `.opentofu-version`, `.tenv.tofu.version` or `.tool-versions` from the stack's
//! directory upward), and the stack's `required_version` constraints with tofu's semantics
//! (hashicorp/go-version: `=`, `!=`, `>`, `>=`, `<`, `<=`, `~>`, comma for "and"). Applying with
//! another engine version can upgrade a state irreversibly, so a mismatch refuses the commands
//! that write state.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};
use crate::layout::Stack;

/// The commands a version mismatch refuses (the others only warn).
pub const STATE_WRITERS: [&str; 3] = ["apply", "destroy", "import"];

/// A version pin and the file it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    pub version: String,
    pub file: PathBuf,
}

/// The nearest pin from `dir` upward: in one directory `.opentofu-version`, then
/// `.tenv.tofu.version`, then the `opentofu` (or `tofu`) line of `.tool-versions`.
pub fn find(dir: &Path) -> Option<Pin> {
    for d in dir.ancestors() {
        for name in [".opentofu-version", ".tenv.tofu.version"] {
            let file = d.join(name);
            if let Ok(text) = std::fs::read_to_string(&file) {
                if let Some(version) = text.split_whitespace().next() {
                    return Some(Pin {
                        version: version.trim_start_matches('v').to_string(),
                        file,
                    });
                }
            }
        }
        let file = d.join(".tool-versions");
        if let Ok(text) = std::fs::read_to_string(&file) {
            let version = text.lines().find_map(|l| {
                let mut words = l.split('#').next()?.split_whitespace();
                matches!(words.next()?, "opentofu" | "tofu").then(|| words.next())?
            });
            if let Some(v) = version {
                return Some(Pin {
                    version: v.trim_start_matches('v').to_string(),
                    file,
                });
            }
        }
    }
    None
}

/// A `required_version` constraint of the stack and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Required {
    pub constraint: String,
    pub file: PathBuf,
    pub line: usize,
}

/// The `required_version` constraints in the stack's `.tf`/`.tofu` files.
pub fn required_versions(dir: &Path) -> Vec<Required> {
    let mut out = Vec::new();
    for file in crate::variables::config_files(dir).unwrap_or_default() {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            let code = line.split(['#']).next().unwrap_or("").trim();
            let Some(rest) = code.strip_prefix("required_version") else {
                continue;
            };
            let Some(value) = rest.trim_start().strip_prefix('=') else {
                continue;
            };
            let value = value.trim();
            if let Some(constraint) = value.strip_prefix('"').and_then(|v| v.split('"').next()) {
                out.push(Required {
                    constraint: constraint.to_string(),
                    file: file.clone(),
                    line: i + 1,
                });
            }
        }
    }
    out
}

/// A version as go-version reads it: numeric segments (a missing one is 0), then a pre-release
/// (metadata ignored).
/// A version or constraint that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VersionError {
    #[error("{0:?} is not a version")]
    NotAVersion(String),
    #[error("cannot read the constraint {constraint:?}: {source}")]
    Constraint {
        constraint: String,
        source: Box<VersionError>,
    },
}

#[derive(Debug, Clone)]
pub struct Version {
    segments: Vec<u64>,
    pre: Option<String>,
}

impl Version {
    pub fn parse(s: &str) -> Result<Version, VersionError> {
        let s = s.trim().trim_start_matches('v');
        let s = s.split('+').next().unwrap_or(s);
        let (numbers, pre) = match s.split_once('-') {
            Some((n, p)) => (n, Some(p.to_string())),
            None => (s, None),
        };
        let segments = numbers
            .split('.')
            .map(|n| {
                n.parse::<u64>()
                    .map_err(|_| VersionError::NotAVersion(s.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if segments.is_empty() || segments.len() > 3 {
            return Err(VersionError::NotAVersion(s.to_string()));
        }
        Ok(Version { segments, pre })
    }

    fn segment(&self, i: usize) -> u64 {
        self.segments.get(i).copied().unwrap_or(0)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        for i in 0..3 {
            match self.segment(i).cmp(&other.segment(i)) {
                Ordering::Equal => continue,
                o => return o,
            }
        }
        match (&self.pre, &other.pre) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => a.cmp(b),
        }
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Whether `version` meets every comma-separated part of `constraint`. As go-version, a
/// pre-release only meets a constraint naming a pre-release of the same version.
pub fn satisfies(version: &Version, constraint: &str) -> Result<bool, VersionError> {
    for part in constraint.split(',') {
        let part = part.trim();
        let (op, rest) = ["~>", ">=", "<=", "!=", ">", "<", "="]
            .iter()
            .find_map(|op| part.strip_prefix(op).map(|r| (*op, r)))
            .unwrap_or(("=", part));
        let want = Version::parse(rest).map_err(|e| VersionError::Constraint {
            constraint: constraint.to_string(),
            source: Box::new(e),
        })?;
        if version.pre.is_some()
            && (want.pre.is_none() || want.segments[..] != version.segments[..])
        {
            return Ok(false);
        }
        let ok = match op {
            "=" => version == &want,
            "!=" => version != &want,
            ">" => version > &want,
            ">=" => version >= &want,
            "<" => version < &want,
            "<=" => version <= &want,
            _ => {
                // `~> 1.10` allows 1.10 up to 2.0; `~> 1.10.2` up to 1.11.
                let n = want.segments.len();
                let mut upper = want.segments.clone();
                if n == 1 {
                    upper[0] += 1;
                } else {
                    upper.truncate(n - 1);
                    upper[n - 2] += 1;
                }
                let upper = Version {
                    segments: upper,
                    pre: None,
                };
                version >= &want && version < &upper
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// What `PROGRAM version` says it is: ("OpenTofu", "1.10.6") or ("Terraform", "1.11.4").
pub fn engine_version(program: &Path) -> Option<(String, String)> {
    let out = Command::new(program)
        .arg("version")
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next()?;
    let (name, version) = first.split_once(" v")?;
    Some((
        name.trim().to_string(),
        version.split_whitespace().next()?.to_string(),
    ))
}

/// Every way the engine `(name, version)` misses what the stack in `dir` asks for.
pub fn mismatches(dir: &Path, name: &str, version: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(pin) = find(dir) {
        if name != "OpenTofu" || version.trim_start_matches('v') != pin.version {
            out.push(format!(
                "{} pins OpenTofu {}, and the engine found is {name} {version}",
                pin.file.display(),
                pin.version
            ));
        }
    }
    let Ok(v) = Version::parse(version) else {
        return out;
    };
    for r in required_versions(dir) {
        match satisfies(&v, &r.constraint) {
            Ok(true) => {}
            Ok(false) => out.push(format!(
                "{}:{}: required_version {:?} is not met by {name} {version}",
                r.file.display(),
                r.line,
                r.constraint
            )),
            Err(e) => out.push(format!("{}:{}: {e}", r.file.display(), r.line)),
        }
    }
    out
}

/// Checks the engine against each stack's pin and `required_version`: a mismatch refuses the
/// commands that write state (unless `ignore`), and is a warning for the others.
pub fn check_engine_version(
    stacks: &[&Stack],
    engine: &platform_state::Engine,
    args: &[String],
    ignore: bool,
) -> Result<Vec<String>> {
    let Some(program) = platform_state::engine::underlying(engine) else {
        return Ok(Vec::new());
    };
    let Some((name, version)) = engine_version(&program) else {
        return Ok(Vec::new());
    };
    let mut problems: Vec<String> = stacks
        .iter()
        .flat_map(|s| mismatches(&s.dir, &name, &version))
        .collect();
    problems.dedup();
    let command = crate::run::command_word(args).unwrap_or("");
    if !problems.is_empty() && !ignore && STATE_WRITERS.contains(&command) {
        return Err(Error::Engine(format!(
            "refusing to {command} with {name} {version} ({}): another engine version can upgrade the state past what the pinned one reads; install the pinned version (e.g. `tenv tofu install`), or pass --ignore-version",
            problems.join("; ")
        )));
    }
    Ok(problems
        .into_iter()
        .map(|p| format!("warning: {p}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(v: &str, c: &str) -> bool {
        satisfies(&Version::parse(v).unwrap(), c).unwrap()
    }

    #[test]
    fn constraints_as_go_version_reads_them() {
        assert!(ok("1.10.6", "~> 1.10"));
        assert!(ok("1.11.0", "~> 1.10"));
        assert!(!ok("2.0.0", "~> 1.10"));
        assert!(ok("1.10.9", "~> 1.10.2"));
        assert!(!ok("1.11.0", "~> 1.10.2"));
        assert!(!ok("1.10.1", "~> 1.10.2"));
        assert!(ok("1.6.0", ">= 1.6, < 2.0"));
        assert!(!ok("1.5.7", ">= 1.6, < 2.0"));
        assert!(ok("1.8.0", "1.8.0"));
        assert!(ok("1.8.0", "= 1.8"));
        assert!(!ok("1.8.1", "!= 1.8.1"));
        // A pre-release meets only a constraint on a pre-release of the same version.
        assert!(!ok("1.11.0-beta1", ">= 1.10"));
        assert!(ok("1.11.0-beta2", ">= 1.11.0-beta1"));
        assert!(satisfies(&Version::parse("1.0.0").unwrap(), ">= one").is_err());
    }

    #[test]
    fn the_nearest_pin_wins_and_tool_versions_is_read() {
        let d = tempfile::tempdir().unwrap();
        let stack = d.path().join("stacks/teams/a");
        std::fs::create_dir_all(&stack).unwrap();
        std::fs::write(d.path().join(".opentofu-version"), "1.10.6\n").unwrap();
        assert_eq!(find(&stack).unwrap().version, "1.10.6");
        std::fs::write(
            d.path().join("stacks/.tool-versions"),
            "terraform 1.11.4\nopentofu 1.9.1 # old\n",
        )
        .unwrap();
        let pin = find(&stack).unwrap();
        assert_eq!(pin.version, "1.9.1");
        assert!(pin.file.ends_with("stacks/.tool-versions"));
        std::fs::write(stack.join(".tenv.tofu.version"), "v1.8.0").unwrap();
        assert_eq!(find(&stack).unwrap().version, "1.8.0");
    }
}
