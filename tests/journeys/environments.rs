//! A short-lived demo environment, from `new` to `gc`.

use std::path::Path;

use std::time::{Duration, Instant};

use crate::*;

/// A stack that plans with no provider to download: the built-in terraform_data resource,
/// fed by the environment's plain and sealed values.
fn write_web_stack(layout: &Path) {
    let stack = layout.join("stacks/apps/web");
    std::fs::create_dir_all(stack.join("env")).unwrap();
    std::fs::write(
        stack.join("variables.tf"),
        "variable \"replicas\" {\n  type = number\n}\n\nvariable \"api_token\" {\n  type      = string\n  sensitive = true\n}\n",
    )
    .unwrap();
    std::fs::write(
        stack.join("main.tf"),
        "resource \"terraform_data\" \"web\" {\n  input = {\n    replicas     = var.replicas\n    token_length = nonsensitive(length(var.api_token))\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(stack.join("env/dev.tfvars"), "replicas = 2\n").unwrap();
    std::fs::write(
        stack.join("env/dev.secrets.tfvars.json"),
        "{\"api_token\": \"tok-0123456789abcdef\"}\n",
    )
    .unwrap();
}

/// Journey 4: a demo environment is created from dev with a time to live, planned with a real
/// engine (its values and sealed secret reach tofu), applied, expires; `gc` keeps its files while
/// its state holds resources, `gc --destroy` destroys them and then collects the files, while dev
/// stays as it was.
#[test]
fn a_demo_environment_is_created_planned_expired_and_collected() {
    let Some(engine) = terraform_engine() else {
        return;
    };
    let alice = Person::new("alice", true);
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path();
    write_web_stack(layout);
    write_sops_yaml(layout, "token", &[&alice]);
    let dev_secrets = "stacks/apps/web/env/dev.secrets.tfvars.json";
    alice.tool("secret-seal", layout, &["encrypt", "-i", dev_secrets]);
    let dev_before = std::fs::read(layout.join(dev_secrets)).unwrap();
    let envs = |args: &[&str]| alice.tool("tofu-envs", layout, args);

    let created_at = Instant::now();
    let created = envs(&["new", "demo-globex", "--from", "dev", "--ttl", "4s"]);
    assert!(
        created.contains("environment demo-globex expires at"),
        "{created}"
    );
    assert_eq!(envs(&["gc", "--dry-run"]), "no expired environments\n");
    let listed = envs(&["list"]);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("demo-globex  apps/web  yes     sealed   20")),
        "{listed}"
    );
    envs(&["check", "demo-globex"]);

    let run = |args: &[&str]| {
        // A Terraform engine on a layout pinned to OpenTofu: knowingly.
        let mut all = vec!["run", "demo-globex", "apps/web", "--ignore-version", "--"];
        all.extend_from_slice(args);
        alice
            .cmd(bin("tofu-envs"), layout)
            .env("TOFU_BINARY", &engine)
            .args(&all)
            .output()
            .unwrap()
    };
    succeeded("tofu init", run(&["init", "-input=false", "-no-color"]));
    let plan = succeeded("tofu plan", run(&["plan", "-input=false", "-no-color"]));
    assert!(
        plan.contains("+ replicas     = 2")
            // A fresh token of its own (32 characters), not dev's 20-character one.
            && plan.contains("+ token_length = 32")
            && plan.contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "the plan got demo-globex's values and its sealed token:\n{plan}"
    );
    // Applied for the customer's demo: its own state, where root.hcl's remote_state would keep
    // it, in its own data directory (the stack declares no backend).
    succeeded(
        "tofu apply",
        run(&["apply", "-auto-approve", "-input=false", "-no-color"]),
    );
    let state = layout.join(".terraform-state/demo-globex/stacks/apps/web/terraform.tfstate");
    let data_dir = layout.join("stacks/apps/web/.terraform/tofu-envs/demo-globex");
    assert!(data_dir.join("terraform.tfstate").exists());
    assert!(!layout.join("stacks/apps/web/terraform.tfstate").exists());
    let state_before = std::fs::read(&state).expect("tofu apply wrote the state");

    std::thread::sleep(Duration::from_secs(5).saturating_sub(created_at.elapsed()));
    let dry = envs(&["gc", "--dry-run"]);
    assert!(dry.contains("demo-globex expired at"), "{dry}");
    assert!(layout
        .join("stacks/apps/web/env/demo-globex.tfvars")
        .exists());
    // Its state still holds what was applied: gc keeps every file (without them it could not
    // be destroyed), and says where.
    let kept = alice
        .cmd(bin("tofu-envs"), layout)
        .arg("gc")
        .output()
        .unwrap();
    let said = text(&kept.stdout);
    assert_eq!(kept.status.code(), Some(1), "{said}");
    assert!(
        said.contains(
            "apps/web: .terraform-state/demo-globex/stacks/apps/web/terraform.tfstate holds 1 resource(s)"
        ),
        "{said}"
    );
    assert!(layout
        .join("stacks/apps/web/env/demo-globex.tfvars")
        .exists());
    assert_eq!(
        std::fs::read(&state).unwrap(),
        state_before,
        "gc never touches state"
    );
    // `gc --destroy` destroys it with the environment's own values and secrets (a Terraform
    // engine on an OpenTofu pin, knowingly), then collects the files.
    let collected = alice
        .cmd(bin("tofu-envs"), layout)
        .env("TOFU_BINARY", &engine)
        .args(["gc", "--destroy", "--ignore-version"])
        .output()
        .unwrap();
    let collected = succeeded("tofu-envs gc --destroy", collected);
    assert!(collected.contains("demo-globex expired at"), "{collected}");
    let after: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(
        after["resources"],
        serde_json::json!([]),
        "destroyed: {after}"
    );
    for f in ["demo-globex.tfvars", "demo-globex.secrets.tfvars.json"] {
        assert!(
            !layout.join("stacks/apps/web/env").join(f).exists(),
            "{f} is still there after gc:\n{collected}"
        );
    }
    assert!(!envs(&["list"]).contains("demo-globex"));
    assert!(!data_dir.exists(), "its data directory is collected too");
    assert!(
        !layout.join("tofu-envs.json").exists(),
        "the registry is empty, so gone"
    );
    assert_eq!(std::fs::read(layout.join(dev_secrets)).unwrap(), dev_before);
    assert_eq!(envs(&["gc"]), "no expired environments\n");
    let gone = run(&["plan", "-input=false", "-no-color"]);
    assert!(
        !gone.status.success(),
        "a collected environment no longer plans"
    );
}
