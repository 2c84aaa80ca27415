//! A throw-away git repository with a copy of the bundled stacks/, and commands run in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

pub struct Repo {
    pub dir: tempfile::TempDir,
}

use test_peers::copy_dir;

impl Repo {
    /// A repository holding the bundled stacks/, root.hcl and .sops.yaml, committed.
    pub fn with_stacks() -> Repo {
        let r = Repo {
            dir: tempfile::tempdir().unwrap(),
        };
        copy_dir(&repo_root().join("stacks"), &r.path().join("stacks"));
        for f in ["root.hcl", ".sops.yaml"] {
            std::fs::copy(repo_root().join(f), r.path().join(f)).unwrap();
        }
        r.git(&["init", "-q", "-b", "main"]);
        r.git(&["config", "user.email", "dev@example.com"]);
        r.git(&["config", "user.name", "Dev"]);
        r.git(&["config", "commit.gpgsign", "false"]);
        r.git(&["add", "-A"]);
        r.git(&["commit", "-q", "-m", "stacks"]);
        r
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }

    pub fn cmd(&self, program: &str) -> Command {
        let mut c = test_peers::hermetic::command(program, self.path());
        c.env("NO_COLOR", "1");
        c
    }

    pub fn git(&self, args: &[&str]) -> Output {
        let out = self.cmd("git").args(args).output().unwrap();
        assert!(
            out.status.success() || args[0] == "commit",
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// `git commit` with everything staged; the output and whether it went through.
    pub fn commit(&self, message: &str) -> (bool, String) {
        let out = self
            .cmd("git")
            .args(["commit", "-q", "-m", message])
            .output()
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    pub fn hooks(&self, args: &[&str]) -> Output {
        self.cmd(
            assert_cmd::cargo::cargo_bin("platform-hooks")
                .to_str()
                .unwrap(),
        )
        .args(args)
        .output()
        .unwrap()
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub use test_peers::runs as has;
