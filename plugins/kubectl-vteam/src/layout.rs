//! The terragrunt layout: which teams exist, where the vcluster stack leaves their kubeconfigs,
//! and what the stack's state says for an environment.
//!
//! ```text
//! stacks/platform/kind-cluster/kind-kubeconfig         host cluster
//! stacks/platform/vcluster/vcluster-<team>.kubeconfig  written by the vcluster stack on apply
//! stacks/teams.tfvars                                  the team list: teams = { team-a = { node_port = ... } }
//! stacks/teams/<team>/                                 one stack per team
//! .terraform-state/<env>/stacks/platform/vcluster/terraform.tfstate   (root.hcl's local backend)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
    /// stacks/teams.tfvars, read once: discovery asks it for every team of every environment.
    team_list: std::sync::OnceLock<std::result::Result<TeamList, String>>,
}

type TeamList = BTreeMap<String, platform_layout::TeamEntry>;

/// What the vcluster stack's state reports for an environment.
#[derive(Debug, Default)]
pub struct StateOutputs {
    pub path: PathBuf,
    pub kubeconfig_paths: BTreeMap<String, PathBuf>,
    pub host_namespaces: BTreeMap<String, String>,
}

impl Layout {
    /// The repository as every tool finds it (`platform_layout::find_root`): `root` (`--root`),
    /// else `PLATFORM_ROOT` (or the older `VTEAM_ROOT`), else the nearest directory upward
    /// from the working directory holding `stacks/`. None when there is no repository here (the
    /// teams can still come from the host cluster); a root that is named but has no `stacks/`
    /// is an error.
    pub fn find(root: Option<&Path>) -> Result<Option<Layout>> {
        let legacy = std::env::var_os("VTEAM_ROOT")
            .filter(|v| !v.is_empty() && std::env::var_os(platform_layout::ROOT_VAR).is_none())
            .map(PathBuf::from);
        let explicit = root.map(Path::to_path_buf).or(legacy);
        let cwd = std::env::current_dir().map_err(|source| Error::Read {
            path: ".".into(),
            source,
        })?;
        match platform_layout::find_root(explicit.as_deref(), &cwd) {
            Ok(root) => Ok(Some(Layout {
                root,
                team_list: Default::default(),
            })),
            Err(platform_layout::Error::NoRoot { .. }) => Ok(None),
            Err(e) => Err(Error::Layout(e.to_string())),
        }
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

    /// Teams: the team list (stacks/teams.tfvars), the stacks under stacks/teams, and (in a
    /// layout older than the list) the vcluster stack's `teams` for `env`. A team list that
    /// cannot be read is an error: a team must not silently vanish from `list`.
    pub fn teams(&self, env: &str) -> Result<Vec<String>> {
        let mut teams = platform_layout::team_stacks(&self.root);
        teams.extend(self.team_list()?.keys().cloned());
        if let Some(Value::Object(m)) = self.vcluster_tfvars(env).map(|v| v["teams"].clone()) {
            teams.extend(m.keys().cloned());
        }
        teams.sort();
        teams.dedup();
        Ok(teams)
    }

    fn team_list(&self) -> Result<&TeamList> {
        self.team_list
            .get_or_init(|| {
                platform_layout::team_list(&self.root)
                    .map(Option::unwrap_or_default)
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| Error::Layout(e.clone()))
    }

    /// `vcluster-<team>.kubeconfig` in the vcluster stack, when the stack has written it.
    pub fn kubeconfig_file(&self, team: &str) -> Option<PathBuf> {
        let p = self
            .vcluster_dir()
            .join(format!("vcluster-{team}.kubeconfig"));
        p.is_file().then_some(p)
    }

    /// The namespace a team's applications live in inside its vcluster, as the layout sets it:
    /// the team stack's `namespace` for `env`, else its default; None when the layout says
    /// nothing (the caller uses `<team>-apps`). The same in every environment's vcluster.
    pub fn namespace(&self, team: &str, env: &str) -> Option<String> {
        let stack = self.root.join("stacks/teams").join(team);
        let from_tfvars = read_tfvars(&stack.join(format!("env/{env}.tfvars")))
            .and_then(|v| v["namespace"].as_str().map(str::to_string));
        let from_default = || {
            read_hcl(&stack.join("variables.tf")).and_then(|v| {
                v["variable"]["namespace"]["default"]
                    .as_str()
                    .map(str::to_string)
            })
        };
        from_tfvars.or_else(from_default)
    }

    /// The host cluster's namespace the team's vcluster runs in, as the vcluster stack's `teams`
    /// sets it for `env` (not where the team's applications live).
    pub fn host_namespace(&self, team: &str, env: &str) -> Option<String> {
        let listed = self
            .team_list()
            .ok()
            .and_then(|l| l.get(team))
            .and_then(|t| t.namespace.clone());
        listed.or_else(|| {
            self.vcluster_tfvars(env)
                .and_then(|v| v["teams"][team]["namespace"].as_str().map(str::to_string))
        })
    }

    fn vcluster_tfvars(&self, env: &str) -> Option<Value> {
        read_tfvars(&self.vcluster_dir().join(format!("env/{env}.tfvars")))
    }

    /// The `team_kubeconfig_paths` and `team_namespaces` outputs of the vcluster stack's state
    /// for `env`, read by the shared state reader where the backend keeps it (root.hcl's local
    /// path, a workspace, the stack's own file, or a remote backend through the engine with
    /// `env/<env>.backend.hcl`); None when there is no state.
    pub fn state_outputs(&self, env: &str) -> Result<Option<StateOutputs>> {
        let stack = platform_layout::Stack {
            name: "platform/vcluster".into(),
            dir: self.vcluster_dir(),
        };
        for place in platform_state::state::places(&self.root, &stack, env) {
            let state = place.read().map_err(|e| Error::State {
                path: place.path().to_path_buf(),
                reason: e.reason(),
            })?;
            let Some(state) = state else { continue };
            // Relative paths in the outputs are the stack's (tofu runs there); a local state's
            // directory is where the older layouts wrote them beside.
            let base = match &place {
                platform_state::Place::File(p) => {
                    p.parent().unwrap_or(Path::new(".")).to_path_buf()
                }
                platform_state::Place::Backend { stack, .. } => stack.clone(),
            };
            let mut out = StateOutputs {
                path: place.path().to_path_buf(),
                ..Default::default()
            };
            for (team, p) in state.string_map("team_kubeconfig_paths") {
                let p = p.ok_or_else(|| Error::State {
                    path: out.path.clone(),
                    reason: format!("team_kubeconfig_paths.{team} is not a string"),
                })?;
                out.kubeconfig_paths.insert(team, base.join(p));
            }
            for (team, ns) in state.string_map("team_namespaces") {
                if let Some(ns) = ns {
                    out.host_namespaces.insert(team, ns);
                }
            }
            return Ok(Some(out));
        }
        Ok(None)
    }
}

/// A var file as JSON-like data, read by the parser `tofu-envs check` and the hooks use, so a
/// file they reject is not half-read here; None if absent or not a valid var file.
fn read_tfvars(path: &Path) -> Option<Value> {
    let src = std::fs::read_to_string(path).ok()?;
    let assignments = hcl_format::literal::parse_tfvars(&src).ok()?;
    Some(Value::Object(
        assignments
            .into_iter()
            .map(|a| (a.name, json(a.value.value)))
            .collect(),
    ))
}

fn json(v: hcl_format::literal::Value) -> Value {
    use hcl_format::literal::Value as Hcl;
    match v {
        Hcl::Null => Value::Null,
        Hcl::Bool(b) => Value::Bool(b),
        Hcl::Number(n) => serde_json::from_str(&n).unwrap_or(Value::String(n)),
        Hcl::String(s) => Value::String(s),
        Hcl::Tuple(items) => Value::Array(items.into_iter().map(|l| json(l.value)).collect()),
        Hcl::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(k, l)| (k, json(l.value)))
                .collect(),
        ),
    }
}

/// variables.tf as JSON-like data (hcl-rs, as tofu-envs reads it); None if absent or not HCL.
fn read_hcl(path: &Path) -> Option<Value> {
    let src = std::fs::read_to_string(path).ok()?;
    // hcl-rs recurses without a limit; a file tofu could not parse is skipped before it.
    hcl_format::check(&src).ok()?;
    hcl::from_str::<Value>(&src).ok()
}
