//! Bad input: a clear error naming the file (and the key path), sops's exit code, and the file on
//! disk unchanged.

use crate::support::*;

struct Case {
    env: Env,
    key: std::path::PathBuf,
    public: String,
}

fn setup() -> Case {
    let env = Env::new();
    let (key, public) = env.keygen("key.txt");
    Case { env, key, public }
}

impl Case {
    fn sealed(&self, name: &str, text: &str) -> std::path::PathBuf {
        self.env.seal_text(&self.public, name, text)
    }

    /// Runs `decrypt -i` (so a failure that wrote anything would show) and checks the result.
    fn decrypt_fails(
        &self,
        file: &std::path::Path,
        key: &std::path::Path,
        code: i32,
        needles: &[&str],
    ) {
        let before = std::fs::read(file).unwrap();
        let out = self
            .env
            .cmd()
            .env("SOPS_AGE_KEY_FILE", key)
            .args(["decrypt", "-i"])
            .arg(file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&file.file_name().unwrap().to_string_lossy().into_owned()),
            "error must name the file: {err}"
        );
        for n in needles {
            assert!(err.contains(n), "error lacks {n:?}: {err}");
        }
        assert_eq!(std::fs::read(file).unwrap(), before, "the file changed");
    }
}

#[test]
fn wrong_key_is_refused() {
    let c = setup();
    let file = c.sealed("s.yaml", "a: b\n");
    let (other, _) = c.env.keygen("other.txt");
    c.decrypt_fails(&file, &other, 128, &["data key", "age"]);
}

#[test]
fn tampered_value_names_its_key_path() {
    let c = setup();
    let file = c.sealed("s.yaml", "db:\n    password: hunter2\n");
    let text = std::fs::read_to_string(&file).unwrap();
    let start = text.find("data:").unwrap() + 5;
    let mut bytes = text.into_bytes();
    bytes[start] = if bytes[start] == b'A' { b'B' } else { b'A' };
    std::fs::write(&file, &bytes).unwrap();
    c.decrypt_fails(&file, &c.key, 25, &[r#"["db"]["password"]"#]);
}

#[test]
fn tampered_mac_and_moved_values_are_refused() {
    let c = setup();
    let file = c.sealed("s.json", "{\"a\": \"1\", \"b\": \"2\"}");
    let text = std::fs::read_to_string(&file).unwrap();
    // Swapping two keys' ciphertexts breaks their AAD; swapping plaintext order breaks the MAC.
    let mac_at = text.find("\"mac\": \"ENC[AES256_GCM,data:").unwrap() + 28;
    let mut bytes = text.clone().into_bytes();
    bytes[mac_at] = if bytes[mac_at] == b'A' { b'B' } else { b'A' };
    std::fs::write(&file, &bytes).unwrap();
    c.decrypt_fails(&file, &c.key, 24, &["sops.mac"]);

    let plain_mac = c.sealed("u.yaml", "a: 1\nb_unencrypted: 2\n");
    let text = std::fs::read_to_string(&plain_mac)
        .unwrap()
        .replace("b_unencrypted: 2", "b_unencrypted: 3");
    std::fs::write(&plain_mac, text).unwrap();
    c.decrypt_fails(&plain_mac, &c.key, 51, &["MAC mismatch"]);
}

#[test]
fn truncated_and_corrupt_values_are_refused() {
    let c = setup();
    let file = c.sealed("t.yaml", "token: abc\n");
    let text = std::fs::read_to_string(&file).unwrap();
    let line = line_starting(&text, "token:");
    std::fs::write(&file, text.replace(&line, &line[..30])).unwrap();
    c.decrypt_fails(&file, &c.key, 25, &["truncated", r#"["token"]"#]);

    let file = c.sealed("b.yaml", "token: abc\n");
    let text = std::fs::read_to_string(&file).unwrap();
    let line = line_starting(&text, "token:");
    std::fs::write(
        &file,
        text.replace(&line, &line.replacen("iv:", "iv:!!", 1)),
    )
    .unwrap();
    c.decrypt_fails(&file, &c.key, 25, &["base64"]);
}

fn encrypt_fails(env: &Env, args: &[&str], name: &str, text: &str, code: i32, needles: &[&str]) {
    let file = env.write(name, text);
    let out = env
        .cmd()
        .arg("encrypt")
        .args(args)
        .arg("-i")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(code), "{name}: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(name), "error must name the file: {err}");
    for n in needles {
        assert!(err.contains(n), "{name}: error lacks {n:?}: {err}");
    }
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        text,
        "{name} changed"
    );
}

#[test]
fn infinity_asked_for_as_json_is_refused_not_a_crash() {
    let c = setup();
    let sealed = c.sealed("inf.yaml", "a: .inf\nb: 1\n");
    let out = c.env.decrypt_as(&c.key, &sealed, "json");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("inf.yaml") && err.contains("JSON cannot hold the value inf at a"),
        "{err}"
    );
    // As YAML it reads back as written.
    let out = c.env.decrypt(&c.key, &sealed);
    assert_eq!(stdout(&out), "a: .inf\nb: 1\n");
}

#[test]
fn bad_plaintext_is_refused_and_left_alone() {
    let c = setup();
    let age = ["--age", c.public.as_str()];
    encrypt_fails(
        &c.env,
        &age,
        "dup.yaml",
        "a: 1\nb: 2\na: 3\n",
        2,
        &["line 3", "\"a\" already defined"],
    );
    encrypt_fails(
        &c.env,
        &age,
        "key.yaml",
        "1: one\n",
        2,
        &["line 1", "not a string"],
    );
    encrypt_fails(
        &c.env,
        &age,
        "big.yaml",
        "n: 18446744073709551615\n",
        2,
        &["64-bit"],
    );
    encrypt_fails(
        &c.env,
        &age,
        "bad.json",
        "{\"a\": }",
        2,
        &["JSON", "line 1"],
    );
    encrypt_fails(&c.env, &age, "empty.yaml", "\n", 92, &["empty"]);
    // yaml.v3 refuses both, so sops cannot read them; a flow collection at a key's place was
    // read as part of a plain key and sealed under a key nobody wrote (found by fuzzing).
    encrypt_fails(
        &c.env,
        &age,
        "flowkey.yaml",
        "a:\n[  ret:\n    b: 1\n",
        2,
        &["line 2, column 1", "flow collection"],
    );
    // Go's decoder refuses a number beyond float64; it was taken for infinity, which JSON
    // cannot write back, and the writer panicked (found by fuzzing).
    encrypt_fails(
        &c.env,
        &age,
        "huge.json",
        "{\"a\": 1e400}",
        2,
        &["line 1", "64-bit float", "quote it"],
    );
    // go-ini keeps the carriage returns of a multi-line value; read line by line they were
    // lost, so the value sealed was not the one written (found by fuzzing).
    encrypt_fails(
        &c.env,
        &age,
        "crlf.ini",
        "[a]\r\nk = \"\"\"x\r\ny\"\"\"\r\n",
        2,
        &["line 2", "dos2unix"],
    );
    // yaml.v3 refuses both: a control character in the stream, an anchor without a name (read
    // as one, `& ` chained keys whose comments moved on every write; found by fuzzing).
    encrypt_fails(
        &c.env,
        &age,
        "control.yaml",
        "a: \"x\"\nb: c\u{1}d\n",
        2,
        &["line 2, column 5", "U+0001", "\\u0001"],
    );
    encrypt_fails(
        &c.env,
        &age,
        "cr.yaml",
        "a: |-\r    x\n",
        2,
        &["line 1, column 6", "dos2unix"],
    );
    encrypt_fails(
        &c.env,
        &age,
        "anchor.yaml",
        "a: & x\n",
        2,
        &["line 1", "anchor needs a name"],
    );
    encrypt_fails(
        &c.env,
        &[
            "--age",
            c.public.as_str(),
            "--input-type",
            "tfvars",
            "--output-type",
            "json",
        ],
        "huge.vars",
        "v = -4E4777777\n",
        2,
        &["line 1, column 5", "64-bit float"],
    );
    encrypt_fails(
        &c.env,
        &age,
        "at.yaml",
        "a: @x\n",
        2,
        &["line 1, column 4", "quote the value"],
    );
    encrypt_fails(&c.env, &age, "bad.env", "A=1\nnot a pair\n", 2, &["line 2"]);
    let sealed = c.sealed("already.yaml", "a: b\n");
    let text = std::fs::read_to_string(&sealed).unwrap();
    encrypt_fails(
        &c.env,
        &age,
        "already2.yaml",
        &text,
        203,
        &["already encrypted"],
    );
}

#[test]
fn missing_recipients_and_rules_are_explained() {
    let c = setup();
    encrypt_fails(
        &c.env,
        &[],
        "norcpt.yaml",
        "a: b\n",
        111,
        &["--age", ".sops.yaml"],
    );
    c.env.write(".sops.yaml", "creation_rules:\n  - path_regex: ^only/this\\.yaml$\n    age: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n");
    encrypt_fails(
        &c.env,
        &[],
        "nomatch.yaml",
        "a: b\n",
        111,
        &["no matching creation rule", "nomatch.yaml"],
    );
}

#[test]
fn unreadable_and_malformed_key_files_are_named() {
    let c = setup();
    let file = c.sealed("k.yaml", "a: b\n");
    let missing = c.env.path("does-not-exist.txt");
    c.decrypt_fails(&file, &missing, 128, &["does-not-exist.txt", "cannot read"]);
    let bad = c.env.write("bad-keys.txt", "# my keys\n\nnot-a-key\n");
    c.decrypt_fails(
        &file,
        &bad,
        128,
        &["bad-keys.txt line 3", "unknown identity type"],
    );
}

/// A document nested far deeper than any secrets file is refused with its line and column, and
/// never overflows the stack; what `encrypt` accepts, `decrypt` reads back.
#[test]
fn deep_nesting_is_refused_not_a_crash() {
    let env = Env::new();
    let (key, public) = env.keygen("key.txt");
    for (name, open, close) in [("deep.json", "{\"a\": ", "}"), ("deep.yaml", "a: ", "")] {
        let text = format!(
            "{open}{}{}{close}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let file = env.write(name, &text);
        let out = env.encrypt(&public, &file);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("nested more than 500 levels deep")
                && stderr(&out).contains("line 1, column "),
            "{name}: {}",
            stderr(&out)
        );
    }
    let ok = env.write(
        "ok.json",
        &format!("{{\"a\": {}{}}}\n", "[".repeat(400), "]".repeat(400)),
    );
    let sealed = env.encrypt(&public, &ok);
    assert!(sealed.status.success(), "{}", stderr(&sealed));
    let sealed = env.write("ok.enc.json", &stdout(&sealed));
    let back = env.decrypt(&key, &sealed);
    assert!(back.status.success(), "{}", stderr(&back));
}
