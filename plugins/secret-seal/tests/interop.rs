//! Independent implementations read what we write: the npm package sops-age, and the age CLI.

use std::path::PathBuf;
use std::process::Command as StdCommand;

use crate::support::*;

fn sops_age_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop");
    (has("node") && dir.join("node_modules/sops-age").is_dir()).then_some(dir)
}

#[test]
fn sops_age_decrypts_our_yaml_json_and_dotenv() {
    let Some(dir) = sops_age_dir() else {
        test_peers::skip("node or sops-age is missing (npm ci --prefix plugins/secret-seal/tests/interop; scripts/test does)");
        return;
    };
    let env = Env::new();
    let (key, public) = env.keygen("key.txt");
    let docs = [
        ("a.yaml", "# comment\ndb:\n    password: hunter2 # inline\n    port: 5432\n    ratio: 1.5\n    on: true\nlist:\n    - a\n    - b\n", r#"{"db":{"password":"hunter2","port":5432,"ratio":1.5,"on":true},"list":["a","b"]}"#),
        ("b.json", "{\"a\": {\"b\": [1, 2.5, \"x\"]}, \"e\": \"\", \"n\": null}", r#"{"a":{"b":[1,2.5,"x"]},"e":"","n":null}"#),
        ("c.env", "A=1\nB=two words\nC=line1\\nline2\n", r#"{"A":"1","B":"two words","C":"line1\nline2"}"#),
    ];
    for (name, text, want) in docs {
        let plain = env.write(&format!("plain/{name}"), text);
        let out = env.encrypt(&public, &plain);
        assert!(out.status.success(), "{}", stderr(&out));
        let enc = env.write(name, &stdout(&out));
        let node = StdCommand::new("node")
            .arg(dir.join("decrypt.mjs"))
            .arg(&key)
            .arg(&enc)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            node.status.success(),
            "sops-age failed on {name}: {}",
            stderr(&node)
        );
        assert_eq!(stdout(&node).trim(), want, "{name}");
    }
}

#[test]
fn age_cli_reads_our_wrapped_keys_and_its_identities_open_our_files() {
    if !has("age") || !has("age-keygen") {
        test_peers::skip("the age CLI is not installed (apt-get install age; scripts/test does)");
        return;
    }
    let env = Env::new();
    let key = env.path("age-keygen.txt");
    let status = StdCommand::new("age-keygen")
        .arg("-o")
        .arg(&key)
        .output()
        .unwrap();
    assert!(status.status.success());
    let public = String::from_utf8_lossy(
        &StdCommand::new("age-keygen")
            .arg("-y")
            .arg(&key)
            .output()
            .unwrap()
            .stdout,
    )
    .trim()
    .to_string();
    let plain = env.write("s.json", "{\"password\": \"p\"}");
    let out = env.encrypt(&public, &plain);
    let enc = env.write("s.enc.json", &stdout(&out));
    let back = env.decrypt(&key, &enc);
    assert_eq!(
        stdout(&back),
        "{\n\t\"password\": \"p\"\n}\n",
        "{}",
        stderr(&back)
    );

    // The `enc` of the recipient entry is a standard armored age file holding the data key.
    let text = stdout(&out);
    let start = text.find("-----BEGIN AGE ENCRYPTED FILE-----").unwrap();
    let end = text.find("-----END AGE ENCRYPTED FILE-----").unwrap() + 32;
    let armored = text[start..end].replace("\\n", "\n") + "\n";
    let wrapped = env.write("datakey.age", &armored);
    let data_key = StdCommand::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&key)
        .arg(&wrapped)
        .output()
        .unwrap();
    assert!(data_key.status.success(), "{}", stderr(&data_key));
    assert_eq!(data_key.stdout.len(), 32, "the data key is 32 bytes");
}
