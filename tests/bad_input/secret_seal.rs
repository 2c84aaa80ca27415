//! Bad input for secret-seal: each case says the exit code and what the message must name.

use super::*;

pub(crate) fn cases() -> Vec<Case> {
    let deep_yaml = format!("a: {}{}\n", "[".repeat(600), "]".repeat(600));
    let deep_json = format!("{{\"a\": {}{}}}", "[".repeat(600), "]".repeat(600));
    let sealed = bundled(SEALED);
    let lastmodified = sealed.replace("2026-11-22T01:15:21Z", "2026-11-22T01:15:22Z");
    let no_enc = {
        let start = sealed.find("\"enc\"").unwrap();
        let end = start + sealed[start..].find("\n").unwrap() + 1;
        format!("{}{}", &sealed[..start], &sealed[end..])
    };
    let no_mac = sealed.replace(
        &sealed[sealed.find("\"mac\": \"").unwrap()..sealed.find("\"version\"").unwrap()],
        "\"mac\": \"\",\n\t\t",
    );
    let value_tampered = sealed.replace("data:mYLQa7SV", "data:mYLQa7SW");
    vec![
        case(
            "decrypt a missing file",
            "secret-seal",
            &["decrypt", "work/none.yaml"],
            2,
            &["work/none.yaml", "No such file"],
        ),
        case(
            "decrypt an empty file",
            "secret-seal",
            &["decrypt", "work/empty.yaml"],
            92,
            &["work/empty.yaml", "empty"],
        )
        .file("work/empty.yaml", ""),
        case(
            "decrypt a plain file",
            "secret-seal",
            &["decrypt", "work/plain.yaml"],
            1,
            &["work/plain.yaml", "not encrypted", "`sops` metadata"],
        )
        .file("work/plain.yaml", "a: 1\n"),
        case(
            "decrypt with a key that opens nothing",
            "secret-seal",
            &["decrypt", SEALED],
            128,
            &[SEALED, "none of the file's master keys", "No matching keys"],
        )
        .file("work/other.txt", other_key())
        .env("SOPS_AGE_KEY_FILE", "work/other.txt"),
        case(
            "a key file that is not a key",
            "secret-seal",
            &["decrypt", SEALED],
            128,
            &["work/bad-key.txt line 1", "AGE-SECRET-KEY-1"],
        )
        .file("work/bad-key.txt", "garbage\n")
        .env("SOPS_AGE_KEY_FILE", "work/bad-key.txt"),
        case(
            "a key file that does not exist",
            "secret-seal",
            &["decrypt", SEALED],
            128,
            &["work/missing-key.txt"],
        )
        .env("SOPS_AGE_KEY_FILE", "work/missing-key.txt"),
        case(
            "lastmodified changed",
            "secret-seal",
            &["decrypt", "work/s.json"],
            24,
            &["work/s.json", "MAC or lastmodified was changed"],
        )
        .file("work/s.json", lastmodified),
        case(
            "a value's ciphertext changed",
            "secret-seal",
            &["decrypt", "work/s.json"],
            25,
            &["work/s.json", "postgres_password"],
        )
        .file("work/s.json", value_tampered),
        case(
            "an age stanza without enc",
            "secret-seal",
            &["decrypt", "work/s.json"],
            128,
            &[
                "work/s.json",
                "has no `enc`",
                "restore it from version control",
            ],
        )
        .file("work/s.json", no_enc),
        case(
            "an empty MAC",
            "secret-seal",
            &["decrypt", "work/s.json"],
            52,
            &["work/s.json", "--ignore-mac"],
        )
        .file("work/s.json", no_mac),
        case(
            "JSON with a second document",
            "secret-seal",
            &["encrypt", "--age", "{pub}", "work/t.json"],
            2,
            &["work/t.json", "line 1, column 9", "merge the rest"],
        )
        .file("work/t.json", "{\"a\":1} {\"b\":2}"),
        case(
            "JSON with a key twice",
            "secret-seal",
            &["encrypt", "--age", "{pub}", "work/d.json"],
            2,
            &["work/d.json", "line 1, column 8", "given twice"],
        )
        .file("work/d.json", "{\"a\":1,\"a\":2}"),
        case(
            "YAML with a key twice",
            "secret-seal",
            &["encrypt", "--age", "{pub}", "work/d.yaml"],
            2,
            &["work/d.yaml", "line 2", "already defined"],
        )
        .file("work/d.yaml", "a: 1\na: 2\n"),
        case(
            "YAML nested 600 deep",
            "secret-seal",
            &["encrypt", "--age", "{pub}", "work/deep.yaml"],
            2,
            &["work/deep.yaml", "line 1", "500 levels"],
        )
        .file("work/deep.yaml", deep_yaml),
        case(
            "JSON nested 600 deep",
            "secret-seal",
            &["encrypt", "--age", "{pub}", "work/deep.json"],
            2,
            &["work/deep.json", "line 1", "500 levels"],
        )
        .file("work/deep.json", deep_json),
        case(
            "YAML syntax",
            "secret-seal",
            &["encrypt", "--age", "{pub}", "work/s.yaml"],
            2,
            &["work/s.yaml", "line 2", "expected ',' or ']'"],
        )
        .file("work/s.yaml", "a: [1, 2\n"),
        case(
            "YAML not UTF-8",
            "secret-seal",
            &["encrypt", "--age", "{pub}", "work/b.yaml"],
            2,
            &["work/b.yaml", "not valid UTF-8"],
        )
        .file("work/b.yaml", b"\xff\xfe: 1\n".to_vec()),
        case(
            "a dotenv line without =",
            "secret-seal",
            &["encrypt", "--age", "{pub}", "work/x.env"],
            2,
            &["work/x.env", "line 1", "expected KEY=value"],
        )
        .file("work/x.env", "novalue\n"),
        case(
            "an INI section never closed",
            "secret-seal",
            &["encrypt", "--age", "{pub}", "work/x.ini"],
            2,
            &["work/x.ini", "line 2", "expected ']'"],
        )
        .file("work/x.ini", "a = 1\n[x\n"),
        case(
            "tfvars without a value",
            "secret-seal",
            &["encrypt", "--age", "{pub}", "work/x.tfvars"],
            2,
            &[
                "work/x.tfvars",
                "line 1",
                "Expected the start of an expression",
            ],
        )
        .file("work/x.tfvars", "a = \n"),
        case(
            "no rule and no --age",
            "secret-seal",
            &["encrypt", "work/p.yaml"],
            111,
            &["work/p.yaml", "pass --age"],
        )
        .file("work/p.yaml", "a: 1\n"),
        case(
            "a .sops.yaml that is not YAML",
            "secret-seal",
            &["encrypt", "work/r/p.yaml"],
            61,
            &["work/r/.sops.yaml", "line 2"],
        )
        .file("work/r/.sops.yaml", "creation_rules: [\n")
        .file("work/r/p.yaml", "a: 1\n"),
        case(
            "a .sops.yaml with a bad regex",
            "secret-seal",
            &["encrypt", "work/r/p.yaml"],
            61,
            &["work/r/.sops.yaml", "path_regex"],
        )
        .file(
            "work/r/.sops.yaml",
            format!("creation_rules:\n  - path_regex: '[x'\n    age: {DEMO_RECIPIENT}\n"),
        )
        .file("work/r/p.yaml", "a: 1\n"),
        case(
            "a .sops.yaml with a bad recipient",
            "secret-seal",
            &["encrypt", "work/r/p.yaml"],
            61,
            &["work/r/.sops.yaml", "age1bogus", "age-keygen -y"],
        )
        .file("work/r/.sops.yaml", "creation_rules:\n  - age: age1bogus\n")
        .file("work/r/p.yaml", "a: 1\n"),
        case(
            "a .sops.yaml whose rules are not a list",
            "secret-seal",
            &["encrypt", "work/r/p.yaml"],
            61,
            &["work/r/.sops.yaml", "creation_rules"],
        )
        .file("work/r/.sops.yaml", "creation_rules: 5\n")
        .file("work/r/p.yaml", "a: 1\n"),
        case(
            "encrypt -i on a sealed file",
            "secret-seal",
            &["encrypt", "-i", SEALED],
            203,
            &[SEALED, "decrypt it first"],
        ),
        case(
            "encrypt -i on a .tfvars",
            "secret-seal",
            &["encrypt", "-i", "--age", "{pub}", "work/x.tfvars"],
            2,
            &["work/x.tfvars", "work/x.secrets.tfvars.json"],
        )
        .file("work/x.tfvars", "a = 1\n"),
        case(
            "an unknown --input-type",
            "secret-seal",
            &[
                "encrypt",
                "--age",
                "{pub}",
                "--input-type",
                "toml",
                "work/p.yaml",
            ],
            2,
            &["toml", "possible values"],
        )
        .file("work/p.yaml", "a: 1\n"),
        case(
            "set with a value that is not JSON",
            "secret-seal",
            &["set", SEALED, "[\"a\"]", "not json"],
            2,
            &["not valid JSON", "quote strings"],
        ),
        case(
            "set with a broken path",
            "secret-seal",
            &["set", SEALED, "[\"a\"", "1"],
            91,
            &["expected ']'", "[\"key\"][0]"],
        ),
        case(
            "unset of a missing key",
            "secret-seal",
            &["unset", SEALED, "[\"zz\"]"],
            91,
            &[SEALED, "--idempotent"],
        ),
        case(
            "--extract of a missing key",
            "secret-seal",
            &["decrypt", "--extract", "[\"zz\"]", SEALED],
            91,
            &[SEALED, "no such key"],
        ),
        case(
            "rotate of a missing file",
            "secret-seal",
            &["rotate", "-i", "work/none.yaml"],
            2,
            &["work/none.yaml", "No such file"],
        ),
        case(
            "keygen over an existing file",
            "secret-seal",
            &["keygen", "-o", "work/k.txt"],
            2,
            &["work/k.txt", "exists"],
        )
        .file("work/k.txt", other_key()),
        case(
            "an editor that fails",
            "secret-seal",
            &["edit", SEALED],
            2,
            &[SEALED, "exited with 1", "nothing was changed"],
        )
        .env("EDITOR", "false"),
        case(
            "encrypt -i on a hard-linked file",
            "secret-seal",
            &["encrypt", "-i", "--age", "{pub}", "work/h.yaml"],
            3,
            &["work/h.yaml", "hard links", "--force"],
        )
        .file("work/h.yaml", "a: 1\n"),
        // Found by fuzzing (sops_stores): nothing but comments was sealed into an empty file.
        case(
            "a var file of comments only",
            "secret-seal",
            &["encrypt", "--age", "{pub}", "work/c.tfvars"],
            92,
            &["work/c.tfvars", "empty"],
        )
        .file("work/c.tfvars", "# nothing yet\n"),
        case(
            "an INI file of comments only",
            "secret-seal",
            &["encrypt", "--age", "{pub}", "work/c.ini"],
            92,
            &["work/c.ini", "empty"],
        )
        .file("work/c.ini", "; nothing yet\n"),
    ]
}
