//! The everyday workflows: change one value, rotate, add or remove a colleague, reseal.

use crate::support::*;

fn lines_changed(a: &str, b: &str) -> Vec<String> {
    a.lines()
        .zip(b.lines())
        .filter(|(x, y)| x != y)
        .map(|(x, _)| x.split(':').next().unwrap_or("").trim().to_string())
        .collect()
}

#[test]
fn set_changes_only_its_own_line_and_the_mac() {
    let env = Env::new();
    let (key, public) = env.keygen("key.txt");
    let file = env.seal_text(
        &public,
        "s.yaml",
        "db:\n    user: app\n    password: old-password-123\napi:\n    token: t0k\n",
    );
    let before = std::fs::read_to_string(&file).unwrap();
    env.cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .args(["set"])
        .arg(&file)
        .args([r#"["db"]["password"]"#, r#""new-password-456""#])
        .assert()
        .success();
    let after = std::fs::read_to_string(&file).unwrap();
    let changed = lines_changed(&before, &after);
    assert!(
        changed
            .iter()
            .all(|k| ["password", "mac", "lastmodified"].contains(&k.as_str())),
        "{changed:?}"
    );
    assert!(changed.contains(&"password".to_string()) && changed.contains(&"mac".to_string()));
    assert_eq!(
        stdout(&env.decrypt(&key, &file)),
        "db:\n    user: app\n    password: new-password-456\napi:\n    token: t0k\n"
    );

    // New keys are created; unset removes; --idempotent writes nothing when nothing changes.
    env.cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .args(["set"])
        .arg(&file)
        .args([r#"["extra"]["list"]"#, "[1, true]"])
        .assert()
        .success();
    env.cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .args(["unset"])
        .arg(&file)
        .arg(r#"["api"]"#)
        .assert()
        .success();
    assert_eq!(stdout(&env.decrypt(&key, &file)), "db:\n    user: app\n    password: new-password-456\nextra:\n    list:\n        - 1\n        - true\n");
    let snapshot = std::fs::read(&file).unwrap();
    env.cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .args(["set", "--idempotent"])
        .arg(&file)
        .args([r#"["db"]["user"]"#, r#""app""#])
        .assert()
        .success();
    assert_eq!(std::fs::read(&file).unwrap(), snapshot);
    env.cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .args(["unset"])
        .arg(&file)
        .arg(r#"["nope"]"#)
        .assert()
        .code(91);
    env.cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .args(["unset", "--idempotent"])
        .arg(&file)
        .arg(r#"["nope"]"#)
        .assert()
        .success();
    env.cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .args(["set"])
        .arg(&file)
        .args([r#"["x"]"#, "not json"])
        .assert()
        .code(2);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        snapshot,
        "failed commands leave the file alone"
    );
}

#[test]
fn rotate_moves_access_from_a_removed_to_an_added_recipient() {
    let env = Env::new();
    let (alice, alice_pub) = env.keygen("alice.txt");
    let (bob, bob_pub) = env.keygen("bob.txt");
    let file = env.seal_text(&alice_pub, "s.json", "{\"password\": \"p\", \"n\": 3}");
    let before = stdout(&env.decrypt(&alice, &file));
    env.cmd()
        .env("SOPS_AGE_KEY_FILE", &alice)
        .args([
            "rotate",
            "-i",
            "--add-age",
            &bob_pub,
            "--rm-age",
            &alice_pub,
        ])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(
        stdout(&env.decrypt(&bob, &file)),
        before,
        "values unchanged, the added recipient can read"
    );
    assert_eq!(
        env.decrypt(&alice, &file).status.code(),
        Some(128),
        "the removed recipient cannot"
    );
    // Without a key, nothing is written.
    let snapshot = std::fs::read(&file).unwrap();
    let out = env
        .cmd()
        .env("SOPS_AGE_KEY_FILE", &alice)
        .args(["rotate", "-i"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(128));
    assert!(
        stderr(&out).contains("s.json") && stderr(&out).contains("cannot recover the data key"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&file).unwrap(), snapshot);
}

#[test]
fn updatekeys_and_reseal_follow_the_sops_yaml_rule() {
    let env = Env::new();
    let (alice, alice_pub) = env.keygen("alice.txt");
    let (bob, bob_pub) = env.keygen("bob.txt");
    env.write(
        "repo/.sops.yaml",
        &format!("creation_rules:\n  - age: {alice_pub}\n"),
    );
    let file = env.path("repo/s.yaml");
    env.write("repo/s.yaml", "token: abc\n");
    env.cmd()
        .args(["encrypt", "-i"])
        .arg(&file)
        .assert()
        .success();
    let values = stdout(&env.decrypt(&alice, &file));
    // The team adds bob: updatekeys keeps the data key (values and MAC unchanged) and asks first.
    env.write(
        "repo/.sops.yaml",
        &format!("creation_rules:\n  - age: {alice_pub},{bob_pub}\n"),
    );
    let mac = |t: &str| {
        t.lines()
            .find(|l| l.trim_start().starts_with("mac:"))
            .unwrap()
            .to_string()
    };
    let before = std::fs::read_to_string(&file).unwrap();
    let asked = env
        .cmd()
        .env("SOPS_AGE_KEY_FILE", &alice)
        .arg("updatekeys")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        asked.status.code(),
        Some(2),
        "no terminal to ask on and no -y"
    );
    assert!(
        stderr(&asked).contains(&format!("+ age {bob_pub}")),
        "{}",
        stderr(&asked)
    );
    env.cmd()
        .env("SOPS_AGE_KEY_FILE", &alice)
        .args(["updatekeys", "-y"])
        .arg(&file)
        .assert()
        .success();
    let after = std::fs::read_to_string(&file).unwrap();
    assert_eq!(mac(&before), mac(&after), "the data key and MAC are kept");
    assert_eq!(stdout(&env.decrypt(&bob, &file)), values);
    // alice leaves: reseal gives a new data key for the rule's recipients only.
    env.write(
        "repo/.sops.yaml",
        &format!("creation_rules:\n  - age: {bob_pub}\n"),
    );
    env.cmd()
        .env("SOPS_AGE_KEY_FILE", &bob)
        .arg("reseal")
        .arg(&file)
        .assert()
        .success();
    assert_eq!(stdout(&env.decrypt(&bob, &file)), values);
    assert_eq!(env.decrypt(&alice, &file).status.code(), Some(128));
    assert_ne!(
        mac(&after),
        mac(&std::fs::read_to_string(&file).unwrap()),
        "a new data key"
    );
}

#[test]
fn completions_load_in_bash_and_the_man_page_renders() {
    let env = Env::new();
    let script = env.path("completion.bash");
    let out = env.cmd().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    std::fs::write(&script, &out.stdout).unwrap();
    assert!(stdout(&out).contains("updatekeys") && stdout(&out).contains("exec-env"));
    let loaded = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p secret-seal",
            script.display()
        ))
        .output()
        .unwrap();
    assert!(loaded.status.success(), "{}", stderr(&loaded));
    assert!(stdout(&loaded).contains("secret-seal"));
    let man = env.cmd().arg("man").output().unwrap();
    assert!(
        stdout(&man).contains(".TH secret-seal 1")
            && stdout(&man).contains(r"SOPS\-compatible encryption")
    );
}
