//! Bad input for kubectl-vteam: each case says the exit code and what the message must name.

use super::*;

pub(crate) fn cases() -> Vec<Case> {
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
            "ns in a flow-style context list",
            "kubectl-vteam",
            &["ns", "web"],
            2,
            &[".kube/config:3", "flow-style"],
        )
        .file(kc, "apiVersion: v1\nkind: Config\ncontexts: [{name: a, context: {cluster: a}}]\ncurrent-context: a\n")),
        k(case(
            "use with a kubeconfig that is not YAML",
            "kubectl-vteam",
            &["use", "team-a"],
            2,
            &[".kube/config:3", "not valid YAML"],
        )
        .file(kc, "apiVersion: v1\nkind: Config\nclusters: [\n")),
        k(case(
            "use with a JSON kubeconfig that names a context twice",
            "kubectl-vteam",
            &["use", "team-a"],
            2,
            &[".kube/config", "`a` twice in `contexts`"],
        )
        .file(kc, "{\"apiVersion\":\"v1\",\"kind\":\"Config\",\"contexts\":[{\"name\":\"a\",\"context\":{}},{\"name\":\"a\",\"context\":{}}]}")),
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
