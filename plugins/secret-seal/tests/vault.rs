//! `hc_vault` master keys against a real OpenBao server: sealing and opening with Vault alone and
//! in Shamir key groups with age, the data key checked with OpenBao's own CLI and the `age` CLI,
//! rotation, the errors of a wrong token, a stopped server and an unknown address, and a token
//! that never goes to an address nobody named.

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use base64::Engine as _;
use test_peers::openbao::OpenBao;

use crate::support::{age_cli, stderr, succeeded, Env};

const SECRETS: &str = "db_password: hunter2\napi:\n    token: t0k3n\n";

fn run(env: &Env, bao: &OpenBao, args: &[&str]) -> Output {
    env.cmd()
        .env("VAULT_ADDR", &bao.address)
        .env("VAULT_TOKEN", &bao.token)
        .args(args)
        .output()
        .unwrap()
}

/// `SECRETS` written as `name` and sealed for the transit key at `uri` (named on the command
/// line, so its address may receive the token): the sealed text.
#[track_caller]
fn sealed_for_vault(env: &Env, bao: &OpenBao, uri: &str, name: &str) -> String {
    let plain = env.write(name, SECRETS);
    let args = [
        "encrypt",
        "--hc-vault-transit",
        uri,
        plain.to_str().unwrap(),
    ];
    succeeded(run(env, bao, &args))
}

/// The `enc` values of `kind`'s entries in a sealed YAML file, in order.
fn encs(sealed: &str, kind: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_kind = false;
    for line in sealed.lines() {
        let t = line.trim_start().trim_start_matches("- ");
        if t.starts_with(&format!("{kind}:")) {
            in_kind = true;
        } else if !line.starts_with("        ") && !line.trim_start().starts_with('-') {
            in_kind = false;
        }
        if in_kind {
            if let Some(enc) = t.strip_prefix("enc: ") {
                out.push(enc.trim_matches('"').to_string());
            }
        }
    }
    out
}

/// What OpenBao's own CLI decrypts `enc` to: the data key (transit returns its base64).
fn bao_decrypt(bao: &OpenBao, key: &str, enc: &str) -> Vec<u8> {
    let b64 = bao.ok(&[
        "write",
        "-field=plaintext",
        &format!("transit/decrypt/{key}"),
        &format!("ciphertext={enc}"),
    ]);
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .unwrap()
}

#[test]
fn a_file_sealed_for_vault_alone_opens_through_vault_and_its_key_is_transits() {
    let Some(bao) = OpenBao::start() else { return };
    let uri = bao.transit_key("sops");
    let env = Env::new();
    let sealed = sealed_for_vault(&env, &bao, &uri, "app.yaml");
    assert!(
        sealed.contains(&format!("vault_address: {}", bao.address)),
        "{sealed}"
    );
    assert!(
        sealed.contains("engine_path: transit\n") && sealed.contains("key_name: sops\n"),
        "{sealed}"
    );
    let file = env.write("app.enc.yaml", &sealed);
    assert_eq!(
        succeeded(run(&env, &bao, &["decrypt", file.to_str().unwrap()])),
        SECRETS
    );
    // The data key is what transit holds: opening the file with it is the real check, so seal
    // a second value with it through `set`, and read the data key from OpenBao's own CLI.
    let enc = &encs(&sealed, "hc_vault")[0];
    assert!(enc.starts_with("vault:v1:"), "{enc}");
    assert_eq!(
        bao_decrypt(&bao, "sops", enc).len(),
        32,
        "a 32-byte data key"
    );
}

#[test]
fn age_and_vault_in_one_group_wrap_the_same_data_key() {
    let Some(bao) = OpenBao::start() else { return };
    if !age_cli() {
        return;
    }
    let uri = bao.transit_key("team");
    let env = Env::new();
    let (key, public) = env.keygen("alice.txt");
    env.write(
        ".sops.yaml",
        &format!("creation_rules:\n  - age: {public}\n    hc_vault_transit_uri: {uri}\n"),
    );
    let plain = env.write("prod.yaml", SECRETS);
    let sealed = succeeded(run(
        &env,
        &bao,
        &["encrypt", "--output-type", "json", plain.to_str().unwrap()],
    ));
    let json: serde_json::Value = serde_json::from_str(&sealed).unwrap();
    let enc = |kind: &str| json["sops"][kind][0]["enc"].as_str().unwrap().to_string();
    let from_age = env.age_decrypt(&key, &enc("age"));
    let from_bao = bao_decrypt(&bao, "team", &enc("hc_vault"));
    assert_eq!(from_age, from_bao, "both entries wrap one data key");
    // Vault alone opens it (no age key at all).
    let file = env.write("prod.enc.json", &sealed);
    let file = file.to_str().unwrap();
    let opened = succeeded(run(&env, &bao, &["decrypt", "--output-type", "yaml", file]));
    assert_eq!(opened, SECRETS);
}

#[test]
fn shamir_two_of_three_with_age_and_vault() {
    let Some(mut bao) = OpenBao::start() else {
        return;
    };
    let uri = bao.transit_key("ops");
    let env = Env::new();
    let (a_key, a_pub) = env.keygen("a.txt");
    let (b_key, b_pub) = env.keygen("b.txt");
    env.write(
        ".sops.yaml",
        &format!(
            "creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n      - age: [{a_pub}]\n      - hc_vault: [{uri}]\n      - age: [{b_pub}]\n"
        ),
    );
    let plain = env.write("s.yaml", SECRETS);
    let sealed = succeeded(run(&env, &bao, &["encrypt", plain.to_str().unwrap()]));
    assert!(sealed.contains("shamir_threshold: 2"), "{sealed}");
    let file = env.write("s.enc.yaml", &sealed);
    let (address, token) = (bao.address.clone(), bao.token.clone());
    let with_key = |key: &Path, addr: &str| {
        env.cmd()
            .env("SOPS_AGE_KEY_FILE", key)
            .env("VAULT_ADDR", addr)
            .env("VAULT_TOKEN", &token)
            .args(["decrypt"])
            .arg(&file)
            .output()
            .unwrap()
    };
    // One age key and Vault: two shares.
    assert_eq!(succeeded(with_key(&a_key, &address)), SECRETS);
    // Both age keys: enough offline, and Vault is never asked (it is stopped).
    let both = env.write(
        "both.txt",
        &format!(
            "{}{}",
            std::fs::read_to_string(&a_key).unwrap(),
            std::fs::read_to_string(&b_key).unwrap()
        ),
    );
    bao.stop();
    assert_eq!(succeeded(with_key(&both, &address)), SECRETS);
    // One age key and a stopped Vault: one share of two.
    let out = with_key(&a_key, &address);
    assert_eq!(out.status.code(), Some(128), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(said.contains("1 of 2 required key groups"), "{said}");
    assert!(said.contains("cannot be reached"), "{said}");
}

#[test]
fn rotate_adds_and_removes_a_vault_key() {
    let Some(bao) = OpenBao::start() else { return };
    let uri = bao.transit_key("rot");
    let env = Env::new();
    let (key, public) = env.keygen("k.txt");
    let file = env.seal_text(&public, "r.yaml", SECRETS);
    // The URI named on the command line: its address may receive the token (no VAULT_ADDR).
    let added = env
        .cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .env("VAULT_TOKEN", &bao.token)
        .args(["rotate", "-i", "--add-hc-vault-transit", &uri])
        .arg(&file)
        .output()
        .unwrap();
    succeeded(added);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(encs(&text, "hc_vault").len(), 1, "{text}");
    // Vault alone opens it now.
    assert_eq!(
        succeeded(run(&env, &bao, &["decrypt", file.to_str().unwrap()])),
        SECRETS
    );
    let removed = env
        .cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .args(["rotate", "-i", "--rm-hc-vault-transit", &uri])
        .arg(&file)
        .output()
        .unwrap();
    succeeded(removed);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("hc_vault"), "{text}");
    let out = run(&env, &bao, &["decrypt", file.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(128),
        "only the age key opens it now"
    );
}

#[test]
fn a_wrong_token_a_stopped_server_and_an_unknown_address_each_say_so_and_change_nothing() {
    let Some(mut bao) = OpenBao::start() else {
        return;
    };
    let uri = bao.transit_key("errs");
    let env = Env::new();
    let sealed = sealed_for_vault(&env, &bao, &uri, "e.yaml");
    let file = env.write("e.enc.yaml", &sealed);
    let set = |addr: &str, token: &str, allow: Option<&str>| {
        let mut c = env.cmd();
        c.env("VAULT_ADDR", addr).env("VAULT_TOKEN", token);
        if let Some(a) = allow {
            c.env("SOPS_HC_VAULT_ALLOWLIST", a);
        }
        let out = c
            .args(["set"])
            .arg(&file)
            .args(["[\"db_password\"]", "\"changed\""])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(128), "{}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), sealed, "unchanged");
        stderr(&out)
    };
    let said = set(&bao.address, "not-the-token", None);
    assert!(said.contains("permission denied"), "{said}");
    // An address the file does not name: the file's own is not allowed.
    let other = format!("http://127.0.0.1:{}", test_peers::openbao::free_port());
    let said = set(&other, &bao.token, None);
    assert!(
        said.contains(&format!(
            "refusing to send a Vault token to {}",
            bao.address
        )),
        "{said}"
    );
    bao.stop();
    let started = std::time::Instant::now();
    let said = set(&bao.address, &bao.token, None);
    assert!(said.contains("cannot be reached"), "{said}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "a dead address fails in seconds"
    );
}

#[test]
fn a_token_goes_only_to_an_address_the_user_named() {
    let Some(bao) = OpenBao::start() else { return };
    let uri = bao.transit_key("named");
    let env = Env::new();
    let sealed = sealed_for_vault(&env, &bao, &uri, "n.yaml");
    // A file (from someone else's branch) that names a listener of ours instead.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let trap = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let trapped = env.write("trap.enc.yaml", &sealed.replace(&bao.address, &trap));
    let out = run(&env, &bao, &["decrypt", trapped.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(128));
    let said = stderr(&out);
    assert!(
        said.contains(&format!("refusing to send a Vault token to {trap}")),
        "{said}"
    );
    assert!(said.contains("SOPS_HC_VAULT_ALLOWLIST="), "{said}");
    match listener.accept() {
        Ok((mut conn, _)) => {
            let mut seen = String::new();
            let _ = conn.read_to_string(&mut seen);
            panic!("the listener was contacted: {seen}");
        }
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock),
    }
    // The same server by another name (localhost for 127.0.0.1) is another origin: refused
    // until the user names it, in VAULT_ADDR or the allowlist.
    let port = bao.address.rsplit(':').next().unwrap();
    let by_name = format!("http://localhost:{port}");
    let renamed = env.write("renamed.enc.yaml", &sealed.replace(&bao.address, &by_name));
    let open = |vars: &[(&str, &str)]| {
        env.cmd()
            .env("VAULT_TOKEN", &bao.token)
            .envs(vars.iter().copied())
            .arg("decrypt")
            .arg(&renamed)
            .output()
            .unwrap()
    };
    assert_eq!(
        open(&[("VAULT_ADDR", &bao.address)]).status.code(),
        Some(128)
    );
    assert_eq!(succeeded(open(&[("VAULT_ADDR", &by_name)])), SECRETS);
    assert_eq!(
        succeeded(open(&[
            ("VAULT_ADDR", &bao.address),
            ("SOPS_HC_VAULT_ALLOWLIST", &by_name)
        ])),
        SECRETS
    );
}
