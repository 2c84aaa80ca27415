//! `cargo bench --bench hooks`: a generated repository of 5,000 .tf files with 1 staged change;
//! all four hooks in-process (as the git hook runs them) vs `terraform fmt -check` on the changed
//! directory, which is what pre-commit-terraform runs.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use platform_hooks::{rules, staged::Repo, Hook};

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}

fn main() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    for m in 0..250 {
        let dir = root.join(format!("modules/m{m:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..20 {
            let body = format!(
                "resource \"null_resource\" \"r{f}\" {{\n  triggers = {{\n    module = \"m{m}\"\n    file   = \"{f}\"\n  }}\n}}\n\nvariable \"v{f}\" {{\n  type    = string\n  default = \"x\"\n}}\n"
            );
            std::fs::write(dir.join(format!("f{f:02}.tf")), body).unwrap();
        }
    }
    git(root, &["init", "-q"]);
    git(
        root,
        &["-c", "user.email=b@b", "-c", "user.name=b", "add", "-A"],
    );
    git(
        root,
        &[
            "-c",
            "user.email=b@b",
            "-c",
            "user.name=b",
            "commit",
            "-q",
            "-m",
            "init",
        ],
    );
    std::fs::write(
        root.join("modules/m042/f07.tf"),
        "locals {\n  changed = true\n}\n",
    )
    .unwrap();
    git(root, &["add", "modules/m042/f07.tf"]);

    let all_hooks = || {
        let repo = Repo::discover(root).unwrap();
        let files = repo.files(root, &[]).unwrap();
        let mut n = 0;
        for hook in Hook::ALL {
            n += match hook {
                Hook::TofuFmt | Hook::TerragruntFmt => rules::fmt(hook, &repo, &files, false),
                Hook::SecretsSealed => rules::secrets(&repo, &files),
                Hook::TfvarsValid => rules::tfvars(&repo, &files),
            }
            .len();
        }
        assert_eq!(n, 0);
    };
    all_hooks();
    let runs = 20;
    let start = Instant::now();
    for _ in 0..runs {
        all_hooks();
    }
    let ours = start.elapsed().as_secs_f64() / f64::from(runs);
    println!("repository: 5,000 .tf files, 1 staged change");
    println!("| check | time |");
    println!("| --- | ---: |");
    println!(
        "| all 4 platform-hooks (in-process) | {:.1} ms |",
        ours * 1e3
    );
    let tf = ["tofu", "terraform"].into_iter().find(|b| {
        Command::new(b)
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    match tf {
        Some(bin) => {
            let run = || {
                let start = Instant::now();
                let _ = Command::new(bin)
                    .args(["fmt", "-check", "modules/m042"])
                    .current_dir(root)
                    .env("TF_CLI_CONFIG_FILE", "/dev/null")
                    .output()
                    .unwrap();
                start.elapsed().as_secs_f64()
            };
            run();
            let theirs = (0..5).map(|_| run()).sum::<f64>() / 5.0;
            println!(
                "| {bin} fmt -check <changed dir> (pre-commit-terraform's way) | {:.1} ms |",
                theirs * 1e3
            );
        }
        None => println!("| terraform/tofu fmt | not installed |"),
    }
}
