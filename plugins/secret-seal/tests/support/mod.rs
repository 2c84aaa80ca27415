//! Hermetic test plumbing: every command runs with a temp HOME and no sops/age variables from the
//! developer's environment, against the real binary.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use tempfile::TempDir;

/// The SOPS test vectors kept in the repository (`tests/vectors`, see its README), so a fresh
/// clone needs nothing beside it.
pub fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

pub struct Env {
    pub home: TempDir,
}

impl Env {
    pub fn new() -> Self {
        Env {
            home: TempDir::new().unwrap(),
        }
    }

    pub fn dir(&self) -> &Path {
        self.home.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn cmd(&self) -> Command {
        let bin = assert_cmd::cargo::cargo_bin("secret-seal");
        Command::from_std(test_peers::hermetic::command(bin, self.dir()))
    }

    /// A fresh identity made by `secret-seal keygen`; returns (key file, public key).
    pub fn keygen(&self, name: &str) -> (PathBuf, String) {
        let path = self.path(name);
        self.cmd()
            .args(["keygen", "-o"])
            .arg(&path)
            .assert()
            .success();
        let text = std::fs::read_to_string(&path).unwrap();
        let public = text
            .lines()
            .find_map(|l| l.strip_prefix("# public key: "))
            .unwrap()
            .to_string();
        (path, public)
    }

    /// `secret-seal encrypt --age PUBLIC FILE`, unchecked.
    pub fn encrypt(&self, public: &str, file: &Path) -> std::process::Output {
        self.cmd()
            .args(["encrypt", "--age", public])
            .arg(file)
            .output()
            .unwrap()
    }

    /// `secret-seal decrypt FILE` with SOPS_AGE_KEY_FILE=KEY, unchecked.
    pub fn decrypt(&self, key: &Path, file: &Path) -> std::process::Output {
        self.cmd()
            .env("SOPS_AGE_KEY_FILE", key)
            .arg("decrypt")
            .arg(file)
            .output()
            .unwrap()
    }

    /// `secret-seal decrypt --output-type TYPE FILE` with SOPS_AGE_KEY_FILE=KEY, unchecked.
    pub fn decrypt_as(&self, key: &Path, file: &Path, output_type: &str) -> std::process::Output {
        self.cmd()
            .env("SOPS_AGE_KEY_FILE", key)
            .args(["decrypt", "--output-type", output_type])
            .arg(file)
            .output()
            .unwrap()
    }

    /// Writes `text` as `name`, encrypts it for `public` and writes the result as `sealed/NAME`.
    pub fn seal_text(&self, public: &str, name: &str, text: &str) -> PathBuf {
        let plain = self.write(name, text);
        let out = self.encrypt(public, &plain);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        self.write(&format!("sealed/{name}"), &stdout(&out))
    }

    /// What the `age` CLI decrypts an `enc` of an age entry (an armored message) to with
    /// `identity`: the data key, independently of our code.
    #[track_caller]
    pub fn age_decrypt(&self, identity: &Path, enc: &str) -> Vec<u8> {
        let file = self.write("age-enc.txt", enc);
        let out = StdCommand::new("age")
            .args(["-d", "-i"])
            .arg(identity)
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success(), "age -d: {}", stderr(&out));
        out.stdout
    }

    /// A throw-away GNUPGHOME with the sops functional-test key imported.
    pub fn gnupg(&self) -> PathBuf {
        let home = self.path("gnupg");
        std::fs::create_dir_all(&home).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        let status = StdCommand::new("gpg")
            .env("GNUPGHOME", &home)
            .args(["--batch", "--quiet", "--import"])
            .arg(vectors().join("sops/sops_functional_tests_key.asc"))
            .status()
            .expect("gpg must be installed (apt-get install gpg)");
        assert!(status.success());
        home
    }
}

pub use test_peers::runs as has;

/// Whether the `age` CLI is here; a test that needs it says so when it is not.
pub fn age_cli() -> bool {
    test_peers::require(
        test_peers::find("age"),
        "the age CLI",
        "apt-get install age",
    )
    .is_some()
}

/// The standard output of a command that must have succeeded.
#[track_caller]
pub fn succeeded(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The first line of `text` that starts with `prefix`.
pub fn line_starting(text: &str, prefix: &str) -> String {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap()
        .to_string()
}
