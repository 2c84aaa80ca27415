//! The terragrunt layout: the repository root, its stacks, their environment files, and the
//! registry of short-lived environments (`tofu-envs.json` at the root, owned by tofu-envs).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const REGISTRY: &str = "tofu-envs.json";

pub use platform_layout::Stack;

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
/// holding `stacks/` (the rule every tool shares, in `platform_layout`).
pub fn find_root(explicit: Option<&Path>, start: &Path) -> Result<PathBuf, String> {
    platform_layout::find_root(explicit, start).map_err(|e| e.to_string())
}

impl Layout {
    pub fn load(root: &Path) -> Result<Layout, String> {
        let stacks = platform_layout::stacks(root).map_err(|e| e.to_string())?;
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
        let hint = platform_layout::closest(env, known.iter().map(String::as_str))
            .map(|s| format!("did you mean {s:?}? "))
            .unwrap_or_default();
        Err(format!(
            "no environment {env:?}: no stack has env/{env}.tfvars or env/{env}.secrets.tfvars.json (known: {}); {hint}`tofu-envs new {env}` creates it",
            known.into_iter().collect::<Vec<_>>().join(", ")
        ))
    }

    /// Every environment that has a file in any stack.
    pub fn environments(&self) -> BTreeSet<String> {
        platform_layout::environments(&self.stacks)
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
                        let names = self.stacks.iter().map(|s| s.name.as_str());
                        let hint = platform_layout::closest(short, names.clone())
                            .map(|s| format!("did you mean {s:?}? "))
                            .unwrap_or_default();
                        format!(
                            "no stack {n:?}: {hint}stacks are {}",
                            names.collect::<Vec<_>>().join(", ")
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
        platform_fs::write(&path, text.as_bytes(), 0o644).map_err(|e| e.to_string())
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
