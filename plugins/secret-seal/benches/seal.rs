//! `cargo bench -p secret-seal`: encrypt/decrypt times for a 10,000-value YAML, a 1 MiB binary
//! and a tfvars-sized JSON, in-process, with the npm package sops-age decrypting the same files
//! side by side when node and `tests/interop/node_modules` are there.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use secret_seal::store::{self, EmitOptions, Format};
use secret_seal::{Identities, Recipient, SealOptions, Sealed};

fn time<T>(iterations: u32, mut f: impl FnMut() -> T) -> Duration {
    let start = Instant::now();
    for _ in 0..iterations {
        std::hint::black_box(f());
    }
    start.elapsed() / iterations
}

fn yaml_10k() -> String {
    let mut s = String::new();
    for team in 0..100 {
        s.push_str(&format!("team{team}:\n"));
        for i in 0..100 {
            s.push_str(&format!("    key{i}: value-{team}-{i}-with-some-text\n"));
        }
    }
    s
}

fn binary_1mib() -> Vec<u8> {
    (0..1 << 20)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn tfvars_json() -> String {
    r#"{"db_password": "s3cr3t-passw0rd", "redis_password": "an0ther-one", "api_token": "tok_0123456789abcdef", "region": "eu-west-1", "replicas": 3, "enable_tls": true}"#.to_string()
}

fn main() {
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let key_text = {
        use age::secrecy::ExposeSecret;
        format!(
            "# public key: {public}\n{}\n",
            identity.to_string().expose_secret()
        )
    };
    let opts = SealOptions {
        key_groups: vec![vec![Recipient::Age(public.clone())]],
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key.txt");
    std::fs::write(&key_file, &key_text).unwrap();

    let cases: Vec<(&str, Format, Vec<u8>, u32, &str)> = vec![
        (
            "YAML, 10,000 values",
            Format::Yaml,
            yaml_10k().into_bytes(),
            10,
            "big.yaml",
        ),
        (
            "binary, 1 MiB",
            Format::Binary,
            binary_1mib(),
            10,
            "blob.json",
        ),
        (
            "tfvars-sized JSON",
            Format::Json,
            tfvars_json().into_bytes(),
            500,
            "small.json",
        ),
    ];
    let node_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop");
    let node = node_dir.join("node_modules/sops-age").is_dir()
        && Command::new("node").arg("--version").output().is_ok();

    println!("| file | encrypt (secret-seal) | decrypt (secret-seal) | decrypt (sops-age, node) |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, format, bytes, n, file) in cases {
        let encrypt = time(n, || {
            let tree = store::load_plain(format, &bytes).unwrap();
            let sealed = secret_seal::seal(tree, format, &opts).unwrap();
            sealed.to_bytes(format, EmitOptions::default()).unwrap()
        });
        let tree = store::load_plain(format, &bytes).unwrap();
        let sealed = secret_seal::seal(tree, format, &opts)
            .unwrap()
            .to_bytes(format, EmitOptions::default())
            .unwrap();
        let decrypt = time(n, || {
            let s = Sealed::parse(format, &sealed).unwrap();
            let opened = s
                .open(
                    || {
                        let mut ids = Identities::default();
                        ids.parse_keys(&key_text, Path::new("bench"), false)?;
                        Ok(ids)
                    },
                    true,
                )
                .unwrap();
            store::emit_plain(format, &opened.tree, EmitOptions::default()).unwrap()
        });
        let peer = if node && format != Format::Binary {
            let path = dir.path().join(file);
            std::fs::write(&path, &sealed).unwrap();
            let out = Command::new("node")
                .arg(node_dir.join("decrypt.mjs"))
                .args(["--repeat", &n.to_string()])
                .arg(&key_file)
                .arg(&path)
                .current_dir(&node_dir)
                .output()
                .unwrap();
            format!("{} ms", String::from_utf8_lossy(&out.stdout).trim())
        } else if node {
            "n/a (no binary store)".into()
        } else {
            "not installed".into()
        };
        println!(
            "| {name} ({} KiB) | {:.3} ms | {:.3} ms | {peer} |",
            bytes.len() / 1024,
            encrypt.as_secs_f64() * 1e3,
            decrypt.as_secs_f64() * 1e3
        );
    }
}
