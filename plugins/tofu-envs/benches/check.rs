//! `cargo bench -p tofu-envs --bench check`: `tofu-envs check` over a generated layout of
//! 200 stacks × 5 environments (each stack: 12 variables of every kind of type, a plain env file
//! and a sealed secrets file per environment), with the key available so every MAC is verified.

use std::path::Path;
use std::time::Instant;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const VARIABLES: &str = r#"variable "name" {
  type = string
}
variable "replicas" {
  type    = number
  default = 1
}
variable "enabled" {
  type    = bool
  default = true
}
variable "zones" {
  type    = list(string)
  default = []
}
variable "tags" {
  type    = map(string)
  default = {}
}
variable "teams" {
  type = map(object({
    node_port = number
    namespace = optional(string)
  }))
  default = {}
}
variable "cidr" {
  type    = string
  default = "10.0.0.0/16"
}
variable "min_size" {
  type    = number
  default = 1
}
variable "max_size" {
  type    = number
  default = 3
}
variable "instance_type" {
  type    = string
  default = "t3.small"
}
variable "labels" {
  type    = map(string)
  default = {}
}
variable "db_password" {
  type      = string
  sensitive = true
}
"#;

fn main() {
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let secret = {
        use age::secrecy::ExposeSecret;
        identity.to_string().expose_secret().to_string()
    };
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    write(
        root,
        ".sops.yaml",
        &format!(
            "creation_rules:\n  - path_regex: \\.secrets\\.tfvars\\.json$\n    age: {public}\n"
        ),
    );
    let envs = ["dev", "test", "staging", "prod", "demo"];
    let opts = secret_seal::SealOptions {
        key_groups: vec![vec![secret_seal::Recipient::Age(public.clone())]],
        ..Default::default()
    };
    for s in 0..200 {
        let stack = format!("stacks/group{}/stack{s:03}", s % 10);
        write(root, &format!("{stack}/variables.tf"), VARIABLES);
        for env in envs {
            write(
                root,
                &format!("{stack}/env/{env}.tfvars"),
                &format!(
                    "name     = \"{env}-{s}\"\nreplicas = {}\nzones    = [\"a\", \"b\"]\ntags = {{\n  team = \"t{s}\"\n  env  = \"{env}\"\n}}\nteams = {{\n  team-a = {{ node_port = 30443 }}\n  team-b = {{ node_port = 30444, namespace = \"b\" }}\n}}\n",
                    s % 5 + 1
                ),
            );
            let mut b = secret_seal::Branch::default();
            b.push(
                "db_password",
                secret_seal::Value::Str(format!("password-{env}-{s}-long-enough")),
            );
            let sealed = secret_seal::seal(
                secret_seal::Tree { branches: vec![b] },
                secret_seal::Format::Json,
                &opts,
            )
            .unwrap();
            let bytes = sealed
                .to_bytes(secret_seal::Format::Json, Default::default())
                .unwrap();
            let p = root.join(format!("{stack}/env/{env}.secrets.tfvars.json"));
            std::fs::write(p, bytes).unwrap();
        }
    }
    std::env::set_var("SOPS_AGE_KEY", &secret);
    std::env::set_var("HOME", root);
    let layout = tofu_envs::layout::Layout::load(root).unwrap();
    let stacks: Vec<&tofu_envs::layout::Stack> = layout.stacks.iter().collect();
    let envs: Vec<String> = envs.iter().map(|e| e.to_string()).collect();
    let findings = tofu_envs::check::check(&layout, &envs, &stacks, &[]);
    assert!(findings.is_empty(), "{:?}", findings.first());
    let runs = 3;
    let start = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(tofu_envs::check::check(&layout, &envs, &stacks, &[]));
    }
    let per = start.elapsed().as_secs_f64() / f64::from(runs);
    println!("| layout | check (in-process) | per stack × environment |");
    println!("| --- | ---: | ---: |");
    println!(
        "| 200 stacks × 5 environments, sealed secrets verified | {:.0} ms | {:.2} ms |",
        per * 1e3,
        per * 1e3 / 1000.0
    );
}
