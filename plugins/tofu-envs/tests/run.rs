//! `tofu-envs run` and `export` with a recording stand-in for tofu: exact argv, environment and
//! var-file contents, dependency order, and the disk scanned for secrets.

use crate::support::world::World;

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
    crate::support::assert_ok(&out);
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
    crate::support::assert_ok(&out);
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

#[test]
fn export_gives_what_run_gives_plain_tofu() {
    let w = World::new();
    let stack = "teams/team-a";
    let out = w
        .cmd()
        .args(["--root"])
        .arg(w.root())
        .args(["export", "prod", stack, "--reveal"])
        .output()
        .unwrap();
    crate::support::assert_ok(&out);
    let exported: std::collections::BTreeMap<String, String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("export TF_VAR_"))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_string(), v.trim_matches('\'').to_string())
        })
        .collect();
    let ran = w
        .cmd()
        .args(["run", "prod", stack, "--", "plan"])
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let rec = w.runs().pop().unwrap();
    let mut given: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for (k, v) in rec["tf_vars"].as_object().unwrap() {
        let name = k.trim_start_matches("TF_VAR_").to_string();
        assert_eq!(
            exported.get(&name),
            v.as_str().map(str::to_string).as_ref(),
            "{name}"
        );
        given.insert(name);
    }
    for text in rec["varfiles"].as_object().unwrap().values() {
        for line in text.as_str().unwrap().lines() {
            if let Some((name, _)) = line
                .split_once('=')
                .filter(|_| !line.starts_with(' ') && !line.starts_with('}'))
            {
                given.insert(name.trim().to_string());
            }
        }
    }
    assert!(
        given.contains("environment"),
        "terragrunt's input reaches tofu: {given:?}"
    );
    assert_eq!(
        exported
            .keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        given,
        "export names exactly what run gives"
    );
}

#[test]
fn gc_destroy_runs_only_where_state_holds_resources() {
    let w = World::new();
    let new = w
        .cmd()
        .args(["new", "demo", "--from", "dev", "--ttl", "1s"])
        .output()
        .unwrap();
    assert!(
        new.status.success(),
        "{}",
        String::from_utf8_lossy(&new.stderr)
    );
    // Only team-a's state (where root.hcl keeps it) holds a resource.
    let state = w
        .root()
        .join(".terraform-state/demo/stacks/teams/team-a/terraform.tfstate");
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    std::fs::write(
        &state,
        r#"{"version": 4, "terraform_version": "1.10.6", "serial": 1, "lineage": "x", "outputs": {}, "resources": [{"mode": "managed", "type": "terraform_data", "name": "app", "provider": "provider[\"terraform.io/builtin/terraform\"]", "instances": [{"attributes": {}}]}]}"#,
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let out = w.cmd().args(["gc", "--destroy"]).output().unwrap();
    let destroyed: Vec<String> = w
        .runs()
        .iter()
        .filter(|r| r["argv"][0] == "destroy")
        .map(|r| r["stack"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        destroyed,
        ["stacks/teams/team-a"],
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
