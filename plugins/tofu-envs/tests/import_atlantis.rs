//! `tofu-envs import` into sealed files, `atlantis` projects, and the engine version check.

use crate::support::world::World;

#[test]
fn import_then_check_passes_and_the_sealed_file_holds_exactly_the_secrets() {
    let w = World::new();
    std::fs::remove_file(w.root().join("stacks/teams/team-a/env/dev.tfvars")).unwrap();
    std::fs::remove_file(
        w.root()
            .join("stacks/teams/team-a/env/dev.secrets.tfvars.json"),
    )
    .unwrap();
    let exports = w.dir.path().join("exports.sh");
    std::fs::write(&exports, "export TF_VAR_nginx_replicas=3\nexport TF_VAR_team_config='{ owner = \"a@example.com\" }'\nexport TF_VAR_postgres_password='imported-secret-0123456789'\nexport TF_VAR_unknown=x\n").unwrap();
    let out = w
        .cmd()
        .args(["import", "dev", "teams/team-a", "--file"])
        .arg(&exports)
        .output()
        .unwrap();
    crate::support::assert_ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("TF_VAR_unknown is not declared"));
    assert_eq!(
        std::fs::read_to_string(w.root().join("stacks/teams/team-a/env/dev.tfvars")).unwrap(),
        "nginx_replicas = 3\nteam_config    = { owner = \"a@example.com\" }\n"
    );
    assert_eq!(w.secret("team-a", "dev"), "imported-secret-0123456789");
    let sealed = std::fs::read(
        w.root()
            .join("stacks/teams/team-a/env/dev.secrets.tfvars.json"),
    )
    .unwrap();
    assert!(secret_seal::is_sealed(secret_seal::Format::Json, &sealed));
    assert!(
        w.files_containing("imported-secret-0123456789")
            .iter()
            .all(|p| p.ends_with("exports.sh")),
        "only the user's own file holds it"
    );
    w.cmd()
        .args(["check", "dev", "teams/team-a"])
        .assert()
        .success();
    // And the environment variables route: export gives back what was imported.
    let out = w
        .cmd()
        .args(["export", "dev", "teams/team-a"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "export TOFU_ENV='dev'\nexport TF_VAR_environment='dev'\nexport TF_VAR_nginx_replicas='3'\nexport TF_VAR_team_config='{ owner = \"a@example.com\" }'\n");
    // Inside the stack's directory, with TOFU_ENV: the same, not every stack's values merged.
    let here = w
        .cmd()
        .current_dir(w.root().join("stacks/teams/team-a/env"))
        .env("TOFU_ENV", "dev")
        .arg("export")
        .output()
        .unwrap();
    assert_eq!(here.stdout, out.stdout);
    let revealed = w
        .cmd()
        .args(["export", "dev", "teams/team-a", "--reveal"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&revealed.stdout)
        .contains("export TF_VAR_postgres_password='imported-secret-0123456789'"));
    assert!(String::from_utf8_lossy(&revealed.stderr).contains("warning"));
}

#[test]
fn atlantis_yaml_has_every_project_with_its_dependencies_and_check_finds_it_stale() {
    let w = World::new();
    w.cmd().arg("atlantis").assert().success();
    let path = w.root().join("atlantis.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let docs = secret_seal::store::yaml::parse(&text).unwrap();
    let root = &docs[0];
    let secret_seal::Value::Seq(projects) = root.get("projects").unwrap() else {
        panic!("projects is a list")
    };
    assert_eq!(
        projects
            .iter()
            .filter(|p| !matches!(p, secret_seal::Value::Comment(_)))
            .count(),
        8,
        "2 environments × 4 stacks"
    );
    let project = |name: &str| {
        projects
            .iter()
            .find_map(|p| match p {
                secret_seal::Value::Map(b)
                    if b.get("name").and_then(|n| n.as_str()) == Some(name) =>
                {
                    Some(b.clone())
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no project {name}"))
    };
    let a = project("prod-teams-team-a");
    assert_eq!(a.get("dir").unwrap().as_str(), Some("stacks/teams/team-a"));
    assert_eq!(a.get("workflow").unwrap().as_str(), Some("tofu-envs-prod"));
    assert_eq!(
        a.get("depends_on").unwrap(),
        &secret_seal::Value::Seq(vec![secret_seal::Value::Str(
            "prod-platform-vcluster".into()
        )])
    );
    let secret_seal::Value::Map(autoplan) = a.get("autoplan").unwrap() else {
        panic!()
    };
    let modified = format!("{:?}", autoplan.get("when_modified").unwrap());
    assert!(
        modified.contains("env/prod.secrets.tfvars.json") && modified.contains("../../../root.hcl"),
        "{modified}"
    );
    // What the stack reads: its local module, and the stack it depends on.
    assert!(
        modified.contains("../../../modules/team/*.tf")
            && modified.contains("../../../stacks/platform/vcluster/*.tf"),
        "{modified}"
    );
    // A platform stack reads the team list through its teams.auto.tfvars link: a new team
    // plans it.
    let vcluster = format!(
        "{:?}",
        project("prod-platform-vcluster").get("autoplan").unwrap()
    );
    assert!(vcluster.contains("../../teams.tfvars"), "{vcluster}");
    assert!(text.contains("- run: tofu-envs run prod . -- plan -input=false -out $PLANFILE"));
    w.cmd().args(["atlantis", "--check"]).assert().success();
    // Regenerating gives the same bytes; a new environment makes the committed file stale.
    w.cmd().arg("atlantis").assert().success();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    w.cmd()
        .args(["new", "staging", "--from", "dev"])
        .assert()
        .success();
    w.cmd().args(["atlantis", "--check"]).assert().code(1);
}

/// Must show 4: the engine's version against the pin (tenv's files, nearest first) and the
/// stack's `required_version`: a mismatch refuses apply, destroy and import with the pin's file
/// and the engine found named, warns for plan, and `--ignore-version` overrides it.
#[test]
fn a_version_mismatch_refuses_what_writes_state() {
    let w = World::new();
    let run = |version: &str, args: &[&str]| {
        w.cmd()
            .env("ENGINE_VERSION", version)
            .args(["run", "dev", "teams/team-a"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = run("1.9.0", &["--", "apply", "-auto-approve"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("refusing to apply with OpenTofu 1.9.0")
            && err.contains(".opentofu-version pins OpenTofu 1.10.6")
            && err.contains("--ignore-version"),
        "{err}"
    );
    assert!(w.records().is_empty(), "the engine ran: {:?}", w.records());
    for cmd in ["destroy", "import"] {
        let out = run("1.9.0", &["--", cmd]);
        assert_eq!(out.status.code(), Some(1), "{cmd}");
    }

    let out = run("1.9.0", &["--", "plan"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("warning: ") && err.contains("pins OpenTofu 1.10.6"),
        "{err}"
    );

    let out = run(
        "1.9.0",
        &["--ignore-version", "--", "apply", "-auto-approve"],
    );
    crate::support::assert_ok(&out);

    // The nearest pin wins (a stack's own .tool-versions), and required_version is tofu's
    // constraint language: `~> 1.10` takes 1.11, not 2.0.
    let stack = w.root().join("stacks/teams/team-a");
    std::fs::write(stack.join(".tool-versions"), "opentofu 1.11.0\n").unwrap();
    let main = std::fs::read_to_string(stack.join("main.tf")).unwrap();
    std::fs::write(
        stack.join("main.tf"),
        main.replace(
            "required_version = \">= 1.6.0\"",
            "required_version = \"~> 1.10\"",
        ),
    )
    .unwrap();
    let out = run("1.11.0", &["--", "apply", "-auto-approve"]);
    crate::support::assert_ok(&out);
    std::fs::write(stack.join(".tool-versions"), "opentofu 2.0.0\n").unwrap();
    let out = run("2.0.0", &["--", "apply", "-auto-approve"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("main.tf:2: required_version \"~> 1.10\" is not met by OpenTofu 2.0.0"),
        "{err}"
    );
}
