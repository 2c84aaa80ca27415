//! The commands as a developer meets them: list, current, env, shell, exec, status, completion,
//! and kubectl itself dispatching to the plugin.

use std::path::PathBuf;

use crate::support::*;

/// team-a and team-b on a live API server; team-c's kubeconfig carries a token the server
/// refuses; team-d's server is a closed port.
fn desk() -> (Desk, ApiServer) {
    let (desk, pki, server) = Desk::with_live_teams(
        &["team-a", "team-b", "team-c", "team-d"],
        &["team-a", "team-b"],
    );
    server.accept_token("good-token");
    desk.repo.write_team_kubeconfig(
        "team-c",
        &token_kubeconfig(&server.url(), &pki, "revoked", "vcluster-team-c"),
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    desk.repo.write_team_kubeconfig(
        "team-d",
        &token_kubeconfig(
            &format!("https://127.0.0.1:{closed}"),
            &pki,
            "good-token",
            "vcluster-team-d",
        ),
    );
    (desk, server)
}

#[test]
fn list_marks_the_current_team() {
    let (desk, server) = desk();
    desk.vteam().args(["use", "team-b"]).assert().success();
    let out = stdout(desk.vteam().arg("list"));
    let url = server.url();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["CURRENT", "TEAM", "ENV", "SOURCE", "SERVER", "NAMESPACE"]
    );
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>(),
        ["*", "team-b", "dev", "layout", url.as_str(), "team-b-apps"]
    );
    assert!(lines[1].starts_with("         team-a  "), "{out}");
    // No command at all lists too, as kubectx does.
    assert_eq!(stdout(&mut desk.vteam()), out);
    assert_eq!(
        stdout(desk.vteam().args(["list", "-o", "name"])),
        "team-a\nteam-b\nteam-c\nteam-d\n"
    );
    assert_eq!(stdout(desk.vteam().arg("current")), "team-b\n");
}

#[test]
fn env_prints_an_eval_able_line_for_each_shell() {
    let (desk, _server) = desk();
    let bash = stdout(
        desk.vteam()
            .args(["env", "team-a"])
            .env("SHELL", "/bin/bash"),
    );
    let path = PathBuf::from(bash.trim().strip_prefix("export KUBECONFIG=").unwrap());
    assert!(
        path.starts_with(desk.home.path().join(".local/state/kubectl-vteam")),
        "{path:?}"
    );
    // The same team gives the same path every time (usable from direnv: kubeswitch#76).
    assert_eq!(
        stdout(
            desk.vteam()
                .args(["env", "team-a"])
                .env("SHELL", "/bin/bash")
        ),
        bash
    );
    let fish = stdout(desk.vteam().args(["env", "team-a", "--shell", "fish"]));
    assert_eq!(
        fish.trim(),
        format!("set -gx KUBECONFIG {};", path.display())
    );
    assert_eq!(
        stdout(desk.vteam().args(["env", "--unset", "--shell", "bash"])),
        "unset KUBECONFIG\n"
    );
    // eval in a real shell sets KUBECONFIG in that shell.
    let mut sh = desk.command("sh");
    let exe = assert_cmd::cargo::cargo_bin("kubectl-vteam");
    let script = format!(
        "eval \"$('{}' env team-a --shell sh)\"; echo \"$KUBECONFIG\"",
        exe.display()
    );
    assert_eq!(
        stdout(sh.args(["-c", &script])).trim(),
        path.display().to_string()
    );
}

#[test]
fn shell_gives_a_private_kubeconfig_and_removes_it_on_exit() {
    let (desk, _server) = desk();
    let out = stdout(desk.vteam().args([
        "shell",
        "team-a",
        "--",
        "sh",
        "-c",
        "echo \"$KUBECONFIG\"; stat -c %a \"$KUBECONFIG\"; grep -c 'name: vteam-team-a' \"$KUBECONFIG\"; echo $VTEAM_TEAM",
    ]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(&lines[1..], ["600", "3", "team-a"]);
    assert!(
        !std::path::Path::new(lines[0]).exists(),
        "the sub-shell's kubeconfig must be removed"
    );
    assert!(
        !desk.kubeconfig().exists(),
        "the user's kubeconfig is not touched"
    );
    // The exit code of the shell is ours.
    desk.vteam()
        .args(["shell", "team-a", "--", "sh", "-c", "exit 7"])
        .assert()
        .code(7);
    // With no command: $SHELL, here a script that reports what it got.
    let fake = desk
        .repo
        .write("fake-shell", "#!/bin/sh\necho \"shell in $VTEAM_TEAM\"\n");
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = stdout(desk.vteam().args(["shell", "team-b"]).env("SHELL", &fake));
    assert_eq!(out, "shell in team-b\n");
}

#[test]
fn exec_all_runs_every_team_at_once_and_sums_up_exit_codes() {
    let (desk, _server) = desk();
    let out = desk
        .vteam()
        .args(["exec", "--all", "--", "sh", "-c", "echo \"ns=$(grep namespace: \"$KUBECONFIG\" | tr -d ' ')\"; test \"$VTEAM_TEAM\" != team-c"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let mut lines: Vec<&str> = stdout.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "[team-a] ns=namespace:team-a-apps",
            "[team-b] ns=namespace:team-b-apps",
            "[team-c] ns=namespace:team-c-apps",
            "[team-d] ns=namespace:team-d-apps",
        ]
    );
    assert!(
        stderr.contains("team-a  exit 0") && stderr.contains("team-c  exit 1"),
        "{stderr}"
    );
    // All succeed: exit 0.
    desk.vteam()
        .args(["exec", "--all", "--", "true"])
        .assert()
        .success();
    // One team: stdio passes through, the exit code is the command's.
    desk.vteam()
        .args(["exec", "team-a", "--", "sh", "-c", "exit 3"])
        .assert()
        .code(3);
}

#[test]
fn status_probes_every_api_server_and_fails_when_one_is_down() {
    let (desk, server) = desk();
    let out = desk
        .vteam()
        .args(["status", "--request-timeout", "3s"])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{table}");
    let state = |team: &str| {
        table
            .lines()
            .find(|l| l.starts_with(team))
            .unwrap_or_else(|| panic!("{team} in {table}"))
            .split_whitespace()
            .nth(2)
            .unwrap()
            .to_string()
    };
    assert_eq!(state("team-a"), "reachable");
    assert_eq!(state("team-b"), "reachable");
    assert_eq!(state("team-c"), "unauthorized");
    assert_eq!(state("team-d"), "unreachable");
    assert!(table.contains("v1.31.4"));
    assert!(
        server
            .requests()
            .iter()
            .filter(|r| *r == "/version")
            .count()
            >= 3
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(desk.vteam().args(["status", "-o", "json"]))).unwrap();
    assert_eq!(json[2]["state"], "unauthorized");
    assert_eq!(json[2]["code"], 401);
}

fn stdout_of(c: &mut assert_cmd::Command) -> String {
    String::from_utf8(c.output().unwrap().stdout).unwrap()
}

#[test]
fn completion_for_kubectl_and_for_the_standalone_binary() {
    let (desk, _server) = desk();
    let mut c = desk.command(assert_cmd::cargo::cargo_bin("kubectl_complete-vteam"));
    assert_eq!(
        stdout(c.args(["use", ""])),
        "team-a\nteam-b\nteam-c\nteam-d\n-\n:4\n"
    );
    let mut c = desk.command(assert_cmd::cargo::cargo_bin("kubectl_complete-vteam"));
    assert_eq!(stdout(c.args(["st"])), "status\n:4\n");
    let bash = stdout(desk.vteam().args(["completions", "bash"]));
    assert!(bash.contains("kubectl-vteam"));
}

/// kubectl finds the plugin on PATH, hands it the arguments and flags after its name, and (from
/// 1.26) asks kubectl_complete-vteam for completions.
#[test]
fn kubectl_dispatches_to_the_plugin_and_its_completion() {
    let (desk, _server) = desk();
    let Some(kubectl) = kubectl_path() else {
        return;
    };
    let bin_dir = assert_cmd::cargo::cargo_bin("kubectl-vteam")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let mut k = desk.command(&kubectl);
    k.env("PATH", &path);
    k.args(["vteam", "use", "team-a", "-n", "tools"])
        .assert()
        .success();
    let mut k = desk.command(&kubectl);
    assert_eq!(
        stdout(k.args([
            "config",
            "view",
            "--minify",
            "-o",
            "jsonpath={.contexts[0].context.namespace}"
        ])),
        "tools"
    );
    let version =
        stdout(assert_cmd::Command::new(&kubectl).args(["version", "--client", "-o", "json"]));
    let minor: u32 = serde_json::from_str::<serde_json::Value>(&version).unwrap()["clientVersion"]
        ["minor"]
        .as_str()
        .unwrap()
        .trim_end_matches('+')
        .parse()
        .unwrap();
    if minor < 26 {
        test_peers::skip_optional(&format!(
            "kubectl 1.{minor} does not complete plugins (1.26 and later do)"
        ));
        return;
    }
    let mut k = desk.command(&kubectl);
    k.env("PATH", &path);
    let out = stdout(k.args(["__complete", "vteam", "use", "team-"]));
    assert!(
        out.starts_with("team-a\nteam-b\nteam-c\nteam-d\n:4"),
        "{out}"
    );
}

/// The standalone binary's bash completion asks `kubectl-vteam __complete`, so it completes team
/// names as kubectl's own completion does: run in a real bash, as a user's shell runs it.
#[test]
fn the_bash_completion_script_completes_team_names() {
    let (desk, _server) = desk();
    let script = stdout(desk.vteam().args(["completions", "bash"]));
    let bin_dir = assert_cmd::cargo::cargo_bin("kubectl-vteam")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let complete = |words: &str, cword: usize| {
        let program = format!(
            "{script}\nCOMP_WORDS=({words}); COMP_CWORD={cword}; _kubectl_vteam; printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let mut c = desk.command("bash");
        stdout(
            c.env("PATH", &path)
                .args(["--norc", "--noprofile", "-c", &program]),
        )
    };
    assert_eq!(
        complete("kubectl-vteam use team-", 2),
        "team-a\nteam-b\nteam-c\nteam-d\n"
    );
    assert_eq!(complete("kubectl-vteam st", 1), "status\n");
    assert_eq!(
        complete("kubectl-vteam exec ''", 2),
        "team-a\nteam-b\nteam-c\nteam-d\n--all\n"
    );
}

/// `ns` as kubens users expect it: alone it prints the namespace, `-` goes back to the previous
/// one, and a name Kubernetes would refuse is refused before anything is written. The real
/// kubectl reads each step back.
#[test]
fn ns_prints_goes_back_and_refuses_bad_names() {
    let (desk, _server) = desk();
    desk.vteam().args(["use", "team-a"]).assert().success();
    assert_eq!(stdout(desk.vteam().arg("ns")), "team-a-apps\n");
    desk.vteam().args(["ns", "tools"]).assert().success();
    let kubectl_ns = || {
        let mut k = desk.kubectl()?;
        Some(stdout(k.args([
            "config",
            "view",
            "--minify",
            "-o",
            "jsonpath={.contexts[0].context.namespace}",
        ])))
    };
    assert_eq!(stdout(desk.vteam().arg("ns")), "tools\n");
    if let Some(ns) = kubectl_ns() {
        assert_eq!(ns, "tools");
    }
    desk.vteam().args(["ns", "-"]).assert().success();
    assert_eq!(stdout(desk.vteam().arg("ns")), "team-a-apps\n");
    if let Some(ns) = kubectl_ns() {
        assert_eq!(ns, "team-a-apps");
    }
    // And forth again, as `cd -`.
    desk.vteam().args(["ns", "-"]).assert().success();
    assert_eq!(stdout(desk.vteam().arg("ns")), "tools\n");

    let before = std::fs::read_to_string(desk.kubeconfig()).unwrap();
    for bad in ["Bad_NS!", "trailing-", "UPPER", &"x".repeat(64)] {
        desk.vteam()
            .args(["ns", bad])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(
                "is not a namespace name Kubernetes accepts",
            ));
    }
    assert_eq!(std::fs::read_to_string(desk.kubeconfig()).unwrap(), before);
}

/// A `shell` or `exec` killed with -9 cannot remove its scratch kubeconfigs (credentials); the
/// next run removes them. A live process's are left alone.
#[test]
fn credentials_left_by_a_killed_run_are_swept_by_the_next() {
    let (desk, _server) = desk();
    // The scratch place's base: a private XDG_RUNTIME_DIR, as a login session has.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        tmp.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let dead = {
        let mut c = std::process::Command::new("true").spawn().unwrap();
        let pid = c.id();
        c.wait().unwrap();
        pid
    };
    let orphan = tmp
        .path()
        .join(format!("platform-scratch-{dead}-kubeconfig-abc123"));
    std::fs::create_dir(&orphan).unwrap();
    std::fs::write(orphan.join("team-a.kubeconfig"), "token: secret\n").unwrap();
    let live = tmp.path().join(format!(
        "platform-scratch-{}-kubeconfig-def456",
        std::process::id()
    ));
    std::fs::create_dir(&live).unwrap();
    desk.vteam()
        .env("XDG_RUNTIME_DIR", tmp.path())
        .args(["exec", "team-a", "--", "true"])
        .assert()
        .success();
    assert!(!orphan.exists(), "the killed run's credentials are swept");
    assert!(live.exists(), "a running process's scratch stays");
    // And the run itself left nothing behind.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

/// Issue 29, must show 2: `kill -TERM` of `kubectl vteam shell team-a` leaves no file holding
/// the team's credentials, and the kubeconfig the shell sees lives in memory (tmpfs) where the
/// system has it.
#[test]
fn a_terminated_shell_leaves_no_credentials_behind() {
    use std::process::{Command as StdCommand, Stdio};
    let desk = Desk::new(&["team-a"]);
    let pki = Pki::new();
    let token = format!("vteam-test-token-{}", std::process::id());
    desk.repo.write_team_kubeconfig(
        "team-a",
        &token_kubeconfig("https://127.0.0.1:6443", &pki, &token, "vcluster-team-a"),
    );
    let tmp = tempfile::tempdir().unwrap();
    let report = desk.home.path().join("shell-report");
    let fake = desk.repo.write(
        "fake-shell",
        &format!(
            "#!/bin/sh\necho \"$KUBECONFIG $$\" > {}.part && mv {}.part {}\nexec sleep 30\n",
            report.display(),
            report.display(),
            report.display()
        ),
    );
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut vteam = StdCommand::new(assert_cmd::cargo::cargo_bin("kubectl-vteam"))
        .args(["shell", "team-a"])
        .env("HOME", desk.home.path())
        .env("KUBECONFIG", desk.kubeconfig())
        .env("PLATFORM_ROOT", desk.repo.root())
        .env("SHELL", &fake)
        .env("TMPDIR", tmp.path())
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("XDG_STATE_HOME")
        .env_remove("TOFU_ENV")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !report.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the shell never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let line = std::fs::read_to_string(&report).unwrap();
    let (kubeconfig, shell_pid) = line.trim().rsplit_once(' ').unwrap();
    let kubeconfig = PathBuf::from(kubeconfig);
    assert!(std::fs::read_to_string(&kubeconfig)
        .unwrap()
        .contains(&token));
    if std::path::Path::new("/dev/shm").is_dir() {
        assert!(
            kubeconfig.starts_with("/dev/shm"),
            "{}",
            kubeconfig.display()
        );
        let fs_type = StdCommand::new("stat")
            .args(["-f", "-c", "%T"])
            .arg(&kubeconfig)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&fs_type.stdout).trim(), "tmpfs");
    }

    let term = StdCommand::new("kill")
        .args(["-TERM", &vteam.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = vteam.wait().unwrap();
    let _ = StdCommand::new("kill").args(["-KILL", shell_pid]).status();
    assert!(!status.success(), "{status:?}");
    assert!(!kubeconfig.exists(), "{} is left", kubeconfig.display());
    assert!(
        !kubeconfig.parent().unwrap().exists(),
        "its directory is left"
    );
    for dir in [tmp.path(), std::path::Path::new("/dev/shm")] {
        let holding: Vec<PathBuf> = walk(dir)
            .into_iter()
            .filter(|p| {
                std::fs::read(p).is_ok_and(|b| String::from_utf8_lossy(&b).contains(&token))
            })
            .collect();
        assert!(holding.is_empty(), "the token is still in {holding:?}");
    }
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let ty = e.file_type().unwrap();
        if ty.is_dir() {
            out.extend(walk(&e.path()));
        } else if ty.is_file() {
            out.push(e.path());
        }
    }
    out
}
