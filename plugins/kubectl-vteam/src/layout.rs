//! The terragrunt layout: which teams exist, where the vcluster stack leaves their kubeconfigs,
//! and what the stack's state says for an environment.
//!
//! ```text
//! stacks/platform/kind-cluster/kind-kubeconfig         host cluster
//! stacks/platform/vcluster/vcluster-<team>.kubeconfig  written by the vcluster stack on apply
//! stacks/platform/vcluster/env/<env>.tfvars            teams = { team-a = { namespace = ... } }
//! stacks/teams/<team>/                                 one stack per team
//! .terraform-state/<env>/platform/vcluster/terraform.tfstate   (root.hcl's local backend)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
}

/// What the vcluster stack's state reports for an environment.
#[derive(Debug, Default)]
pub struct StateOutputs {
    pub path: PathBuf,
    pub kubeconfig_paths: BTreeMap<String, PathBuf>,
    pub host_namespaces: BTreeMap<String, String>,
}

impl Layout {
    /// `root` if given, else the nearest directory upward from the working directory that holds
    /// `stacks/teams` or `stacks/platform/vcluster`.
    pub fn find(root: Option<&Path>) -> Option<Layout> {
        if let Some(r) = root {
            return Some(Layout {
                root: r.to_path_buf(),
            });
        }
        let cwd = std::env::current_dir().ok()?;
        cwd.ancestors()
            .find(|d| {
                d.join("stacks/teams").is_dir() || d.join("stacks/platform/vcluster").is_dir()
            })
            .map(|d| Layout {
                root: d.to_path_buf(),
            })
    }

    pub fn vcluster_dir(&self) -> PathBuf {
        self.root.join("stacks/platform/vcluster")
    }

    /// The host cluster's kubeconfig, once the kind-cluster stack has been applied.
    pub fn host_kubeconfig(&self) -> Option<PathBuf> {
        let p = self
            .root
            .join("stacks/platform/kind-cluster/kind-kubeconfig");
        p.is_file().then_some(p)
    }

    /// Teams: one stack each under stacks/teams, plus the vcluster stack's `teams` for `env`.
    pub fn teams(&self, env: &str) -> Vec<String> {
        let mut teams: Vec<String> = std::fs::read_dir(self.root.join("stacks/teams"))
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.path().is_dir())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| !n.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(Value::Object(m)) = self.vcluster_tfvars(env).map(|v| v["teams"].clone()) {
            teams.extend(m.keys().cloned());
        }
        teams.sort();
        teams.dedup();
        teams
    }

    /// `vcluster-<team>.kubeconfig` in the vcluster stack, when the stack has written it.
    pub fn kubeconfig_file(&self, team: &str) -> Option<PathBuf> {
        let p = self
            .vcluster_dir()
            .join(format!("vcluster-{team}.kubeconfig"));
        p.is_file().then_some(p)
    }

    /// The namespace a team's applications live in, as the layout sets it: the team stack's
    /// `namespace` for `env`, the vcluster stack's `teams[team].namespace`, the team stack's
    /// default; None when the layout says nothing (the caller uses `<team>-apps`).
    pub fn namespace(&self, team: &str, env: &str) -> Option<String> {
        let stack = self.root.join("stacks/teams").join(team);
        let from_tfvars = read_hcl(&stack.join(format!("env/{env}.tfvars")))
            .and_then(|v| v["namespace"].as_str().map(str::to_string));
        let from_vcluster = || {
            self.vcluster_tfvars(env)
                .and_then(|v| v["teams"][team]["namespace"].as_str().map(str::to_string))
        };
        let from_default = || {
            read_hcl(&stack.join("variables.tf")).and_then(|v| {
                v["variable"]["namespace"]["default"]
                    .as_str()
                    .map(str::to_string)
            })
        };
        from_tfvars.or_else(from_vcluster).or_else(from_default)
    }

    fn vcluster_tfvars(&self, env: &str) -> Option<Value> {
        read_hcl(&self.vcluster_dir().join(format!("env/{env}.tfvars")))
    }

    pub fn state_path(&self, env: &str) -> PathBuf {
        self.root
            .join(".terraform-state")
            .join(env)
            .join("platform/vcluster/terraform.tfstate")
    }

    /// The `team_kubeconfig_paths` and `team_namespaces` outputs of the vcluster stack's state
    /// for `env`, read from the state JSON (no tofu run needed); None when there is no state.
    pub fn state_outputs(&self, env: &str) -> Result<Option<StateOutputs>> {
        let path = self.state_path(env);
        let src = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(Error::Read { path, source }),
        };
        let bad = |reason: String| Error::State {
            path: path.clone(),
            reason,
        };
        let state: Value = serde_json::from_str(&src).map_err(|e| bad(e.to_string()))?;
        if state["version"].as_u64() != Some(4) {
            return Err(bad(format!(
                "state format version {} (expected 4, as tofu and terraform >= 0.12 write)",
                state["version"]
            )));
        }
        let outputs = &state["outputs"];
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut out = StateOutputs {
            path: path.clone(),
            ..Default::default()
        };
        if let Some(m) = outputs["team_kubeconfig_paths"]["value"].as_object() {
            for (team, p) in m {
                let p = p
                    .as_str()
                    .ok_or_else(|| bad(format!("team_kubeconfig_paths.{team} is not a string")))?;
                out.kubeconfig_paths.insert(team.clone(), dir.join(p));
            }
        }
        if let Some(m) = outputs["team_namespaces"]["value"].as_object() {
            for (team, ns) in m {
                if let Some(ns) = ns.as_str() {
                    out.host_namespaces.insert(team.clone(), ns.to_string());
                }
            }
        }
        Ok(Some(out))
    }
}

/// An HCL file (tfvars or variables.tf) as JSON-like data; None if absent or not HCL.
fn read_hcl(path: &Path) -> Option<Value> {
    let src = std::fs::read_to_string(path).ok()?;
    hcl::from_str::<Value>(&src).ok()
}
