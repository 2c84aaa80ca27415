//! `kms` master keys against moto's real AWS KMS API: sealing and opening with KMS alone (the
//! encryption context on both calls), the data key checked with boto3 and the `age` CLI, a
//! 3-group Shamir 2-of-3 of age, Vault and KMS, rotation, a role assumed through STS from a
//! profile, and the errors of an unknown key and a stopped server.

use std::path::Path;

use test_peers::moto::Moto;
use test_peers::openbao::OpenBao;

use crate::support::{age_cli, stderr, succeeded, Env};

const SECRETS: &str = "db_password: hunter2\n";

fn cmd(env: &Env, moto: &Moto) -> assert_cmd::Command {
    let mut c = env.cmd();
    c.envs(moto.env());
    c
}

/// What boto3 decrypts a `kms` enc to (with `context`), as standard base64.
fn boto3_decrypt(moto: &Moto, region: &str, enc: &str, context: &str) -> String {
    moto.boto3(
        region,
        &format!(
            "r = kms.decrypt(CiphertextBlob=base64.b64decode('{enc}'), EncryptionContext=json.loads('{context}'))\nprint(base64.b64encode(r['Plaintext']).decode())"
        ),
    )
}

#[test]
fn a_file_sealed_for_kms_opens_through_kms_with_its_context_and_boto3_agrees() {
    let Some(moto) = Moto::start() else { return };
    if !age_cli() {
        return;
    }
    let arn = moto.kms_key("eu-west-1");
    let env = Env::new();
    let (key, public) = env.keygen("k.txt");
    let plain = env.write("app.yaml", SECRETS);
    let sealed = succeeded(
        cmd(&env, &moto)
            .args([
                "encrypt",
                "--output-type",
                "json",
                "--age",
                &public,
                "--kms",
                &arn,
            ])
            .args(["--encryption-context", "team:a,env:prod"])
            .arg(&plain)
            .output()
            .unwrap(),
    );
    let json: serde_json::Value = serde_json::from_str(&sealed).unwrap();
    let entry = &json["sops"]["kms"][0];
    assert_eq!(entry["arn"], arn.as_str());
    assert_eq!(
        entry["aws_profile"], "",
        "always written, as sops writes it"
    );
    assert_eq!(entry["context"]["team"], "a");
    // boto3 opens the kms entry (with the context) to the data key the age CLI finds.
    let from_kms = boto3_decrypt(
        &moto,
        "eu-west-1",
        entry["enc"].as_str().unwrap(),
        r#"{"team": "a", "env": "prod"}"#,
    );
    let from_age = env.age_decrypt(&key, json["sops"]["age"][0]["enc"].as_str().unwrap());
    use base64::Engine as _;
    assert_eq!(
        from_kms,
        base64::engine::general_purpose::STANDARD.encode(from_age)
    );
    // KMS alone opens it (no age key).
    let file = env.write("app.enc.json", &sealed);
    let opened = succeeded(
        cmd(&env, &moto)
            .args(["decrypt", "--output-type", "yaml"])
            .arg(&file)
            .output()
            .unwrap(),
    );
    assert_eq!(opened, SECRETS);
    // Another context does not open it: the context is part of the key.
    let tampered = env.write("t.enc.json", &sealed.replace("\"prod\"", "\"dev\""));
    let out = cmd(&env, &moto)
        .args(["decrypt", "--ignore-mac"])
        .arg(&tampered)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(128), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("encryption context"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn shamir_two_of_three_with_age_vault_and_kms() {
    let Some(moto) = Moto::start() else { return };
    let Some(mut bao) = OpenBao::start() else {
        return;
    };
    let arn = moto.kms_key("us-east-1");
    let uri = bao.transit_key("ops");
    let env = Env::new();
    let (key, public) = env.keygen("ops.txt");
    env.write(
        ".sops.yaml",
        &format!(
            "creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n      - age: [{public}]\n      - hc_vault: [{uri}]\n      - kms:\n          - arn: {arn}\n            context: {{team: platform}}\n"
        ),
    );
    let plain = env.write("s.yaml", SECRETS);
    let sealed = succeeded(
        cmd(&env, &moto)
            .env("VAULT_ADDR", &bao.address)
            .env("VAULT_TOKEN", &bao.token)
            .arg("encrypt")
            .arg(&plain)
            .output()
            .unwrap(),
    );
    assert!(
        sealed.contains("shamir_threshold: 2") && sealed.contains("team: platform"),
        "{sealed}"
    );
    let file = env.write("s.enc.yaml", &sealed);
    let (address, token) = (bao.address.clone(), bao.token.clone());
    let decrypt = |age: bool, vault: bool| {
        let mut c = cmd(&env, &moto);
        if age {
            c.env("SOPS_AGE_KEY_FILE", &key);
        }
        if vault {
            c.env("VAULT_ADDR", &address).env("VAULT_TOKEN", &token);
        }
        c.arg("decrypt").arg(&file).output().unwrap()
    };
    assert_eq!(succeeded(decrypt(false, true)), SECRETS, "Vault and KMS");
    assert_eq!(succeeded(decrypt(true, false)), SECRETS, "age and KMS");
    bao.stop();
    assert_eq!(
        succeeded(decrypt(true, true)),
        SECRETS,
        "age and KMS, Vault stopped"
    );
}

#[test]
fn rotate_adds_and_removes_a_kms_key() {
    let Some(moto) = Moto::start() else { return };
    let arn = moto.kms_key("us-east-1");
    let env = Env::new();
    let (key, public) = env.keygen("k.txt");
    let file = env.seal_text(&public, "r.yaml", SECRETS);
    let rotate = |args: &[&str]| {
        succeeded(
            cmd(&env, &moto)
                .env("SOPS_AGE_KEY_FILE", &key)
                .args(["rotate", "-i"])
                .args(args)
                .arg(&file)
                .output()
                .unwrap(),
        )
    };
    rotate(&["--add-kms", &arn]);
    assert!(std::fs::read_to_string(&file).unwrap().contains(&arn));
    let opened = cmd(&env, &moto).arg("decrypt").arg(&file).output().unwrap();
    assert_eq!(succeeded(opened), SECRETS, "KMS alone opens it");
    rotate(&["--rm-kms", &arn]);
    assert!(!std::fs::read_to_string(&file).unwrap().contains("kms"));
}

#[test]
fn a_profile_that_assumes_a_role_through_sts() {
    let Some(moto) = Moto::start() else { return };
    let arn = moto.kms_key("us-east-1");
    let env = Env::new();
    env.write(
        ".aws/credentials",
        "[base]\naws_access_key_id = base-id\naws_secret_access_key = base-secret\n",
    );
    env.write(
        ".aws/config",
        "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/sops\nsource_profile = base\nregion = us-east-1\n",
    );
    let plain = env.write("p.yaml", SECRETS);
    let run = |args: &[&str], file: &Path| {
        env.cmd()
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .args(args)
            .arg(file)
            .output()
            .unwrap()
    };
    let sealed = succeeded(run(
        &["encrypt", "--kms", &arn, "--aws-profile", "ops"],
        &plain,
    ));
    assert!(sealed.contains("aws_profile: ops"), "{sealed}");
    let file = env.write("p.enc.yaml", &sealed);
    assert_eq!(succeeded(run(&["decrypt"], &file)), SECRETS);
    // The profile is the file's: without its files there are no credentials, and it says so.
    std::fs::remove_file(env.path(".aws/config")).unwrap();
    let out = run(&["decrypt"], &file);
    assert_eq!(out.status.code(), Some(128));
    assert!(stderr(&out).contains("profile \"ops\""), "{}", stderr(&out));
}

#[test]
fn an_unknown_key_and_a_stopped_server_say_so_and_change_nothing() {
    let Some(mut moto) = Moto::start() else {
        return;
    };
    let arn = moto.kms_key("us-east-1");
    let env = Env::new();
    let plain = env.write("e.yaml", SECRETS);
    let unknown = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000";
    let out = cmd(&env, &moto)
        .args(["encrypt", "--kms", unknown])
        .arg(&plain)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains(unknown), "{}", stderr(&out));
    let sealed = succeeded(
        cmd(&env, &moto)
            .args(["encrypt", "--kms", &arn])
            .arg(&plain)
            .output()
            .unwrap(),
    );
    let file = env.write("e.enc.yaml", &sealed);
    moto.stop();
    let started = std::time::Instant::now();
    let out = cmd(&env, &moto)
        .args(["set"])
        .arg(&file)
        .args(["[\"db_password\"]", "\"x\""])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(128), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot be reached"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), sealed, "unchanged");
}
