//! `kubectl vteam use` on a 1000-context, ~5 MB kubeconfig against `kubectl config use-context`
//! on the same file: CPU (user + sys of the child) and wall medians, and the ratio.
//!
//! cargo bench -p kubectl-vteam --bench use

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use nix::sys::resource::{getrusage, UsageWho};

const CONTEXTS: usize = 1000;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(home.join(".kube")).unwrap();
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        "MIIC".repeat(280)
    );
    let data = base64(&pem);
    let kubeconfig = big_kubeconfig(&data);
    let kc_path = home.join(".kube/config");
    std::fs::write(&kc_path, &kubeconfig).unwrap();
    for team in ["team-a", "team-b"] {
        std::fs::create_dir_all(repo.join("stacks/teams").join(team)).unwrap();
        std::fs::create_dir_all(repo.join("stacks/platform/vcluster")).unwrap();
        std::fs::write(
            repo.join(format!("stacks/platform/vcluster/vcluster-{team}.kubeconfig")),
            format!(
                "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {data}\n    server: https://127.0.0.1:30443\n  name: v\n\
                 contexts:\n- context:\n    cluster: v\n    user: v\n  name: v\ncurrent-context: v\nkind: Config\n\
                 users:\n- name: v\n  user:\n    client-certificate-data: {data}\n    client-key-data: {data}\n"
            ),
        )
        .unwrap();
    }
    println!(
        "kubeconfig: {CONTEXTS} contexts, {:.1} MB",
        std::fs::metadata(&kc_path).unwrap().len() as f64 / 1e6
    );
    let vteam = env!("CARGO_BIN_EXE_kubectl-vteam");
    let env = |c: &mut Command| {
        c.env("HOME", &home)
            .env("KUBECONFIG", &kc_path)
            .env("PLATFORM_ROOT", &repo)
            .env_remove("TOFU_ENV")
            .env_remove("XDG_STATE_HOME");
    };
    let mut rows = Vec::new();
    let switch = measure(41, |i| {
        let mut c = Command::new(vteam);
        env(&mut c);
        c.args(["use", if i % 2 == 0 { "team-a" } else { "team-b" }]);
        c
    });
    rows.push(("kubectl vteam use TEAM (switch, writes)", switch));
    let same = measure(21, |_| {
        let mut c = Command::new(vteam);
        env(&mut c);
        c.args(["use", "team-a"]);
        c
    });
    rows.push(("kubectl vteam use TEAM (already current)", same));
    let kubectl = which("kubectl");
    match &kubectl {
        Some(k) => {
            let m = measure(7, |i| {
                let mut c = Command::new(k);
                env(&mut c);
                c.args(["config", "use-context", &format!("context-{}", i % 2 + 1)]);
                c
            });
            rows.push(("kubectl config use-context", m));
        }
        None => println!("kubectl is not installed: no comparison"),
    }
    println!("\n| command | runs | CPU median | wall median |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, (cpu, wall, n)) in &rows {
        println!(
            "| {name} | {n} | {:.1} ms | {:.1} ms |",
            ms(*cpu),
            ms(*wall)
        );
    }
    if let (Some(_), Some((_, (kcpu, kwall, _)))) = (&kubectl, rows.get(2)) {
        let (cpu, wall, _) = rows[0].1;
        println!(
            "\nkubectl vteam use is {:.0}x faster than kubectl config use-context (CPU), {:.0}x (wall)",
            ms(*kcpu) / ms(cpu),
            ms(*kwall) / ms(wall)
        );
    }
    // The file is still a kubeconfig with every context.
    let after = std::fs::read_to_string(&kc_path).unwrap();
    assert_eq!(after.matches("\n  name: context-").count(), CONTEXTS);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median CPU (user + sys of the children) and wall time over `runs` runs.
fn measure(runs: usize, make: impl Fn(usize) -> Command) -> (Duration, Duration, usize) {
    let mut cpu = Vec::new();
    let mut wall = Vec::new();
    // One warm-up run (page cache, first write of the state file).
    make(runs).output().unwrap();
    for i in 0..runs {
        let before = children_cpu();
        let start = Instant::now();
        let out = make(i).output().unwrap();
        wall.push(start.elapsed());
        cpu.push(children_cpu() - before);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    cpu.sort();
    wall.sort();
    (cpu[runs / 2], wall[runs / 2], runs)
}

fn children_cpu() -> Duration {
    let u = getrusage(UsageWho::RUSAGE_CHILDREN).unwrap();
    let t =
        |tv: nix::sys::time::TimeVal| Duration::new(tv.tv_sec() as u64, tv.tv_usec() as u32 * 1000);
    t(u.user_time()) + t(u.system_time())
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| Path::new(p).is_file())
}

fn big_kubeconfig(data: &str) -> String {
    let mut s = String::from("apiVersion: v1\nclusters:\n");
    for i in 0..CONTEXTS {
        s.push_str(&format!(
            "- cluster:\n    certificate-authority-data: {data}\n    server: https://c{i}.example.com:6443\n  name: cluster-{i}\n"
        ));
    }
    s.push_str("contexts:\n");
    for i in 0..CONTEXTS {
        s.push_str(&format!(
            "- context:\n    cluster: cluster-{i}\n    namespace: ns-{i}\n    user: user-{i}\n  name: context-{i}\n"
        ));
    }
    s.push_str("current-context: context-0\nkind: Config\npreferences: {}\nusers:\n");
    for i in 0..CONTEXTS {
        s.push_str(&format!(
            "- name: user-{i}\n  user:\n    client-certificate-data: {data}\n    client-key-data: {data}\n"
        ));
    }
    s
}

fn base64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}
