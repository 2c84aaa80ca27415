//! tfvars as a format: tfvars -> sealed JSON -> tfvars gives the canonical text; non-literal
//! values are refused with file:line.

use crate::support::*;

const TFVARS: &str = "db_password=\"p@ss ${x}\"\nreplicas = 3\nratio  = 1.5\nzones = [\"a\", \"b\"]\nteams = { team-a = { node_port = 30443 }, \"x y\" = true }\nnote = <<EOT\nline1\nEOT\nnothing = null\n";

const CANONICAL: &str = "db_password = \"p@ss $${x}\"\nreplicas    = 3\nratio       = 1.5\nzones       = [\"a\", \"b\"]\nteams = {\n  team-a = {\n    node_port = 30443\n  }\n  \"x y\" = true\n}\nnote    = \"line1\\n\"\nnothing = null\n";

#[test]
fn tfvars_round_trip_through_sealed_json_gives_the_canonical_text() {
    let env = Env::new();
    let (key, public) = env.keygen("key.txt");
    let plain = env.write("prod.tfvars", &TFVARS.replace("${x}", "$${x}"));
    let sealed = env
        .cmd()
        .args([
            "encrypt",
            "--age",
            &public,
            "--input-type",
            "tfvars",
            "--output-type",
            "json",
        ])
        .arg(&plain)
        .output()
        .unwrap();
    assert!(sealed.status.success(), "{}", stderr(&sealed));
    let file = env.write("env/prod.secrets.tfvars.json", &stdout(&sealed));
    let back = env.decrypt_as(&key, &file, "tfvars");
    assert_eq!(stdout(&back), CANONICAL, "{}", stderr(&back));
    // The canonical text is a fixed point, and the sealed JSON decrypts to JSON terraform reads.
    let again = env.write("canonical.tfvars", CANONICAL);
    let resealed = env
        .cmd()
        .args([
            "encrypt",
            "--age",
            &public,
            "--input-type",
            "tfvars",
            "--output-type",
            "json",
        ])
        .arg(&again)
        .output()
        .unwrap();
    let file2 = env.write("env/again.secrets.tfvars.json", &stdout(&resealed));
    let back2 = env.decrypt_as(&key, &file2, "tfvars");
    assert_eq!(stdout(&back2), CANONICAL);
    let json = env
        .cmd()
        .env("SOPS_AGE_KEY_FILE", &key)
        .arg("decrypt")
        .arg(&file)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(v["teams"]["team-a"]["node_port"], 30443);
    assert_eq!(v["db_password"], "p@ss ${x}");
}

#[test]
fn non_literal_tfvars_are_refused_with_their_position() {
    let env = Env::new();
    let (_, public) = env.keygen("key.txt");
    for (text, needle) in [
        (
            "a = 1\nb = var.x\n",
            "line 2, column 5: Variables not allowed",
        ),
        (
            "a = upper(\"x\")\n",
            "line 1, column 5: Function calls not allowed",
        ),
        ("a = \"${x}\"\n", "line 1, column 6: Variables not allowed"),
    ] {
        let f = env.write("bad.tfvars", text);
        let out = env
            .cmd()
            .args([
                "encrypt",
                "--age",
                &public,
                "--input-type",
                "tfvars",
                "--output-type",
                "json",
            ])
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("bad.tfvars") && stderr(&out).contains(needle),
            "{}",
            stderr(&out)
        );
    }
    let f = env.write("ok.tfvars", "a = 1\n");
    let out = env
        .cmd()
        .args(["encrypt", "--age", &public, "--input-type", "tfvars"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("never tfvars") && stderr(&out).contains("ok.tfvars"),
        "sealed output must be JSON or YAML: {}",
        stderr(&out)
    );
}

/// Bob's `terraform.tfvars` mixes plain values and secrets. Sealed in place it would become an
/// envelope that tofu auto-loads and cannot parse: refused, the file untouched, and the error
/// says where the sealed JSON goes. Sealed there, it is read as tfvars by its extension.
#[test]
fn a_tfvars_file_is_never_sealed_in_place_and_is_read_as_tfvars() {
    let env = Env::new();
    let (key, public) = env.keygen("key.txt");
    let text = "region      = \"eu-west-1\"\ndb_password = \"hunter2-but-longer\"\n";
    let plain = env.write("terraform.tfvars", text);
    for args in [
        vec!["encrypt", "-i", "--age", &public],
        vec!["encrypt", "--age", &public, "--output", "other.auto.tfvars"],
    ] {
        let out = env.cmd().args(&args).arg(&plain).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("terraform.secrets.tfvars.json instead"),
            "{}",
            stderr(&out)
        );
        assert_eq!(std::fs::read_to_string(&plain).unwrap(), text);
        assert!(!env.path("other.auto.tfvars").exists());
    }
    let sealed = env.path("terraform.secrets.tfvars.json");
    let out = env
        .cmd()
        .args(["encrypt", "--age", &public, "--output"])
        .arg(&sealed)
        .arg(&plain)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let back = env.decrypt(&key, &sealed);
    assert_eq!(
        stdout(&back),
        "{\n\t\"region\": \"eu-west-1\",\n\t\"db_password\": \"hunter2-but-longer\"\n}\n",
        "{}",
        stderr(&back)
    );
}
