//! What users install: `scripts/release` packs the four tools into archives that unpack to working
//! binaries with their licence, man page and completions, writes SHA256SUMS, and a krew manifest
//! whose checksums and URLs are those of the archives (what `kubectl krew install --manifest=...
//! --archive=...` verifies).

use std::path::{Path, PathBuf};
use std::process::Command;

mod support;
use support::{repo_root, succeeded as ok};

const BASE_URL: &str = "https://downloads.example.test/platform-tools/v0.1.0";

/// The directory `cargo test` built every binary of the workspace into.
fn built_bin_dir() -> PathBuf {
    let dir = support::bin("platform-hooks")
        .parent()
        .unwrap()
        .to_path_buf();
    for b in [
        "secret-seal",
        "tofu-envs",
        "platform-hooks",
        "kubectl-vteam",
        "kubectl_complete-vteam",
    ] {
        assert!(
            dir.join(b).is_file(),
            "{b} is built by `cargo test` at the workspace root"
        );
    }
    dir
}

fn release(out: &Path) -> String {
    ok(
        "scripts/release",
        Command::new(repo_root().join("scripts/release"))
            .arg("--bin-dir")
            .arg(built_bin_dir())
            .args(["--base-url", BASE_URL, "--out"])
            .arg(out)
            .output()
            .unwrap(),
    )
}

fn platform() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "linux_amd64",
        "aarch64" => "linux_arm64",
        other => panic!("no release platform for {other}"),
    }
}

fn archive_name(tool: &str) -> String {
    format!(
        "{tool}_v{}_{}.tar.gz",
        env!("CARGO_PKG_VERSION"),
        platform()
    )
}

fn sha256sum(file: &Path) -> String {
    let line = ok(
        "sha256sum",
        Command::new("sha256sum").arg(file).output().unwrap(),
    );
    line.split_whitespace().next().unwrap().to_string()
}

const TOOLS: [(&str, &[&str]); 4] = [
    ("secret-seal", &["secret-seal"]),
    ("tofu-envs", &["tofu-envs"]),
    ("platform-hooks", &["platform-hooks"]),
    (
        "kubectl-vteam",
        &["kubectl-vteam", "kubectl_complete-vteam"],
    ),
];

#[test]
fn archives_unpack_to_working_tools_with_licence_man_page_and_completions() {
    let out = tempfile::tempdir().unwrap();
    release(out.path());
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = TOOLS.iter().map(|(t, _)| archive_name(t)).collect();
    expected.extend(["SHA256SUMS".into(), "vteam.yaml".into()]);
    expected.sort();
    assert_eq!(names, expected);

    let sums = ok(
        "sha256sum -c SHA256SUMS",
        Command::new("sha256sum")
            .args(["-c", "SHA256SUMS"])
            .current_dir(out.path())
            .output()
            .unwrap(),
    );
    assert_eq!(sums.matches(": OK").count(), TOOLS.len(), "{sums}");

    let licence = std::fs::read(repo_root().join("LICENSE")).unwrap();
    for (tool, bins) in TOOLS {
        let unpacked = tempfile::tempdir().unwrap();
        ok(
            "tar xzf",
            Command::new("tar")
                .arg("xzf")
                .arg(out.path().join(archive_name(tool)))
                .current_dir(unpacked.path())
                .output()
                .unwrap(),
        );
        let dir = unpacked
            .path()
            .join(archive_name(tool).trim_end_matches(".tar.gz"));
        assert_eq!(std::fs::read(dir.join("LICENSE")).unwrap(), licence);
        assert!(dir.join("README.md").is_file());
        let version = ok(
            "--version",
            Command::new(dir.join(bins[0]))
                .arg("--version")
                .output()
                .unwrap(),
        );
        assert_eq!(
            version,
            format!("{} {}\n", bins[0], env!("CARGO_PKG_VERSION"))
        );
        for b in &bins[1..] {
            // The completion shim answers with cobra's directive line last.
            let shim = ok(
                "shim",
                Command::new(dir.join(b)).arg("st").output().unwrap(),
            );
            assert!(shim.starts_with("status\n"), "{shim}");
        }
        let man = std::fs::read_to_string(dir.join(format!("doc/{tool}.1"))).unwrap();
        assert!(man.contains(&format!(".TH {tool} 1")), "{tool}: {man}");
        let bash = dir.join(format!("complete/{tool}.bash"));
        ok(
            "bash -n",
            Command::new("bash").arg("-n").arg(&bash).output().unwrap(),
        );
        assert!(std::fs::read_to_string(&bash).unwrap().contains(tool));
        for f in [format!("complete/_{tool}"), format!("complete/{tool}.fish")] {
            let text = std::fs::read_to_string(dir.join(&f)).unwrap();
            assert!(text.contains(tool), "{f}: {text}");
        }
    }
}

#[test]
fn the_krew_manifest_carries_the_archive_checksum_and_url() {
    let out = tempfile::tempdir().unwrap();
    release(out.path());
    let archive = out.path().join(archive_name("kubectl-vteam"));
    let manifest = std::fs::read_to_string(out.path().join("vteam.yaml")).unwrap();
    let (os, arch) = platform().split_once('_').unwrap();
    let dir = archive_name("kubectl-vteam").replace(".tar.gz", "");
    for needle in [
        "apiVersion: krew.googlecontainertools.github.com/v1alpha2\n".to_string(),
        "kind: Plugin\n".into(),
        "  name: vteam\n".into(),
        format!("  version: v{}\n", env!("CARGO_PKG_VERSION")),
        format!("        os: {os}\n        arch: {arch}\n"),
        format!("    uri: {BASE_URL}/{}\n", archive_name("kubectl-vteam")),
        format!("    sha256: \"{}\"\n", sha256sum(&archive)),
        format!("    - from: {dir}/kubectl-vteam\n      to: .\n"),
        "    bin: kubectl-vteam\n".into(),
    ] {
        assert!(manifest.contains(&needle), "{needle:?} not in:\n{manifest}");
    }
    // Every `from:` names a file the archive has.
    let listing = ok(
        "tar tzf",
        Command::new("tar")
            .arg("tzf")
            .arg(&archive)
            .output()
            .unwrap(),
    );
    for from in manifest
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- from: "))
    {
        assert!(
            listing.lines().any(|l| l == from),
            "{from} not in {listing}"
        );
    }

    // Packing is reproducible: the same binaries give the same checksums.
    let again = tempfile::tempdir().unwrap();
    release(again.path());
    assert_eq!(
        std::fs::read(out.path().join("SHA256SUMS")).unwrap(),
        std::fs::read(again.path().join("SHA256SUMS")).unwrap()
    );

    let Some(krew) = test_peers::find("kubectl-krew") else {
        test_peers::skip_optional(
            "krew is not installed (it is published on GitHub only); the checksum and file list were checked above",
        );
        return;
    };
    let krew_root = tempfile::tempdir().unwrap();
    ok(
        "kubectl krew install --manifest --archive",
        Command::new(krew)
            .arg("install")
            .arg(format!(
                "--manifest={}",
                out.path().join("vteam.yaml").display()
            ))
            .arg(format!("--archive={}", archive.display()))
            .env("KREW_ROOT", krew_root.path())
            .output()
            .unwrap(),
    );
    assert!(krew_root.path().join("bin/kubectl-vteam").exists());
}

#[test]
fn a_version_that_is_not_the_crates_is_refused() {
    let out = tempfile::tempdir().unwrap();
    let refused = Command::new(repo_root().join("scripts/release"))
        .arg("--bin-dir")
        .arg(built_bin_dir())
        .args(["--version", "v9.9.9", "--base-url", BASE_URL, "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("9.9.9") && err.contains(env!("CARGO_PKG_VERSION")),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}
