//! Bad input for tofu-envs: each case says the exit code and what the message must name.

use super::*;

pub(crate) fn cases() -> Vec<Case> {
    let dev = "stacks/teams/team-a/env/dev.tfvars";
    let vars = bundled("stacks/teams/team-a/variables.tf");
    vec![
        case(
            "a new environment named like the sealed files",
            "tofu-envs",
            &["new", "secrets"],
            2,
            &["\"secrets\"", "taken for a sealed file"],
        ),
        case(
            "import --file of a file that is not there",
            "tofu-envs",
            &[
                "import",
                "dev",
                "teams/team-a",
                "--file",
                "work/none.tfvars",
            ],
            1,
            &["work/none.tfvars", "No such file"],
        ),
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
