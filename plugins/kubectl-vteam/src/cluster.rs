//! Talking to Kubernetes API servers with kube-rs: finding vclusters in the host cluster
//! (`--from-cluster`) and probing each team's API server (`status`).
//!
//! Discovery follows the vcluster CLI (`pkg/cli/find`): StatefulSets and Deployments labelled
//! `app=vcluster` in all namespaces (on 403, in the kubeconfig's namespace), the vcluster's name
//! from the `release` label, its kubeconfig from `data.config` of the `vc-<name>` secret in the
//! same namespace. A current-thread runtime: the CLI stays a few milliseconds to start.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde::Serialize;

use crate::error::{Error, Result};

/// The host cluster to look in.
#[derive(Debug, Clone)]
pub struct Options {
    /// A kubeconfig for the host cluster; None: the user's kubeconfig chain.
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub timeout: Duration,
}

/// A vcluster found in the host cluster.
#[derive(Debug, Clone)]
pub struct ClusterVcluster {
    pub name: String,
    pub namespace: String,
    /// `data.config` of `vc-<name>`; None when the secret is not there (yet).
    pub kubeconfig: Option<String>,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime")
}

fn host_label(opts: &Options) -> String {
    let file = opts
        .kubeconfig
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "your kubeconfig".into());
    match &opts.context {
        Some(c) => format!("context {c} of {file}"),
        None => file,
    }
}

pub fn discover(opts: &Options) -> Result<Vec<ClusterVcluster>> {
    let host = host_label(opts);
    runtime().block_on(async {
        match tokio::time::timeout(opts.timeout, discover_async(opts)).await {
            Ok(r) => r,
            Err(_) => Err(Error::Cluster(format!(
                "the host cluster ({host}) did not answer within {:?}; is it running? \
                 (raise --request-timeout if it is slow)",
                opts.timeout
            ))),
        }
    })
}

async fn host_client(opts: &Options) -> Result<Client> {
    let host = host_label(opts);
    let kubeconfig = match &opts.kubeconfig {
        Some(p) => Kubeconfig::read_from(p),
        None => Kubeconfig::read(),
    }
    .map_err(|e| Error::Cluster(format!("cannot read the host kubeconfig ({host}): {e}")))?;
    let options = KubeConfigOptions {
        context: opts.context.clone(),
        ..Default::default()
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| Error::Cluster(format!("cannot use the host kubeconfig ({host}): {e}")))?;
    // The whole discovery runs under `opts.timeout` (one clear message); the client's own
    // timeouts only back it up.
    config.connect_timeout = Some(opts.timeout * 2);
    config.read_timeout = Some(opts.timeout * 2);
    Client::try_from(config)
        .map_err(|e| Error::Cluster(format!("cannot connect to the host cluster ({host}): {e}")))
}

async fn discover_async(opts: &Options) -> Result<Vec<ClusterVcluster>> {
    let client = host_client(opts).await?;
    let lp = ListParams::default().labels("app=vcluster");
    let mut workloads =
        match list_workloads(Api::all(client.clone()), Api::all(client.clone()), &lp).await {
            Err(e) if status_code(&e) == Some(403) => {
                // No cluster-wide list permission: look in the kubeconfig's namespace, as vcluster does.
                let ns = client.default_namespace().to_string();
                list_workloads(
                    Api::namespaced(client.clone(), &ns),
                    Api::namespaced(client.clone(), &ns),
                    &lp,
                )
                .await
                .map_err(|e| {
                    api_error(
                        &e,
                        "list StatefulSets and Deployments labelled app=vcluster",
                        opts,
                    )
                })?
            }
            r => r.map_err(|e| {
                api_error(
                    &e,
                    "list StatefulSets and Deployments labelled app=vcluster",
                    opts,
                )
            })?,
        };
    workloads.sort();
    workloads.dedup();
    let mut found = Vec::new();
    for (namespace, name) in workloads {
        let secrets: Api<Secret> = Api::namespaced(client.clone(), &namespace);
        let secret_name = format!("vc-{name}");
        let kubeconfig = match secrets.get(&secret_name).await {
            Ok(s) => s
                .data
                .and_then(|d| d.get("config").cloned())
                .and_then(|b| String::from_utf8(b.0).ok()),
            Err(e) if status_code(&e) == Some(404) => None,
            Err(e) => {
                return Err(api_error(
                    &e,
                    &format!("get secret {namespace}/{secret_name}"),
                    opts,
                ))
            }
        };
        found.push(ClusterVcluster {
            name,
            namespace,
            kubeconfig,
        });
    }
    Ok(found)
}

async fn list_workloads(
    sts: Api<StatefulSet>,
    deploys: Api<Deployment>,
    lp: &ListParams,
) -> kube::Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for s in sts.list(lp).await? {
        out.extend(vcluster_id(&s.metadata));
    }
    for d in deploys.list(lp).await? {
        out.extend(vcluster_id(&d.metadata));
    }
    Ok(out)
}

/// (namespace, vcluster name): the `release` label names the vcluster, else the object's name.
fn vcluster_id(meta: &ObjectMeta) -> Option<(String, String)> {
    let name = meta
        .labels
        .as_ref()
        .and_then(|l| l.get("release").cloned())
        .or_else(|| meta.name.clone())?;
    Some((meta.namespace.clone().unwrap_or_default(), name))
}

fn status_code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

fn api_error(e: &kube::Error, action: &str, opts: &Options) -> Error {
    let host = host_label(opts);
    match e {
        kube::Error::Api(s) if s.code == 403 => Error::Cluster(format!(
            "the host cluster refused to {action} (403 Forbidden: {}); the user of {host} needs \
             list on statefulsets and deployments and get on secrets in the vcluster namespaces",
            s.message
        )),
        kube::Error::Api(s) if s.code == 401 => Error::Cluster(format!(
            "the host cluster did not accept the credentials of {host} (401 Unauthorized); \
             refresh them (kind export kubeconfig, or your cloud login)"
        )),
        other => Error::Cluster(format!(
            "cannot {action} in the host cluster ({host}): {other}"
        )),
    }
}

/// What a probe of one API server found.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Health {
    Reachable { version: String, latency_ms: u64 },
    Unauthorized { code: u16, latency_ms: u64 },
    Unreachable { reason: String },
}

impl Health {
    pub fn is_up(&self) -> bool {
        matches!(self, Health::Reachable { .. })
    }
}

/// Probes every kubeconfig (a one-context kubeconfig YAML each) concurrently, `GET /version`
/// with its TLS settings and credentials, each within `timeout`.
pub fn probe_all(kubeconfigs: Vec<String>, timeout: Duration) -> Vec<Health> {
    runtime().block_on(async move {
        let mut set = tokio::task::JoinSet::new();
        for (i, yaml) in kubeconfigs.into_iter().enumerate() {
            set.spawn(async move { (i, probe(yaml, timeout).await) });
        }
        let mut out: Vec<(usize, Health)> = Vec::new();
        while let Some(r) = set.join_next().await {
            if let Ok(r) = r {
                out.push(r);
            }
        }
        out.sort_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, h)| h).collect()
    })
}

async fn probe(yaml: String, timeout: Duration) -> Health {
    let start = Instant::now();
    let attempt = async {
        let kubeconfig = Kubeconfig::from_yaml(&yaml).map_err(|e| e.to_string())?;
        let mut config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .map_err(|e| e.to_string())?;
        config.connect_timeout = Some(timeout);
        config.read_timeout = Some(timeout);
        let client = Client::try_from(config).map_err(|e| e.to_string())?;
        Ok::<_, String>(client.apiserver_version().await)
    };
    let latency = |start: Instant| start.elapsed().as_millis() as u64;
    match tokio::time::timeout(timeout, attempt).await {
        Err(_) => Health::Unreachable {
            reason: format!("no answer within {timeout:?}"),
        },
        Ok(Err(reason)) => Health::Unreachable { reason },
        Ok(Ok(Ok(info))) => Health::Reachable {
            version: info.git_version,
            latency_ms: latency(start),
        },
        Ok(Ok(Err(kube::Error::Api(s)))) if s.code == 401 || s.code == 403 => {
            Health::Unauthorized {
                code: s.code,
                latency_ms: latency(start),
            }
        }
        Ok(Ok(Err(e))) => Health::Unreachable {
            reason: one_line(&e),
        },
    }
}

/// An error and its causes on one line (hyper's "client error (Connect)" alone says nothing).
fn one_line(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}
