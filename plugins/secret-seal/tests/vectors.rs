//! Files written by the real sops (PGP, gpg-unwrapped) and by an independent implementation (age)
//! must decrypt to exactly what sops prints.

use crate::support::*;

fn sops_file(name: &str) -> std::path::PathBuf {
    vectors().join("sops").join(name)
}

fn decrypt_sops(
    env: &Env,
    gnupg: &std::path::Path,
    args: &[&str],
    name: &str,
) -> std::process::Output {
    env.cmd()
        .env("GNUPGHOME", gnupg)
        .arg("decrypt")
        .args(args)
        .arg(sops_file(name))
        .output()
        .unwrap()
}

#[test]
fn real_sops_files_decrypt_to_what_sops_prints() {
    let env = Env::new();
    let gnupg = env.gnupg();
    for (name, expected) in [
        ("format.enc.yaml", "foo: bar\n"),
        ("format.enc.json", "{\n\t\"foo\": \"bar\"\n}\n"),
        ("format.enc.env", "foo = bar\n"),
        ("format.enc.ini", "[foo]\nbar = baz\n"),
        ("format-2.enc.ini", "[foo]\nbar = baz\n"),
    ] {
        let out = decrypt_sops(&env, &gnupg, &[], name);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert_eq!(stdout(&out), expected, "{name}");
    }
}

#[test]
fn example_files_verify_their_mac_and_keep_comments() {
    let env = Env::new();
    let gnupg = env.gnupg();
    for name in [
        "example.yaml",
        "example.json",
        "example.ini",
        "example.txt",
        "multiple_keys.yaml",
    ] {
        let out = decrypt_sops(&env, &gnupg, &[], name);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
    }
    let yaml = stdout(&decrypt_sops(&env, &gnupg, &[], "example.yaml"));
    assert!(
        yaml.contains("# private key for secret operations in app2"),
        "{yaml}"
    );
    let extracted = decrypt_sops(
        &env,
        &gnupg,
        &["--extract", r#"["an_array"][1]"#],
        "example.yaml",
    );
    assert_eq!(stdout(&extracted), "secretuser2");
    let key = decrypt_sops(
        &env,
        &gnupg,
        &["--extract", r#"["app2"]["key"]"#],
        "example.yaml",
    );
    assert!(stdout(&key).starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let json = stdout(&decrypt_sops(&env, &gnupg, &[], "example.json"));
    assert!(
        json.contains("\"age\": 25.4") && json.contains("\"anEmptyValue\": \"\""),
        "{json}"
    );
    let txt = stdout(&decrypt_sops(&env, &gnupg, &[], "example.txt"));
    assert!(txt.starts_with("Welcome to SOPS!"), "{txt}");
    let ini = stdout(&decrypt_sops(&env, &gnupg, &[], "example.ini"));
    assert!(
        ini.contains("firstName = John") && ini.contains("; An example file for use with sops!"),
        "{ini}"
    );
}

#[test]
fn comment_files_decrypt_with_their_comments() {
    let env = Env::new();
    let gnupg = env.gnupg();
    for name in ["comments.enc.yaml", "comments_unencrypted_comments.yaml"] {
        let out = decrypt_sops(&env, &gnupg, &[], name);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let text = stdout(&out);
        for want in [
            "lorem: ipsum",
            "dolor: sit",
            "first comment in file",
            "this-is-a-comment",
        ] {
            assert!(text.contains(want), "{name} lacks {want:?}:\n{text}");
        }
    }
}

#[test]
fn a_file_without_mac_is_refused_unless_asked() {
    let env = Env::new();
    let gnupg = env.gnupg();
    let out = decrypt_sops(&env, &gnupg, &[], "no_mac.yaml");
    assert_eq!(out.status.code(), Some(52), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no_mac.yaml") && stderr(&out).contains("no MAC"),
        "{}",
        stderr(&out)
    );
    let out = decrypt_sops(&env, &gnupg, &["--ignore-mac"], "no_mac.yaml");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn age_vectors_decrypt_byte_for_byte_and_reencrypt_to_the_same_tree() {
    let env = Env::new();
    let dir = vectors().join("sops-age");
    let key = dir.join("test-identity.txt");
    let public = std::fs::read_to_string(&key)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("# public key: ").map(str::to_string))
        .unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some((stem, ext)) = name.split_once(".enc.") else {
            continue;
        };
        seen += 1;
        let expected = std::fs::read(dir.join(format!("{stem}.dec.{ext}"))).unwrap();
        let out = env.decrypt(&key, &path);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert_eq!(stdout(&out), String::from_utf8_lossy(&expected), "{name}");

        let plain = dir.join(format!("{stem}.plain.{ext}"));
        let sealed = env.encrypt(&public, &plain);
        assert!(sealed.status.success(), "{name}: {}", stderr(&sealed));
        let copy = env.write(&format!("{stem}.enc.{ext}"), &stdout(&sealed));
        let back = env.decrypt(&key, &copy);
        assert_eq!(
            stdout(&back),
            String::from_utf8_lossy(&expected),
            "{name} after our own encryption"
        );
    }
    assert!(seen >= 16, "expected the 16 age vectors, found {seen}");
}
