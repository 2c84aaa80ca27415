//! Journeys across the tools, as the people who use them meet them, on the real binaries.

use std::process::Command;

/// The README's demo command works on a fresh checkout: it seals a file, reads it back, refuses
/// to open it without the key, and leaves the user's HOME alone.
#[test]
fn readme_demo_seals_and_reads_back_without_touching_home() {
    let home = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("secret-seal");
    assert!(
        bin.exists(),
        "secret-seal is built by `cargo test` at the workspace root"
    );
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/demo.sh"))
        .env("HOME", home.path())
        .env("SECRET_SEAL_BIN", &bin)
        .env("TOFU_ENVS_BIN", assert_cmd::cargo::cargo_bin("tofu-envs"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");
    let sealed_part = &stdout[stdout.find("==> 4.").unwrap()..stdout.find("==> 5.").unwrap()];
    assert!(
        !sealed_part.contains("correct-horse"),
        "the sealed file shows the password:\n{sealed_part}"
    );
    assert!(
        sealed_part.contains("host: postgres.team-a-apps.svc"),
        "{sealed_part}"
    );
    assert!(sealed_part.contains("{\"encrypted\":true}"));
    let read_back = &stdout[stdout.find("==> 5.").unwrap()..stdout.find("==> 8.").unwrap()];
    assert!(
        read_back.contains("    password: correct-horse-battery-staple\n"),
        "{read_back}"
    );
    assert!(
        read_back.contains("# team-a database, production"),
        "comments come back:\n{read_back}"
    );
    assert!(read_back.contains("db password: correct-horse-battery-staple\n"));
    assert!(
        read_back.contains("cannot recover the data key"),
        "{read_back}"
    );
    let envs = &stdout[stdout.find("==> 8.").unwrap()..];
    assert!(
        envs.contains("prod  teams/team-b           yes     sealed"),
        "{envs}"
    );
    assert!(
        stderr.contains("ok: 0 finding(s) in 2 environment(s) × 4 stack(s)"),
        "{stderr}"
    );
    assert!(
        envs.contains("postgres_password  (sensitive)"),
        "secrets are masked:\n{envs}"
    );
    assert!(envs.contains("nginx_replicas     3                                                     stacks/teams/team-a/env/prod.tfvars:1"), "{envs}");
    assert!(envs.contains("environment demo-acme expires at"), "{envs}");
    assert!(
        envs.contains("nginx_replica: undeclared variable")
            && envs.contains("did you mean \"nginx_replicas\"?"),
        "{envs}"
    );
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        0,
        "the demo wrote into HOME"
    );
}
