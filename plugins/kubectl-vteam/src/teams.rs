//! Teams, found in the layout, in the vcluster stack's state and (on request) in the host
//! cluster, merged into one list where each team says where it came from.

use std::path::PathBuf;

use serde::Serialize;

use crate::cluster;
use crate::error::{Error, Result};
use crate::kubeconfig::TeamConfig;
use crate::layout::Layout;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Layout,
    State,
    Cluster,
    Vault,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Layout => "layout",
            Source::State => "state",
            Source::Cluster => "cluster",
            Source::Vault => "vault",
        }
    }
}

/// Where a team's kubeconfig is read from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    File(PathBuf),
    /// The `config` of the `vc-<name>` secret in the host cluster.
    Secret {
        namespace: String,
        name: String,
        #[serde(skip)]
        yaml: String,
    },
    /// Kept in Vault: the cluster from there, the credential through `kubectl-vteam credential`.
    Vault {
        #[serde(skip)]
        store: crate::vault::Store,
        /// Keep an exec plugin Vault's kubeconfig names, though not a known login.
        #[serde(skip)]
        allow_exec: bool,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Team {
    pub name: String,
    pub env: String,
    pub sources: Vec<Source>,
    pub kubeconfig: Option<Origin>,
    /// The namespace `use` selects inside the vcluster.
    pub namespace: String,
    /// The vcluster's namespace in the host cluster, when known.
    pub host_namespace: Option<String>,
    pub server: Option<String>,
    /// The kubeconfig context name, `vteam-<team>` (or `vteam-<team>@<env>` with several envs).
    pub context: String,
}

impl Team {
    /// `team-a`, or `team-a@prod` when several environments are loaded.
    pub fn key(&self, qualified: bool) -> String {
        if qualified {
            format!("{}@{}", self.name, self.env)
        } else {
            self.name.clone()
        }
    }

    pub fn sources_label(&self) -> String {
        self.sources
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }

    /// The team's kubeconfig, reduced to its cluster and user.
    pub fn config(&self) -> Result<TeamConfig> {
        match &self.kubeconfig {
            None => Err(Error::NoKubeconfig(
                self.name.clone(),
                format!(
                    "apply stacks/platform/vcluster for env {} (it writes vcluster-{}.kubeconfig), \
                     or discover it in the host cluster with --from-cluster",
                    self.env, self.name
                ),
            )),
            Some(Origin::File(path)) => {
                let src = std::fs::read_to_string(path).map_err(|source| Error::Read {
                    path: path.clone(),
                    source,
                })?;
                TeamConfig::parse(&src, &path.display().to_string(), path.parent())
            }
            Some(Origin::Secret {
                namespace,
                name,
                yaml,
            }) => TeamConfig::parse(yaml, &format!("secret {namespace}/{name}"), None),
            Some(Origin::Vault { store, allow_exec }) => {
                let at = store.path(&self.env, &self.name);
                let yaml = zeroize::Zeroizing::new(store.kubeconfig(&self.env, &self.name)?);
                let mut config = TeamConfig::parse(&yaml, &format!("Vault {at}"), None)?;
                let exe = std::env::current_exe().map_err(|source| Error::Read {
                    path: "the running kubectl-vteam".into(),
                    source,
                })?;
                config.user = crate::vault::user_entry(
                    &config,
                    &exe,
                    store,
                    &self.name,
                    &self.env,
                    *allow_exec,
                )?;
                Ok(config)
            }
        }
    }
}

/// What discovery is asked to look at.
pub struct Options<'a> {
    pub layout: Option<&'a Layout>,
    pub envs: &'a [String],
    pub cluster: Option<&'a cluster::Options>,
    /// Teams' credentials kept in Vault: every team's kubeconfig comes from there, and the teams
    /// published there are listed (with `details`).
    pub vault: Option<&'a crate::vault::Store>,
    pub allow_exec: bool,
    /// Each team's namespace and server too (read from the layout and the team's kubeconfig);
    /// `current`, asked on every shell prompt, needs only the names and contexts.
    pub details: bool,
}

pub struct Teams {
    pub teams: Vec<Team>,
    /// More than one environment loaded: team keys and contexts carry the environment.
    pub qualified: bool,
}

impl Teams {
    pub fn discover(opts: &Options) -> Result<Teams> {
        let qualified = opts.envs.len() > 1;
        let mut teams: Vec<Team> = Vec::new();
        let found_in_cluster = match opts.cluster {
            Some(c) => cluster::discover(c)?,
            None => Vec::new(),
        };
        for env in opts.envs {
            let mut add =
                |name: &str, source: Source, origin: Option<Origin>, host_ns: Option<String>| {
                    let i = match teams.iter().position(|t| t.name == name && &t.env == env) {
                        Some(i) => i,
                        None => {
                            teams.push(Team {
                                name: name.to_string(),
                                env: env.clone(),
                                sources: Vec::new(),
                                kubeconfig: None,
                                namespace: String::new(),
                                host_namespace: None,
                                server: None,
                                // Another environment's context must never repoint this one's:
                                // only the default environment keeps the short name.
                                context: context_name(
                                    name,
                                    env,
                                    qualified || env != platform_layout::DEFAULT_ENV,
                                ),
                            });
                            teams.len() - 1
                        }
                    };
                    let t = &mut teams[i];
                    if !t.sources.contains(&source) {
                        t.sources.push(source);
                    }
                    // Later sources are more authoritative: layout < state < cluster.
                    if origin.is_some() {
                        t.kubeconfig = origin;
                    }
                    if host_ns.is_some() {
                        t.host_namespace = host_ns;
                    }
                };
            if let Some(layout) = opts.layout {
                // The vcluster-<team>.kubeconfig files are whatever environment applied last:
                // they stand for the default environment only. Another environment lists a
                // team where its own state (or the cluster) has the team's kubeconfig.
                if env == platform_layout::DEFAULT_ENV {
                    for name in layout.teams(env)? {
                        let file = layout.kubeconfig_file(&name).map(Origin::File);
                        add(
                            &name,
                            Source::Layout,
                            file,
                            layout.host_namespace(&name, env),
                        );
                    }
                }
                if let Some(state) = layout.state_outputs(env)? {
                    for (name, path) in &state.kubeconfig_paths {
                        let host_ns = state.host_namespaces.get(name).cloned();
                        add(
                            name,
                            Source::State,
                            Some(Origin::File(path.clone())),
                            host_ns,
                        );
                    }
                }
            }
            if let (Some(store), true) = (opts.vault, opts.details) {
                for name in store.teams(env)? {
                    add(&name, Source::Vault, None, None);
                }
            }
            for vc in &found_in_cluster {
                let origin = vc.kubeconfig.clone().map(|yaml| Origin::Secret {
                    namespace: vc.namespace.clone(),
                    name: format!("vc-{}", vc.name),
                    yaml,
                });
                add(
                    &vc.name,
                    Source::Cluster,
                    origin,
                    Some(vc.namespace.clone()),
                );
            }
        }
        if let Some(store) = opts.vault {
            for t in &mut teams {
                t.kubeconfig = Some(Origin::Vault {
                    store: store.clone(),
                    allow_exec: opts.allow_exec,
                });
            }
        }
        for t in teams.iter_mut().filter(|_| opts.details) {
            t.namespace = opts
                .layout
                .and_then(|l| l.namespace(&t.name, &t.env))
                .unwrap_or_else(|| format!("{}-apps", t.name));
            t.server = t.config().ok().and_then(|c| c.server);
        }
        teams.sort_by(|a, b| (&a.name, &a.env).cmp(&(&b.name, &b.env)));
        Ok(Teams { teams, qualified })
    }

    /// The team a command-line argument names: `team-a`, `team-a@prod`, or a context name.
    pub fn find(&self, arg: &str) -> Result<&Team> {
        if let Some(t) = self
            .teams
            .iter()
            .find(|t| t.key(self.qualified) == arg || t.context == arg)
        {
            return Ok(t);
        }
        let (name, env) = match arg.split_once('@') {
            Some((n, e)) => (n, Some(e)),
            None => (arg, None),
        };
        let matching: Vec<&Team> = self
            .teams
            .iter()
            .filter(|t| t.name == name && env.is_none_or(|e| t.env == e))
            .collect();
        match matching.as_slice() {
            [one] => Ok(one),
            [] => Err(Error::UnknownTeam(arg.to_string(), self.hint(arg))),
            many => Err(Error::AmbiguousTeam(
                name.to_string(),
                many.iter()
                    .map(|t| t.env.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                many[0].env.clone(),
            )),
        }
    }

    fn hint(&self, arg: &str) -> String {
        if self.teams.is_empty() {
            "; no teams found (run inside the repository, pass --root, or add --from-cluster)"
                .into()
        } else {
            let keys: Vec<String> = self.teams.iter().map(|t| t.key(self.qualified)).collect();
            let mean = platform_layout::closest(arg, keys.iter().map(String::as_str))
                .map(|k| format!(" did you mean `{k}`?"))
                .unwrap_or_default();
            format!(";{mean} teams: {}", keys.join(", "))
        }
    }

    /// The team whose context is `context`, if any.
    pub fn by_context(&self, context: &str) -> Option<&Team> {
        self.teams.iter().find(|t| t.context == context)
    }
}

pub fn context_name(team: &str, env: &str, qualified: bool) -> String {
    if qualified {
        format!("vteam-{team}@{env}")
    } else {
        format!("vteam-{team}")
    }
}

/// The environments to load: `--env` values (comma-separated or repeated), else `TOFU_ENV`,
/// else dev, as tofu-envs and root.hcl choose.
pub fn envs(flags: &[String]) -> Vec<String> {
    let mut envs: Vec<String> = flags
        .iter()
        .flat_map(|f| f.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect();
    envs.dedup();
    if envs.is_empty() {
        envs.push(platform_layout::current_env());
    }
    envs
}
