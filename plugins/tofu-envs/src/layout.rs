//! The terragrunt layout: the repository root, its stacks, their environment files, and the
//! registry of short-lived environments (`tofu-envs.json` at the root, owned by tofu-envs).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const REGISTRY: &str = "tofu-envs.json";

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
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
    pub stacks: Vec<Stack>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Registry {
    pub environments: BTreeMap<String, RegistryEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegistryEntry {
    pub created: String,
    /// RFC3339 UTC; the environment may be collected after it.
    pub expires: String,
}

/// The repository root: `--root`, else `PLATFORM_ROOT`, else the nearest ancestor of `start`
/// holding `stacks/`.
pub fn find_root(explicit: Option<&Path>, start: &Path) -> Result<PathBuf, String> {
    if let Some(r) = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("PLATFORM_ROOT").map(PathBuf::from))
    {
        return if r.join("stacks").is_dir() {
            Ok(r)
        } else {
            Err(format!("{} has no stacks/ directory", r.display()))
        };
    }
    let start = std::path::absolute(start).map_err(|e| e.to_string())?;
    start
        .ancestors()
        .find(|d| d.join("stacks").is_dir())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "no stacks/ directory in {} or any parent; run from the repository or pass --root",
                start.display()
            )
        })
}

impl Layout {
    pub fn load(root: &Path) -> Result<Layout, String> {
        let mut stacks = Vec::new();
        find_stacks(&root.join("stacks"), &root.join("stacks"), &mut stacks)
            .map_err(|e| format!("reading stacks/: {e}"))?;
        stacks.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Layout {
            root: root.to_path_buf(),
            stacks,
        })
    }

    /// An environment named on the command line must have files: a typo (`prd`) would otherwise
    /// run tofu with no var file at all, on defaults.
    pub fn require_environment(&self, env: &str) -> Result<(), String> {
        let known = self.environments();
        if known.contains(env) {
            return Ok(());
        }
        let hint = crate::check::suggestion(env, known.iter().map(String::as_str))
            .map(|s| format!("did you mean {s:?}? "))
            .unwrap_or_default();
        Err(format!(
            "no environment {env:?}: no stack has env/{env}.tfvars or env/{env}.secrets.tfvars.json (known: {}); {hint}`tofu-envs new {env}` creates it",
            known.into_iter().collect::<Vec<_>>().join(", ")
        ))
    }

    /// Every environment that has a file in any stack.
    pub fn environments(&self) -> BTreeSet<String> {
        let mut envs = BTreeSet::new();
        for s in &self.stacks {
            let Ok(entries) = std::fs::read_dir(s.env_dir()) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(env) = name
                    .strip_suffix(".secrets.tfvars.json")
                    .or_else(|| name.strip_suffix(".tfvars"))
                {
                    envs.insert(env.to_string());
                }
            }
        }
        envs
    }

    /// Stacks selected by name (`teams/team-a`, `stacks/teams/team-a` or a path); all if empty.
    pub fn select(&self, names: &[String]) -> Result<Vec<&Stack>, String> {
        if names.is_empty() {
            return Ok(self.stacks.iter().collect());
        }
        names
            .iter()
            .map(|n| {
                let n = n.trim_end_matches('/');
                let short = n.strip_prefix("stacks/").unwrap_or(n);
                self.stacks
                    .iter()
                    .find(|s| {
                        s.name == short
                            || std::path::absolute(n).ok().as_deref() == Some(s.dir.as_path())
                    })
                    .ok_or_else(|| {
                        format!(
                            "no stack {n:?}; stacks are: {}",
                            self.stacks
                                .iter()
                                .map(|s| s.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })
            })
            .collect()
    }

    pub fn registry_path(&self) -> PathBuf {
        self.root.join(REGISTRY)
    }

    pub fn registry(&self) -> Result<Registry, String> {
        match std::fs::read_to_string(self.registry_path()) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| format!("{}: {e}", self.registry_path().display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Registry::default()),
            Err(e) => Err(format!("{}: {e}", self.registry_path().display())),
        }
    }

    pub fn save_registry(&self, reg: &Registry) -> Result<(), String> {
        let path = self.registry_path();
        if reg.environments.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
                _ => Ok(()),
            };
        }
        let text = serde_json::to_string_pretty(reg).map_err(|e| e.to_string())? + "\n";
        secret_seal::atomic::write(&path, text.as_bytes()).map_err(|e| e.to_string())
    }

    /// The pinned OpenTofu version: `.opentofu-version` (tenv's file), or the platform docs'
    /// `.tenv.tofu.version`.
    pub fn tofu_version(&self) -> Option<String> {
        [".opentofu-version", ".tenv.tofu.version"]
            .iter()
            .find_map(|f| std::fs::read_to_string(self.root.join(f)).ok())
            .map(|s| s.trim().to_string())
    }
}

/// A stack is a directory with `.tf` files (or a terragrunt.hcl) under stacks/.
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
