//! Test support: a PKI made per run, a loopback HTTPS server speaking the parts of the Kubernetes
//! API the plugin and kubectl use, a terragrunt layout with team kubeconfigs, and a hermetic
//! command runner (temp HOME, KUBECONFIG, no TOFU_ENV).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assert_cmd::Command;
use base64::Engine;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A CA, a server certificate for 127.0.0.1/localhost and client certificates.
pub struct Pki {
    pub ca_pem: String,
    ca_params: CertificateParams,
    ca_key: KeyPair,
    pub server_pem: String,
    pub server_key_pem: String,
    server_der: CertificateDer<'static>,
    server_key_der: Vec<u8>,
    ca_der: CertificateDer<'static>,
}

/// A client certificate and key, PEM.
pub struct ClientCert {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Pki {
    pub fn new() -> Pki {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name = dn("vteam-test-ca");
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params.clone(), &ca_key);
        let server_key = KeyPair::generate().unwrap();
        let mut sp =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
        sp.distinguished_name = dn("kube-apiserver");
        let server = sp.signed_by(&server_key, &issuer).unwrap();
        Pki {
            ca_pem: ca.pem(),
            ca_der: ca.der().clone(),
            ca_params,
            server_pem: server.pem(),
            server_key_pem: server_key.serialize_pem(),
            server_der: server.der().clone(),
            server_key_der: server_key.serialize_der(),
            ca_key,
        }
    }

    /// A client certificate this CA signed (the server accepts it).
    pub fn client(&self, user: &str) -> ClientCert {
        let issuer = Issuer::new(self.ca_params.clone(), &self.ca_key);
        sign_client(user, &issuer)
    }
}

fn dn(cn: &str) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    d.push(DnType::CommonName, cn);
    d
}

fn sign_client(user: &str, issuer: &Issuer<'_, &KeyPair>) -> ClientCert {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = dn(user);
    let cert = p.signed_by(&key, issuer).unwrap();
    ClientCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// How the fake API server behaves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Normal,
    /// Every list/get of objects answers 403.
    Forbidden,
    /// Holds every connection without answering.
    Silent,
}

/// A vcluster the host API server serves: its workload and its `vc-<name>` secret.
#[derive(Clone)]
pub struct Vcluster {
    pub name: String,
    pub namespace: String,
    pub kind: &'static str,
    pub kubeconfig: Option<String>,
}

struct State {
    mode: Mode,
    token: Option<String>,
    vclusters: Vec<Vcluster>,
    requests: Vec<String>,
}

/// A loopback HTTPS server with its own CA that speaks enough of the Kubernetes API: `/version`,
/// `/readyz`, StatefulSet and Deployment lists with label selectors, Secrets, 401/403 Status.
pub struct ApiServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    _runtime: tokio::runtime::Runtime,
}

impl ApiServer {
    pub fn start(pki: &Pki, mode: Mode) -> ApiServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca_der.clone()).unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .allow_unauthenticated()
        .build()
        .unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key_der.clone()));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![pki.server_der.clone()], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let state = Arc::new(Mutex::new(State {
            mode,
            token: None,
            vclusters: Vec::new(),
            requests: Vec::new(),
        }));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let st = state.clone();
        runtime.spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let st = st.clone();
                tokio::spawn(async move {
                    if st.lock().unwrap().mode == Mode::Silent {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        return;
                    }
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let authenticated_by_cert = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .is_some_and(|c| !c.is_empty());
                    serve(tls, authenticated_by_cert, st).await;
                });
            }
        });
        ApiServer {
            addr,
            state,
            _runtime: runtime,
        }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    pub fn accept_token(&self, token: &str) {
        self.state.lock().unwrap().token = Some(token.to_string());
    }

    pub fn add_vcluster(&self, vc: Vcluster) {
        self.state.lock().unwrap().vclusters.push(vc);
    }

    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }
}

async fn serve<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut stream: S,
    cert_ok: bool,
    state: Arc<Mutex<State>>,
) {
    loop {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let head = String::from_utf8_lossy(&buf).to_string();
        let mut lines = head.lines();
        let request_line = lines.next().unwrap_or_default().to_string();
        let target = request_line.split(' ').nth(1).unwrap_or("/").to_string();
        let headers: BTreeMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let (status, body) = respond(&target, cert_ok, &headers, &state);
        let reason = match status {
            200 => "OK",
            401 => "Unauthorized",
            403 => "Forbidden",
            _ => "Not Found",
        };
        let resp = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(resp.as_bytes()).await.is_err() {
            return;
        }
        let _ = stream.flush().await;
    }
}

fn status_body(code: u16, reason: &str, message: &str) -> String {
    serde_json::json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code
    })
    .to_string()
}

fn respond(
    target: &str,
    cert_ok: bool,
    headers: &BTreeMap<String, String>,
    state: &Arc<Mutex<State>>,
) -> (u16, String) {
    let mut st = state.lock().unwrap();
    st.requests.push(target.to_string());
    let token_ok = match (&st.token, headers.get("authorization")) {
        (Some(t), Some(h)) => h == &format!("Bearer {t}"),
        _ => false,
    };
    if !(cert_ok || token_ok) {
        return (401, status_body(401, "Unauthorized", "Unauthorized"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    match path {
        "/version" => {
            return (
                200,
                serde_json::json!({"major": "1", "minor": "31", "gitVersion": "v1.31.4", "gitCommit": "", "gitTreeState": "clean", "buildDate": "2024-12-10T00:00:00Z", "goVersion": "go1.22", "compiler": "gc", "platform": "linux/amd64"}).to_string(),
            )
        }
        "/readyz" | "/livez" | "/healthz" => return (200, "ok".into()),
        _ => {}
    }
    if st.mode == Mode::Forbidden {
        return (
            403,
            status_body(
                403,
                "Forbidden",
                &format!("User \"dev\" cannot access {path}"),
            ),
        );
    }
    let selector_ok = query.contains("labelSelector=app%3Dvcluster")
        || query.contains("labelSelector=app=vcluster");
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let list = |kind: &str, ns: Option<&str>| {
        let items: Vec<serde_json::Value> = st
            .vclusters
            .iter()
            .filter(|v| v.kind == kind && selector_ok && ns.is_none_or(|n| v.namespace == n))
            .map(|v| {
                serde_json::json!({
                    "metadata": {"name": v.name, "namespace": v.namespace,
                                 "labels": {"app": "vcluster", "release": v.name}},
                    "spec": {"selector": {"matchLabels": {"app": "vcluster", "release": v.name}},
                             "template": {"metadata": {"labels": {"app": "vcluster"}}, "spec": {"containers": [{"name": "syncer", "image": "vcluster:0.21.2"}]}}}
                })
            })
            .collect();
        let list_kind = if kind == "StatefulSet" {
            "StatefulSetList"
        } else {
            "DeploymentList"
        };
        serde_json::json!({"kind": list_kind, "apiVersion": "apps/v1", "metadata": {"resourceVersion": "1"}, "items": items}).to_string()
    };
    match segs.as_slice() {
        ["apis", "apps", "v1", "statefulsets"] => (200, list("StatefulSet", None)),
        ["apis", "apps", "v1", "deployments"] => (200, list("Deployment", None)),
        ["apis", "apps", "v1", "namespaces", ns, "statefulsets"] => {
            (200, list("StatefulSet", Some(ns)))
        }
        ["apis", "apps", "v1", "namespaces", ns, "deployments"] => {
            (200, list("Deployment", Some(ns)))
        }
        ["api", "v1", "namespaces", ns, "secrets", name] => {
            let found = st.vclusters.iter().find(|v| {
                v.namespace == *ns && format!("vc-{}", v.name) == *name && v.kubeconfig.is_some()
            });
            match found {
                Some(v) => (
                    200,
                    serde_json::json!({
                        "kind": "Secret", "apiVersion": "v1", "type": "Opaque",
                        "metadata": {"name": name, "namespace": ns, "labels": {"app": "vcluster", "vcluster-name": v.name}},
                        "data": {"config": b64(v.kubeconfig.as_deref().unwrap())}
                    })
                    .to_string(),
                ),
                None => (404, status_body(404, "NotFound", &format!("secrets \"{name}\" not found"))),
            }
        }
        _ => (
            404,
            status_body(
                404,
                "NotFound",
                "the server could not find the requested resource",
            ),
        ),
    }
}

/// A vcluster-style kubeconfig (as `vc-<name>`'s `config`): one cluster, user and context.
pub fn team_kubeconfig(server: &str, pki: &Pki, client: &ClientCert, name: &str) -> String {
    format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {}\n    server: {server}\n  name: {name}\n\
         contexts:\n- context:\n    cluster: {name}\n    user: {name}\n  name: {name}\ncurrent-context: {name}\n\
         kind: Config\npreferences: {{}}\nusers:\n- name: {name}\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\n",
        b64(&pki.ca_pem),
        b64(&client.cert_pem),
        b64(&client.key_pem)
    )
}

/// A kubeconfig whose user authenticates with a bearer token (the server refuses unknown ones).
pub fn token_kubeconfig(server: &str, pki: &Pki, token: &str, name: &str) -> String {
    format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {}\n    server: {server}\n  name: {name}\n\
         contexts:\n- context:\n    cluster: {name}\n    user: {name}\n  name: {name}\ncurrent-context: {name}\n\
         kind: Config\nusers:\n- name: {name}\n  user:\n    token: {token}\n",
        b64(&pki.ca_pem)
    )
}

/// A repository with the terragrunt layout: stacks/teams/<team> and the vcluster stack.
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    pub fn new(teams: &[&str]) -> Repo {
        let dir = tempfile::tempdir().unwrap();
        for t in teams {
            std::fs::create_dir_all(dir.path().join("stacks/teams").join(t)).unwrap();
        }
        std::fs::create_dir_all(dir.path().join("stacks/platform/vcluster/env")).unwrap();
        Repo { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The vcluster stack's `vcluster-<team>.kubeconfig`, as its apply writes it.
    pub fn write_team_kubeconfig(&self, team: &str, content: &str) -> PathBuf {
        let p = self.root().join(format!(
            "stacks/platform/vcluster/vcluster-{team}.kubeconfig"
        ));
        std::fs::write(&p, content).unwrap();
        p
    }

    pub fn write(&self, rel: &str, content: &str) -> PathBuf {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }
}

/// A developer's machine: a HOME with ~/.kube, and the repository.
pub struct Desk {
    pub home: tempfile::TempDir,
    pub repo: Repo,
}

impl Desk {
    pub fn new(teams: &[&str]) -> Desk {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".kube")).unwrap();
        Desk {
            home,
            repo: Repo::new(teams),
        }
    }

    /// A desk whose `live` teams have vcluster kubeconfigs (client certificates) for one
    /// loopback API server; the other teams are only in the layout.
    pub fn with_live_teams(teams: &[&str], live: &[&str]) -> (Desk, Pki, ApiServer) {
        let desk = Desk::new(teams);
        let pki = Pki::new();
        let server = ApiServer::start(&pki, Mode::Normal);
        for team in live {
            let kc = team_kubeconfig(
                &server.url(),
                &pki,
                &pki.client(team),
                &format!("vcluster-{team}"),
            );
            desk.repo.write_team_kubeconfig(team, &kc);
        }
        (desk, pki, server)
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.home.path().join(".kube/config")
    }

    /// `kubectl-vteam` with this desk's HOME, KUBECONFIG and repository.
    pub fn vteam(&self) -> Command {
        self.command(assert_cmd::cargo::cargo_bin("kubectl-vteam"))
    }

    /// `program` with this desk's HOME, KUBECONFIG and repository, and nothing else of the
    /// developer's.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::from_std(test_peers::hermetic::command(program, self.home.path()));
        c.env("KUBECONFIG", self.kubeconfig())
            .env("PLATFORM_ROOT", self.repo.root())
            .env("NO_COLOR", "1");
        c
    }

    /// The real kubectl with this desk's KUBECONFIG; None (after saying so) when not installed.
    pub fn kubectl(&self) -> Option<Command> {
        let path = kubectl_path()?;
        let mut c = Command::new(path);
        c.env("HOME", self.home.path())
            .env("KUBECONFIG", self.kubeconfig())
            .current_dir(self.home.path());
        Some(c)
    }
}

pub fn kubectl_path() -> Option<PathBuf> {
    test_peers::require(
        test_peers::find("kubectl"),
        "kubectl",
        "apt-get install kubernetes-client",
    )
}

pub fn stdout(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{:?} failed: {}\n{}",
        c,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
