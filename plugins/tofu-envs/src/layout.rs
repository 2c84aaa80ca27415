//! The terragrunt layout: the repository root, its stacks, their environment files, and the
//! registry of short-lived environments (`tofu-envs.json` at the root, owned by tofu-envs).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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
pub fn find_root(explicit: Option<&Path>, start: &Path) -> Result<PathBuf> {
    Ok(platform_layout::find_root(explicit, start)?)
}

impl Layout {
    pub fn load(root: &Path) -> Result<Layout> {
        let stacks = platform_layout::stacks(root)?;
        Ok(Layout {
            root: root.to_path_buf(),
            stacks,
        })
    }

    /// An environment named on the command line must have files: a typo (`prd`) would otherwise
    /// run tofu with no var file at all, on defaults.
    pub fn require_environment(&self, env: &str) -> Result<()> {
        let known = self.environments();
        if known.contains(env) {
            return Ok(());
        }
        Err(Error::UnknownEnvironment {
            env: env.to_string(),
            suggestion: platform_layout::closest(env, known.iter().map(String::as_str))
                .map(str::to_string),
            known: known.into_iter().collect(),
        })
    }

    /// Every environment that has a file in any stack.
    pub fn environments(&self) -> BTreeSet<String> {
        platform_layout::environments(&self.stacks)
    }

    /// Stacks selected by name (`teams/team-a`, `stacks/teams/team-a` or a path); all if empty.
    pub fn select(&self, names: &[String]) -> Result<Vec<&Stack>> {
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
                        Error::UnknownStack {
                            name: n.to_string(),
                            suggestion: platform_layout::closest(short, names.clone())
                                .map(str::to_string),
                            known: names.map(str::to_string).collect(),
                        }
                    })
            })
            .collect()
    }

    pub fn registry_path(&self) -> PathBuf {
        self.root.join(REGISTRY)
    }

    pub fn registry(&self) -> Result<Registry> {
        let path = self.registry_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                serde_json::from_str(&text).map_err(|e| Error::invalid(&path)(e.to_string()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Registry::default()),
            Err(e) => Err(Error::read(&path)(e)),
        }
    }

    pub fn save_registry(&self, reg: &Registry) -> Result<()> {
        let path = self.registry_path();
        if reg.environments.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
                    Err(platform_fs::Error { path, source }.into())
                }
                _ => Ok(()),
            };
        }
        let text = serde_json::to_string_pretty(reg).expect("a registry serializes") + "\n";
        Ok(platform_fs::write(&path, text.as_bytes(), 0o644)?)
    }
}
