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

/// The layout under `root`, each environment's secrets sealed for `recipient`.
fn layout(root: &Path, rule: &str, recipient: secret_seal::Recipient) {
    write(
        root,
        ".sops.yaml",
        &format!("creation_rules:\n  - path_regex: \\.secrets\\.tfvars\\.json$\n    {rule}\n"),
    );
    let opts = secret_seal::SealOptions {
        key_groups: vec![vec![recipient]],
        ..Default::default()
    };
    for s in 0..200 {
        let stack = format!("stacks/group{}/stack{s:03}", s % 10);
        write(root, &format!("{stack}/variables.tf"), VARIABLES);
        for env in ENVS {
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
}

const ENVS: [&str; 5] = ["dev", "test", "staging", "prod", "demo"];

/// `check` over the layout at `root`, every MAC verified: milliseconds of the first run (what a
/// process running it once pays: key services asked, nothing remembered yet) and of a run
/// after it.
fn time_check(root: &Path) -> (f64, f64) {
    let layout = tofu_envs::layout::Layout::load(root).unwrap();
    let stacks: Vec<&tofu_envs::layout::Stack> = layout.stacks.iter().collect();
    let envs: Vec<String> = ENVS.iter().map(|e| e.to_string()).collect();
    let start = Instant::now();
    let findings = tofu_envs::check::check(&layout, &envs, &stacks, &[]);
    let first = start.elapsed().as_secs_f64() * 1e3;
    assert!(findings.is_empty(), "{:?}", findings.first());
    let runs = 3;
    let start = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(tofu_envs::check::check(&layout, &envs, &stacks, &[]));
    }
    (first, start.elapsed().as_secs_f64() * 1e3 / f64::from(runs))
}

fn main() {
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let secret = {
        use age::secrecy::ExposeSecret;
        identity.to_string().expose_secret().to_string()
    };
    let home = tempfile::tempdir().unwrap();
    std::env::set_var("HOME", home.path());
    std::env::set_var("SOPS_AGE_KEY", &secret);
    let with_age = tempfile::tempdir().unwrap();
    layout(
        with_age.path(),
        &format!("age: {public}"),
        secret_seal::Recipient::Age(public),
    );
    let age_ms = time_check(with_age.path());
    println!("| layout: 200 stacks × 5 environments, every MAC verified | check, first run | per stack × environment | later runs |");
    println!("| --- | ---: | ---: | ---: |");
    let row = |what: &str, (first, later): (f64, f64)| {
        println!(
            "| {what} | {first:.0} ms | {:.2} ms | {later:.0} ms |",
            first / 1000.0
        )
    };
    row("secrets sealed for age", age_ms);
    // The same tree sealed for a Vault transit key on a local OpenBao, opened through it.
    let Some(bao) = test_peers::openbao::OpenBao::start() else {
        return;
    };
    let uri = bao.transit_key("bench");
    std::env::set_var("VAULT_ADDR", &bao.address);
    std::env::set_var("VAULT_TOKEN", &bao.token);
    std::env::remove_var("SOPS_AGE_KEY");
    let with_vault = tempfile::tempdir().unwrap();
    layout(
        with_vault.path(),
        &format!("hc_vault_transit_uri: {uri}"),
        secret_seal::Recipient::HcVault(uri.clone()),
    );
    let vault_ms = time_check(with_vault.path());
    row("secrets sealed for Vault transit (local OpenBao)", vault_ms);
    println!("\nVault / age, first run: {:.2}x", vault_ms.0 / age_ms.0);
}
