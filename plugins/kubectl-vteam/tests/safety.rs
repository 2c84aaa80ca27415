//! Must show 3: concurrent writers, writers killed with SIGKILL at random points, and locks left
//! behind by dead processes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

fn desk_with_teams(n: usize, base: &str) -> Desk {
    let names: Vec<String> = (0..n).map(|i| format!("team-{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let desk = Desk::new(&refs);
    let pki = Pki::new();
    let client = pki.client("dev");
    for t in &names {
        let kc = team_kubeconfig(
            "https://127.0.0.1:6443",
            &pki,
            &client,
            &format!("vcluster-{t}"),
        );
        desk.repo.write_team_kubeconfig(t, &kc);
    }
    std::fs::write(desk.kubeconfig(), base).unwrap();
    desk
}

fn spawn_use(desk: &Desk, team: &str) -> Child {
    let mut c = StdCommand::new(assert_cmd::cargo::cargo_bin("kubectl-vteam"));
    c.env("HOME", desk.home.path())
        .env("KUBECONFIG", desk.kubeconfig())
        .env("PLATFORM_ROOT", desk.repo.root())
        .env_remove("XDG_STATE_HOME")
        .env_remove("TOFU_ENV")
        .args(["use", team])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c.spawn().unwrap()
}

fn user_contexts(n: usize) -> String {
    let mut s = String::from("apiVersion: v1\nkind: Config\n# many contexts\nclusters:\n");
    for i in 0..n {
        s.push_str(&format!(
            "- cluster:\n    server: https://c{i}.example.com\n  name: c{i}\n"
        ));
    }
    s.push_str("contexts:\n");
    for i in 0..n {
        s.push_str(&format!(
            "- context:\n    cluster: c{i}\n    user: u{i}\n  name: ctx-{i}\n"
        ));
    }
    s.push_str("current-context: ctx-0\nusers:\n");
    for i in 0..n {
        s.push_str(&format!(
            "- name: u{i}\n  user:\n    token: {}\n",
            "t".repeat(200)
        ));
    }
    s.push_str("# end\n");
    s
}

#[test]
fn two_hundred_concurrent_switches_leave_one_valid_file() {
    let base = user_contexts(20);
    let desk = desk_with_teams(10, &base);
    let children: Vec<Child> = (0..200)
        .map(|i| spawn_use(&desk, &format!("team-{}", i % 10)))
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let after = std::fs::read_to_string(desk.kubeconfig()).unwrap();
    for i in 0..20 {
        assert_eq!(after.matches(&format!("  name: ctx-{i}\n")).count(), 1);
    }
    for t in 0..10 {
        assert_eq!(
            after.matches(&format!("  name: vteam-team-{t}\n")).count(),
            2,
            "cluster and context"
        );
        assert_eq!(
            after.matches(&format!("- name: vteam-team-{t}\n")).count(),
            1,
            "user"
        );
    }
    assert_eq!(after.matches("\ncurrent-context: ").count(), 1);
    assert!(after.ends_with("# end\n"));
    if let Some(mut k) = desk.kubectl() {
        let current = stdout(k.args(["config", "current-context"]));
        assert!(current.starts_with("vteam-team-"), "{current}");
        let n = stdout(
            desk.kubectl()
                .unwrap()
                .args(["config", "get-contexts", "-o", "name"]),
        );
        assert_eq!(n.lines().count(), 30);
    }
}

/// A small xorshift generator: no dependency, and the seed is printed to replay a failure.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn sigkill_at_random_points_never_leaves_a_torn_file() {
    // ~4 MB so that the write takes long enough to be interrupted in the middle.
    let base = user_contexts(8000);
    let desk = desk_with_teams(2, &base);
    // The two complete states: every later file must be exactly one of them.
    desk.vteam().args(["use", "team-0"]).assert().success();
    desk.vteam().args(["use", "team-1"]).assert().success();
    let state_1 = std::fs::read_to_string(desk.kubeconfig()).unwrap();
    let start = Instant::now();
    desk.vteam().args(["use", "team-0"]).assert().success();
    // Kill points spread over a whole run, start to finish and a little past.
    let run_us = (start.elapsed().as_micros() as u64 * 6 / 5).max(1000);
    let state_0 = std::fs::read_to_string(desk.kubeconfig()).unwrap();
    assert_ne!(state_0, state_1);

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("sigkill test seed {seed}");
    let mut rng = Rng(seed);
    let mut killed_mid_write = 0;
    for round in 0..40 {
        let mut child = spawn_use(&desk, &format!("team-{}", round % 2));
        std::thread::sleep(Duration::from_micros(rng.below(run_us)));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if !status.success() {
            killed_mid_write += 1;
        }
        let now = std::fs::read_to_string(desk.kubeconfig()).unwrap();
        assert!(
            now == state_0 || now == state_1,
            "round {round} (seed {seed}): torn file of {} bytes",
            now.len()
        );
    }
    eprintln!(
        "{killed_mid_write} of 40 runs were killed before finishing (a run takes ~{run_us} us)"
    );
    assert!(
        killed_mid_write > 0,
        "no run was interrupted: the test proves nothing"
    );
    // The next switch succeeds and sweeps the temp files killed writers left.
    desk.vteam().args(["use", "team-1"]).assert().success();
    let leftovers: Vec<_> = std::fs::read_dir(desk.home.path().join(".kube"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".config.tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_lock_held_by_a_process_that_dies_does_not_block() {
    let desk = desk_with_teams(1, &user_contexts(2));
    let lock = desk.home.path().join(".kube/.config.vteam.lock");
    // Another writer holds our lock (flock, as kubectl-vteam takes it)...
    let mut holder = StdCommand::new("python3")
        .args([
            "-c",
            "import fcntl,sys,time; f=open(sys.argv[1],'a'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
            lock.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    BufReader::new(holder.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    // ...so a switch waits for it...
    let mut waiting = spawn_use(&desk, "team-0");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        waiting.try_wait().unwrap().is_none(),
        "use must wait for the lock holder"
    );
    // ...and goes on the moment the holder is killed: the kernel drops a dead process's flock.
    holder.kill().unwrap();
    holder.wait().unwrap();
    let start = Instant::now();
    let out = waiting.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(std::fs::read_to_string(desk.kubeconfig())
        .unwrap()
        .contains("current-context: vteam-team-0"));
    // The lock file left behind by the dead holder blocks nothing.
    assert!(lock.exists());
    desk.vteam().args(["use", "-"]).assert().success();
}

#[test]
fn kubectls_lock_is_waited_for_while_fresh_and_ignored_when_stale() {
    let desk = desk_with_teams(1, &user_contexts(2));
    let kubectl_lock = std::path::PathBuf::from(format!("{}.lock", desk.kubeconfig().display()));
    // Stale: left by a crashed kubectl a minute ago.
    let f = std::fs::File::create(&kubectl_lock).unwrap();
    f.set_modified(std::time::SystemTime::now() - Duration::from_secs(60))
        .unwrap();
    drop(f);
    desk.vteam().args(["use", "team-0"]).assert().success();
    assert!(kubectl_lock.exists(), "not ours to delete");
    // Fresh: kubectl is writing; the switch waits until the lock goes away.
    std::fs::remove_file(&kubectl_lock).unwrap();
    std::fs::File::create(&kubectl_lock).unwrap();
    let child = spawn_use(&desk, "-");
    std::thread::sleep(Duration::from_millis(300));
    std::fs::remove_file(&kubectl_lock).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read_to_string(desk.kubeconfig())
        .unwrap()
        .contains("current-context: ctx-0"));
}
