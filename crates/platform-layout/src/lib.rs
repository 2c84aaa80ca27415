//! The repository layout, as every tool of the workspace reads it (DESIGN's shared conventions):
//!
//! ```text
//! <root>/                          --root, else PLATFORM_ROOT, else the nearest ancestor holding stacks/
//!   stacks/<group>/<stack>/        a stack: a directory with .tf/.tofu files or a terragrunt.hcl
//!     env/<env>.tfvars             the plain values of one environment
//!     env/<env>.secrets.tfvars.json  its secret values, sealed (SOPS JSON)
//!   stacks/teams/<team>/           one stack per team
//!   stacks/teams.tfvars            the team list both platform stacks read (`teams = {...}`)
//!   .terraform-state/<env>/stacks/<stack>/terraform.tfstate   root.hcl's local backend
//! ```
//!
//! An environment exists when any stack has a file for it; its name is a DNS-label-like word
//! (`dev`, `prod`, `demo-acme`). The current environment is `TOFU_ENV`, default `dev`.

mod hcl_parse;
mod teams;
pub use hcl_parse::{hcl_from_str, parse_hcl, HclError};
pub use teams::{
    parse_team_list, team_list, team_list_path, valid_team_name, TeamEntry, RESERVED_TEAM_NAMES,
    TEAM_LIST, TEAM_NAME_RULE,
};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The variable that names the repository root for every tool.
pub const ROOT_VAR: &str = "PLATFORM_ROOT";
/// The variable that names the current environment for every tool (and terragrunt's root.hcl).
pub const ENV_VAR: &str = "TOFU_ENV";
pub const DEFAULT_ENV: &str = "dev";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{} has no stacks/ directory (from {from}): point it at the repository root", root.display())]
    NotARoot { root: PathBuf, from: &'static str },
    #[error("no stacks/ directory in {} or any parent: run inside the repository, or pass --root or set PLATFORM_ROOT", start.display())]
    NoRoot { start: PathBuf },
    #[error("{}: {message} (the team list: teams = {{ NAME = {{ node_port = N, owner = \"...\" }} }})", path.display())]
    TeamList { path: PathBuf, message: String },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

/// The repository root: `explicit` (`--root`), else `PLATFORM_ROOT`, else the nearest ancestor
/// of `start` holding `stacks/`. A root that is named but has no `stacks/` is an error, never a
/// silent fall-back to another repository.
pub fn find_root(explicit: Option<&Path>, start: &Path) -> Result<PathBuf> {
    let named = explicit.map(|r| (r.to_path_buf(), "--root")).or_else(|| {
        std::env::var_os(ROOT_VAR)
            .filter(|v| !v.is_empty())
            .map(|r| (PathBuf::from(r), ROOT_VAR))
    });
    if let Some((root, from)) = named {
        return if root.join("stacks").is_dir() {
            Ok(root)
        } else {
            Err(Error::NotARoot { root, from })
        };
    }
    let start = std::path::absolute(start).map_err(|source| Error::Read {
        path: start.to_path_buf(),
        source,
    })?;
    start
        .ancestors()
        .find(|d| d.join("stacks").is_dir())
        .map(Path::to_path_buf)
        .ok_or(Error::NoRoot { start })
}

/// The current environment: `TOFU_ENV`, else `dev`.
pub fn current_env() -> String {
    std::env::var(ENV_VAR)
        .ok()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| DEFAULT_ENV.to_string())
}

/// What an environment name may be, said the way errors say it.
pub const ENV_NAME_RULE: &str =
    "1-40 lowercase letters, digits and dashes, starting with a letter or digit, and not `secrets` (env/secrets.tfvars would be taken for a sealed file)";

/// Names the file conventions already claim: `env/secrets.tfvars` matches the sealed-file
/// pattern `secrets.*` (sops, git-setup, the secrets hook), so every commit would be refused.
const RESERVED_ENV_NAMES: [&str; 1] = ["secrets"];

/// Whether `name` can name an environment: it becomes part of file names, state paths, context
/// names and Atlantis project names, so it is one lowercase word (`staging.secrets` is not one).
pub fn valid_env_name(name: &str) -> bool {
    !name.is_empty()
        && !RESERVED_ENV_NAMES.contains(&name)
        && name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[derive(Debug, Clone)]
pub struct Stack {
    /// Path under `stacks/`, e.g. `teams/team-a`.
    pub name: String,
    pub dir: PathBuf,
}

impl Stack {
    /// The stack's terragrunt configuration; a stack without one is plain tofu.
    pub fn terragrunt_file(&self) -> Option<PathBuf> {
        Some(self.dir.join("terragrunt.hcl")).filter(|f| f.exists())
    }

    pub fn env_dir(&self) -> PathBuf {
        self.dir.join("env")
    }

    /// `env/<env>.tfvars`: plain values, committed.
    pub fn plain_file(&self, env: &str) -> PathBuf {
        self.env_dir().join(format!("{env}.tfvars"))
    }

    /// `env/<env>.secrets.tfvars.json`: always sealed (SOPS JSON).
    pub fn sealed_file(&self, env: &str) -> PathBuf {
        self.env_dir().join(format!("{env}.secrets.tfvars.json"))
    }

    /// The stack's path as a user types it from the root (`stacks/teams/team-a`).
    pub fn display(&self) -> String {
        format!("stacks/{}", self.name)
    }

    /// The environments this stack has a file for.
    pub fn environments(&self) -> BTreeSet<String> {
        let mut envs = BTreeSet::new();
        let Ok(entries) = std::fs::read_dir(self.env_dir()) else {
            return envs;
        };
        for e in entries.flatten() {
            if let Some(env) = env_of_file(&e.file_name().to_string_lossy()) {
                envs.insert(env.to_string());
            }
        }
        envs
    }
}

/// The environment an `env/` file belongs to: `prod.tfvars` and `prod.secrets.tfvars.json` are
/// prod's; a file whose stem is not an environment name (`staging.secrets.tfvars`) is nobody's.
pub fn env_of_file(file_name: &str) -> Option<&str> {
    file_name
        .strip_suffix(".secrets.tfvars.json")
        .or_else(|| file_name.strip_suffix(".tfvars"))
        .filter(|env| valid_env_name(env))
}

/// Every stack under `<root>/stacks`, sorted by name. Hidden directories and `env/` are not
/// descended into.
pub fn stacks(root: &Path) -> Result<Vec<Stack>> {
    let base = root.join("stacks");
    let mut out = Vec::new();
    find_stacks(&base, &base, &mut out).map_err(|source| Error::Read {
        path: base.clone(),
        source,
    })?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn find_stacks(base: &Path, dir: &Path, out: &mut Vec<Stack>) -> std::io::Result<()> {
    let mut is_stack = false;
    let mut subdirs = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if e.file_type()?.is_dir() {
            if name != "env" {
                subdirs.push(e.path());
            }
        } else if name.ends_with(".tf") || name.ends_with(".tofu") || name == "terragrunt.hcl" {
            is_stack = true;
        }
    }
    if is_stack {
        let name = dir
            .strip_prefix(base)
            .unwrap_or(dir)
            .to_string_lossy()
            .replace('\\', "/");
        out.push(Stack {
            name,
            dir: dir.to_path_buf(),
        });
    }
    for d in subdirs {
        find_stacks(base, &d, out)?;
    }
    Ok(())
}

/// Every environment that has a file in any of `stacks`.
pub fn environments<'a>(stacks: impl IntoIterator<Item = &'a Stack>) -> BTreeSet<String> {
    stacks.into_iter().flat_map(Stack::environments).collect()
}

/// The team stacks: the directories under `stacks/teams`.
pub fn team_stacks(root: &Path) -> Vec<String> {
    let mut teams: Vec<String> = std::fs::read_dir(root.join("stacks/teams"))
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    teams.sort();
    teams
}

/// Where root.hcl's local backend keeps a stack's state for `env`:
/// `.terraform-state/<env>/<path_relative_to_include()>/terraform.tfstate`, the stack's path from
/// the root (`stacks/platform/vcluster`).
pub fn state_file(root: &Path, stack_dir: &Path, env: &str) -> PathBuf {
    let rel = stack_dir.strip_prefix(root).unwrap_or(stack_dir);
    root.join(".terraform-state")
        .join(env)
        .join(rel)
        .join("terraform.tfstate")
}

/// The stack that `dir` is in (the working directory inside `stacks/teams/team-a/env`, say).
pub fn stack_containing<'a>(stacks: &'a [Stack], dir: &Path) -> Option<&'a Stack> {
    let dir = std::path::absolute(dir).ok()?;
    stacks
        .iter()
        .filter(|s| {
            std::path::absolute(&s.dir)
                .map(|d| dir.starts_with(d))
                .unwrap_or(false)
        })
        .max_by_key(|s| s.dir.components().count())
}

/// The closest of `known` to a mistyped `name`, for "did you mean": within two edits, or a
/// quarter of the name's length for long names. None when two are equally close (`team-z` is
/// one edit from `team-a` and from `team-b`: a guess would mislead).
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut near: Vec<(usize, &str)> = known
        .into_iter()
        .map(|k| (distance(name, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .collect();
    near.sort();
    near.dedup();
    match near.as_slice() {
        [(d, k), rest @ ..] if rest.first().is_none_or(|(d2, _)| d2 > d) => Some(k),
        _ => None,
    }
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_names_are_one_lowercase_word() {
        for ok in ["dev", "prod", "demo-acme", "2026q4"] {
            assert!(valid_env_name(ok), "{ok}");
        }
        for bad in ["", "Prod", "-x", "staging.secrets", "a b", &"x".repeat(41)] {
            assert!(!valid_env_name(bad), "{bad}");
        }
        assert_eq!(env_of_file("prod.secrets.tfvars.json"), Some("prod"));
        assert_eq!(env_of_file("prod.tfvars"), Some("prod"));
        assert_eq!(env_of_file("staging.secrets.tfvars"), None);
        assert_eq!(env_of_file("README.md"), None);
    }

    #[test]
    fn the_root_is_the_nearest_ancestor_with_stacks_unless_named() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("stacks/teams/team-a/env")).unwrap();
        let inner = d.path().join("stacks/teams/team-a/env");
        assert_eq!(find_root(None, &inner).unwrap(), d.path());
        let elsewhere = tempfile::tempdir().unwrap();
        assert!(matches!(
            find_root(Some(elsewhere.path()), &inner),
            Err(Error::NotARoot { .. })
        ));
    }

    #[test]
    fn closest_suggests_near_names_only() {
        let known = ["team-a", "team-b", "platform/vcluster"];
        assert_eq!(closest("tema-a", known), Some("team-a"));
        assert_eq!(closest("zzzzzz", known), None);
        assert_eq!(
            closest("team-z", known),
            None,
            "ambiguous: a and b are as close"
        );
    }
}
