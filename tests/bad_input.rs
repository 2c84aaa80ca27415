//! Bad input, as a hostile or an unlucky user gives it, across the four tools: each case asserts
//! the exit code, that the message names the file (and the line where there is one) and says
//! what to do, and that nothing changed on disk (the whole repository copy and HOME, byte for
//! byte). Every case runs the real binary on a copy of the bundled layout.

mod support;
use support::{bin, cmd, platform_copy, repo_root, text, tree};

const DEMO_RECIPIENT: &str = "age1v7z65ade8ju0kgd5tdzrsv67x8zqdgh0ejn4tz23s8kydmxnqfzs2z70pm";
/// A valid age identity that opens none of the bundled files, made afresh (a key in the
/// repository is what the secrets hook refuses).
fn other_key() -> String {
    let out = std::process::Command::new(bin("secret-seal"))
        .arg("keygen")
        .output()
        .unwrap();
    assert!(out.status.success());
    text(&out.stdout)
}
const SEALED: &str = "stacks/teams/team-a/env/dev.secrets.tfvars.json";
const TEAM_KUBECONFIG: &str = "stacks/platform/vcluster/vcluster-team-a.kubeconfig";

struct Case {
    name: &'static str,
    tool: &'static str,
    args: Vec<String>,
    files: Vec<(String, Vec<u8>)>,
    env: Vec<(&'static str, String)>,
    code: i32,
    says: Vec<&'static str>,
}

fn case(
    name: &'static str,
    tool: &'static str,
    args: &[&str],
    code: i32,
    says: &[&'static str],
) -> Case {
    Case {
        name,
        tool,
        args: args
            .iter()
            .map(|a| a.replace("{pub}", DEMO_RECIPIENT))
            .collect(),
        files: Vec::new(),
        env: Vec::new(),
        code,
        says: says.to_vec(),
    }
}

impl Case {
    fn file(mut self, rel: &str, content: impl Into<Vec<u8>>) -> Self {
        self.files.push((rel.to_string(), content.into()));
        self
    }

    fn env(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.env.push((name, value.into()));
        self
    }
}

fn bundled(rel: &str) -> String {
    std::fs::read_to_string(repo_root().join(rel)).unwrap()
}

/// A kubeconfig for team-a's vcluster, as the vcluster stack's apply writes it.
fn team_kubeconfig() -> String {
    "apiVersion: v1\nkind: Config\nclusters:\n- name: vcluster-team-a\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: vcluster-team-a\n  context:\n    cluster: vcluster-team-a\n    user: vcluster-team-a\ncurrent-context: vcluster-team-a\nusers:\n- name: vcluster-team-a\n  user:\n    token: t\n".into()
}

fn secret_seal_cases() -> Vec<Case> {
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

fn tofu_envs_cases() -> Vec<Case> {
    let dev = "stacks/teams/team-a/env/dev.tfvars";
    let vars = bundled("stacks/teams/team-a/variables.tf");
    vec![
        case(
            "a var file that does not parse",
            "tofu-envs",
            &["check"],
            1,
            &["team-a/env/dev.tfvars:1:18", "Invalid expression"],
        )
        .file(dev, "nginx_replicas = \n"),
        case(
            "a string for a number",
            "tofu-envs",
            &["check"],
            1,
            &[
                "team-a/env/dev.tfvars:1:18",
                "a number is required",
                "variables.tf:",
            ],
        )
        .file(dev, "nginx_replicas = \"three\"\n"),
        case(
            "a value for no variable",
            "tofu-envs",
            &["check"],
            1,
            &["team-a/env/dev.tfvars:1:1", "declare it in"],
        )
        .file(dev, "no_such_var = 1\n"),
        case(
            "a value given twice",
            "tofu-envs",
            &["check"],
            1,
            &["team-a/env/dev.tfvars:2:1", "Attribute redefined"],
        )
        .file(dev, "nginx_replicas = 1\nnginx_replicas = 2\n"),
        case(
            "variables.tf that does not parse",
            "tofu-envs",
            &["check"],
            1,
            &[
                "team-a/variables.tf:",
                "Unclosed configuration block",
                "fix the syntax",
            ],
        )
        .file(
            "stacks/teams/team-a/variables.tf",
            format!("{vars}variable \"x\" {{\n"),
        ),
        case(
            "a team list that does not parse",
            "tofu-envs",
            &["check"],
            1,
            &["stacks/teams.tfvars", "does not parse"],
        )
        .file("stacks/teams.tfvars", "teams = {\n"),
        case(
            "a var file that is not UTF-8",
            "tofu-envs",
            &["check"],
            1,
            &["team-a/env/dev.tfvars", "UTF-8"],
        )
        .file(dev, b"nginx_replicas = \xff\n".to_vec()),
        case(
            "new with a bad name",
            "tofu-envs",
            &["new", "Bad_Env"],
            2,
            &["Bad_Env", "lowercase letters"],
        ),
        case(
            "new of an existing environment",
            "tofu-envs",
            &["new", "dev"],
            2,
            &["\"dev\" already exists", "pick another name"],
        ),
        case(
            "new with a bad --ttl",
            "tofu-envs",
            &["new", "demo-x", "--ttl", "3parsecs"],
            2,
            &["3parsecs"],
        ),
        case(
            "run in an unknown environment",
            "tofu-envs",
            &["run", "nope", "stacks/teams/team-a", "--", "plan"],
            2,
            &["no environment \"nope\"", "tofu-envs new nope"],
        ),
        case(
            "run in an unknown stack",
            "tofu-envs",
            &["run", "dev", "stacks/nope", "--", "plan"],
            2,
            &["stacks/nope", "stacks are"],
        ),
        case(
            "vars of an unknown stack",
            "tofu-envs",
            &["vars", "dev", "stacks/nope"],
            2,
            &["stacks/nope", "stacks are"],
        ),
        case(
            "fmt of a missing file",
            "tofu-envs",
            &["fmt", "work/none.tf"],
            2,
            &["work/none.tf", "No such file"],
        ),
        case(
            "fmt of a file tofu rejects",
            "tofu-envs",
            &["fmt", "work/bad.tf"],
            2,
            &["work/bad.tf:1:", "Invalid expression"],
        )
        .file("work/bad.tf", "a = \n"),
        case(
            "fmt -check of a file tofu rejects",
            "tofu-envs",
            &["fmt", "-check", "work/bad.tf"],
            2,
            &["work/bad.tf:1:"],
        )
        .file("work/bad.tf", "a = \"\\q\"\n"),
        case(
            "fmt with a flag tofu lacks",
            "tofu-envs",
            &["fmt", "-bogus"],
            2,
            &["-bogus", "not defined", "Usage"],
        ),
        case(
            "fmt of a file tofu would corrupt",
            "tofu-envs",
            &["fmt", "work/l.tf"],
            2,
            &["work/l.tf:1:7", "[(true)]", "left as it is"],
        )
        .file("work/l.tf", "a = c[true]\n"),
        case(
            "fmt of a hard-linked file",
            "tofu-envs",
            &["fmt", "work/h.tf"],
            2,
            &["work/h.tf", "hard links", "--force"],
        )
        .file("work/h.tf", "a=1\n"),
        case(
            "fmt of a file nested 600 deep",
            "tofu-envs",
            &["fmt", "work/deep.tf"],
            2,
            &["work/deep.tf:1:", "deep"],
        )
        .file(
            "work/deep.tf",
            format!("a = {}{}\n", "[".repeat(600), "]".repeat(600)),
        ),
        case(
            "team add with a bad name",
            "tofu-envs",
            &["team", "add", "Team_X"],
            2,
            &["Team_X", "DNS label"],
        ),
        case(
            "team add of an existing team",
            "tofu-envs",
            &["team", "add", "team-a"],
            2,
            &["team-a", "already exists", "team rm team-a"],
        ),
        case(
            "team rm of an unknown team",
            "tofu-envs",
            &["team", "rm", "team-zz"],
            2,
            &["team-zz", "teams are team-a, team-b"],
        ),
        case(
            "import of a string into a number",
            "tofu-envs",
            &["import", "dev", "stacks/teams/team-a"],
            2,
            &[
                "TF_VAR_nginx_replicas",
                "a number is required",
                "nothing was imported",
            ],
        )
        .env("TF_VAR_nginx_replicas", "three"),
        case(
            "list with an unknown output",
            "tofu-envs",
            &["list", "-o", "xml"],
            2,
            &["xml", "possible values"],
        ),
        case(
            "a --root without stacks",
            "tofu-envs",
            &["--root", "work", "list"],
            2,
            &["work", "stacks"],
        )
        .file("work/readme", "x"),
    ]
}

fn kubectl_vteam_cases() -> Vec<Case> {
    let kc = "home/.kube/config";
    let ok = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\ncurrent-context: mine\n";
    let k = |c: Case| c.file(TEAM_KUBECONFIG, team_kubeconfig());
    vec![
        k(case(
            "use of an unknown team",
            "kubectl-vteam",
            &["use", "team-zz"],
            2,
            &["team-zz", "teams: team-a, team-b"],
        )
        .file(kc, ok)),
        k(case(
            "use with contexts that is not a list",
            "kubectl-vteam",
            &["use", "team-a"],
            2,
            &[".kube/config:4", "contexts"],
        )
        .file(
            kc,
            "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: 5\nusers: []\n",
        )),
        k(case(
            "use with current-context twice",
            "kubectl-vteam",
            &["use", "team-a"],
            2,
            &[".kube/config:7", "current-context", "remove the other"],
        )
        .file(kc, format!("{ok}current-context: other\n"))),
        k(case(
            "use with a context that is not a map",
            "kubectl-vteam",
            &["use", "team-a"],
            2,
            &[".kube/config:5", "not a mapping"],
        )
        .file(
            kc,
            "apiVersion: v1\nkind: Config\ncontexts:\n- name: a\n- 7\n",
        )),
        k(case(
            "use with a flow-style list",
            "kubectl-vteam",
            &["use", "team-a"],
            2,
            &[".kube/config:3", "flow-style"],
        )
        .file(kc, "apiVersion: v1\nkind: Config\nclusters: [\n")),
        k(case(
            "use with a JSON kubeconfig",
            "kubectl-vteam",
            &["use", "team-a"],
            2,
            &[".kube/config:1", "JSON", "kubectl config view --raw"],
        )
        .file(kc, "{\"apiVersion\":\"v1\",\"kind\":\"Config\"}")),
        k(case(
            "use with two YAML documents",
            "kubectl-vteam",
            &["use", "team-a"],
            2,
            &[".kube/config:2", "more than one YAML document"],
        )
        .file(kc, "kind: Config\n---\nkind: Config\n")),
        // Found by fuzzing (kubeconfig_edit): a control character kubectl cannot load.
        k(case(
            "use with a control character",
            "kubectl-vteam",
            &["use", "team-a"],
            2,
            &[".kube/config:2", "control character"],
        )
        .file(kc, "kind: Config\ncurrent-context: \"a\"\u{0}\n")),
        k(case(
            "use with text after a quoted value",
            "kubectl-vteam",
            &["use", "team-a"],
            2,
            &[".kube/config:2", "text after the value"],
        )
        .file(kc, "kind: Config\ncurrent-context: \"a\" b\n")),
        k(case(
            "use - with nothing before",
            "kubectl-vteam",
            &["use", "-"],
            2,
            &[".kube/config", "`use -` works after a `use`"],
        )
        .file(kc, ok)),
        k(case(
            "use of a team without a kubeconfig",
            "kubectl-vteam",
            &["use", "team-b"],
            2,
            &["team-b", "apply stacks/platform/vcluster"],
        )
        .file(kc, ok)),
        case(
            "current without a kubeconfig",
            "kubectl-vteam",
            &["current"],
            2,
            &[".kube/config"],
        ),
        case(
            "a bad --request-timeout",
            "kubectl-vteam",
            &["--request-timeout", "5parsecs", "list"],
            2,
            &["5parsecs"],
        ),
        k(case(
            "use with a hard-linked kubeconfig",
            "kubectl-vteam",
            &["use", "team-a"],
            2,
            &[".kube/config", "hard links", "--force"],
        )
        .file(kc, ok)),
    ]
}

fn hooks_cases() -> Vec<Case> {
    vec![
        case(
            "an unknown hook",
            "platform-hooks",
            &["no-such-hook"],
            2,
            &["no-such-hook"],
        ),
        case(
            "fix of a missing file",
            "platform-hooks",
            &["fix", "work/none.tf"],
            1,
            &["work/none.tf"],
        ),
        case(
            "fix of a file tofu rejects",
            "platform-hooks",
            &["fix", "work/bad.tf"],
            1,
            &["work/bad.tf:1:", "fix it by hand"],
        )
        .file("work/bad.tf", "a = \n"),
        case(
            "fix of a file tofu would corrupt",
            "platform-hooks",
            &["fix", "work/l.tf"],
            1,
            &["work/l.tf:1:7", "[(true)]"],
        )
        .file("work/l.tf", "a = c[true]\n"),
    ]
}

/// Hard links for the cases that test them: made after the files are written.
fn link_pairs(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "encrypt -i on a hard-linked file" => Some(("work/h.yaml", "work/h2.yaml")),
        "fmt of a hard-linked file" => Some(("work/h.tf", "work/h2.tf")),
        "use with a hard-linked kubeconfig" => Some(("home/.kube/config", "home/config.backup")),
        _ => None,
    }
}

fn run(case: &Case) -> Result<(), String> {
    let repo = platform_copy();
    let root = repo.path();
    let home = root.join("home");
    std::fs::create_dir_all(home.join(".kube")).unwrap();
    for (rel, content) in &case.files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    if let Some((a, b)) = link_pairs(case.name) {
        std::fs::hard_link(root.join(a), root.join(b)).unwrap();
    }
    // kubectl-vteam's lock beside the kubeconfig stays, by design (removing a flock file races
    // the next holder); it holds no data.
    let data = |t: std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>| {
        t.into_iter()
            .filter(|(p, _)| !p.to_string_lossy().ends_with(".vteam.lock"))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let before = data(tree(root));
    let mut c = cmd(bin(case.tool), root, &home);
    c.env("PLATFORM_ROOT", root)
        .env("XDG_RUNTIME_DIR", root.join("home"));
    for (k, v) in &case.env {
        c.env(k, v);
    }
    let out = c.args(&case.args).output().unwrap();
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    let mut wrong = Vec::new();
    if out.status.code() != Some(case.code) {
        wrong.push(format!("exit {:?}, want {}", out.status.code(), case.code));
    }
    for needle in &case.says {
        if !said.contains(needle) {
            wrong.push(format!("does not say {needle:?}"));
        }
    }
    let after = data(tree(root));
    if after != before {
        let changed: Vec<String> = after
            .keys()
            .chain(before.keys())
            .filter(|k| after.get(*k) != before.get(*k))
            .map(|k| k.display().to_string())
            .collect();
        wrong.push(format!("changed on disk: {changed:?}"));
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} ({} {}): {}\n    said: {}",
            case.name,
            case.tool,
            case.args.join(" "),
            wrong.join("; "),
            said.trim_end().replace('\n', "\n          ")
        ))
    }
}

#[test]
fn bad_input_is_refused_clearly_and_changes_nothing() {
    let cases: Vec<Case> = [
        secret_seal_cases(),
        tofu_envs_cases(),
        kubectl_vteam_cases(),
        hooks_cases(),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|c| run(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs were not handled as they should be:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
