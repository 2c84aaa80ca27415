//! `tofu-envs fmt` as a tofu user drives it: flags, exit codes, what is written and what is not.

use std::path::Path;

use assert_cmd::Command;

fn fmt(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("tofu-envs").unwrap();
    c.arg("fmt").current_dir(dir).env("NO_COLOR", "1");
    c
}

fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let w = |p: &str, s: &str| {
        let p = d.path().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    };
    w("main.tf", "a=1\nbb = \"${var.x}\"\n");
    w("ok.tf", "a = 1\n");
    w("vars.tfvars", "region=\"eu\"\n");
    w(
        "stack/terragrunt.hcl",
        "dependency vpc {\n  config_path=\"../vpc\"\n}\nx = \"${local.y}\"\n",
    );
    w("stack/child.tofu", "z=1\n");
    w(".terraform/modules/m/main.tf", "ignored=1\n");
    w(".terragrunt-cache/abc/main.tf", "ignored=1\n");
    w(".git/x.tf", "ignored=1\n");
    w("notes.txt", "not=hcl\n");
    d
}

fn read(d: &tempfile::TempDir, p: &str) -> String {
    std::fs::read_to_string(d.path().join(p)).unwrap()
}

#[test]
fn writes_and_lists_changed_files_like_tofu() {
    let d = tree();
    let out = fmt(d.path()).arg("-recursive").output().unwrap();
    crate::support::assert_ok(&out);
    // tofu's files only, as `tofu fmt -recursive` chooses them.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "main.tf\nstack/child.tofu\nvars.tfvars\n"
    );
    assert_eq!(read(&d, "main.tf"), "a  = 1\nbb = var.x\n");
    assert_eq!(
        read(&d, "stack/terragrunt.hcl"),
        "dependency vpc {\n  config_path=\"../vpc\"\n}\nx = \"${local.y}\"\n",
        "a terragrunt file is not tofu fmt's to format"
    );
    // terragrunt files by explicit choice: formatted, but without the terraform rewrites.
    let tg = fmt(d.path()).arg("-terragrunt").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&tg.stdout),
        "stack/terragrunt.hcl\n"
    );
    assert_eq!(
        read(&d, "stack/terragrunt.hcl"),
        "dependency vpc {\n  config_path = \"../vpc\"\n}\nx = \"${local.y}\"\n"
    );
    for ignored in [
        ".terraform/modules/m/main.tf",
        ".terragrunt-cache/abc/main.tf",
        ".git/x.tf",
    ] {
        assert_eq!(
            read(&d, ignored),
            "ignored=1\n",
            "{ignored} must be skipped"
        );
    }
    let again = fmt(d.path()).arg("-recursive").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        "",
        "nothing left to format"
    );
}

#[test]
fn check_exits_3_and_writes_nothing() {
    let d = tree();
    let out = fmt(d.path())
        .args(["-check", "-recursive"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(read(&d, "main.tf"), "a=1\nbb = \"${var.x}\"\n");
    let ok = fmt(d.path()).args(["-check", "ok.tf"]).output().unwrap();
    assert_eq!(ok.status.code(), Some(0));
    // Without -recursive only the directory itself.
    let top = fmt(d.path()).args(["-check"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&top.stdout),
        "main.tf\nvars.tfvars\n"
    );
}

#[test]
fn diff_and_write_false_show_without_touching() {
    let d = tree();
    let out = fmt(d.path())
        .args(["-diff", "-write=false", "-list=false", "main.tf"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "--- old/main.tf\n+++ new/main.tf\n@@ -1,2 +1,2 @@\n-a=1\n-bb = \"${var.x}\"\n+a  = 1\n+bb = var.x\n"
    );
    assert_eq!(read(&d, "main.tf"), "a=1\nbb = \"${var.x}\"\n");
    let shown = fmt(d.path())
        .args(["-list=false", "-write=false", "main.tf"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&shown.stdout),
        "a  = 1\nbb = var.x\n"
    );
}

#[test]
fn stdin_is_formatted_to_stdout() {
    let d = tempfile::tempdir().unwrap();
    fmt(d.path())
        .arg("-")
        .write_stdin("a=1\n")
        .assert()
        .success()
        .stdout("a = 1\n");
    fmt(d.path())
        .args(["-check", "-"])
        .write_stdin("a=1\n")
        .assert()
        .code(3)
        .stdout("");
    fmt(d.path())
        .args(["-terragrunt", "-"])
        .write_stdin("x = \"${y}\"\n")
        .assert()
        .success()
        .stdout("x = \"${y}\"\n");
}

#[test]
fn invalid_files_are_reported_with_position_and_left_alone() {
    let d = tempfile::tempdir().unwrap();
    let bad = "a = 1\nb = \"open\nc=2\n";
    std::fs::write(d.path().join("bad.tf"), bad).unwrap();
    std::fs::write(d.path().join("good.tf"), "c=2\n").unwrap();
    let out = fmt(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.tf:2:5: Invalid multi-line string"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("bad.tf")).unwrap(),
        bad
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("good.tf")).unwrap(),
        "c = 2\n",
        "valid files are still formatted"
    );
    let dup = fmt(d.path())
        .arg("-")
        .write_stdin("a = 1\na = 2\n")
        .output()
        .unwrap();
    assert_eq!(dup.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&dup.stderr).contains("2:1: Attribute redefined"));
}

#[test]
fn usage_errors_exit_2() {
    let d = tree();
    fmt(d.path()).arg("notes.txt").assert().code(2);
    fmt(d.path()).arg("-bogus").assert().code(2);
    fmt(d.path()).arg("missing.tf").assert().code(2);
}

#[cfg(unix)]
#[test]
fn rewriting_keeps_the_file_mode() {
    use std::os::unix::fs::PermissionsExt;
    let d = tree();
    let p = d.path().join("main.tf");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    fmt(d.path()).arg("main.tf").assert().success();
    assert_eq!(
        std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

/// `tofu fmt FILE` writes hclwrite's bytes as they are: a file without a final newline, or an
/// empty one, is already formatted (only `tofu fmt -` adds the newline), and `-check` agrees.
#[test]
fn files_keep_their_end_as_tofu_fmt_keeps_it() {
    let d = tempfile::tempdir().unwrap();
    let w = |p: &str, s: &str| std::fs::write(d.path().join(p), s).unwrap();
    w("no-newline.tf", "a = 1");
    w("empty.tf", "");
    w("unformatted.tf", "b=2");
    w("image.pkr.hcl", "source  \"x\"  \"y\" {}\n");
    let check = fmt(d.path())
        .args(["-check", "-list=true"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&check.stdout), "unformatted.tf\n");
    assert_eq!(check.status.code(), Some(3));
    fmt(d.path()).assert().success();
    assert_eq!(read(&d, "no-newline.tf"), "a = 1");
    assert_eq!(read(&d, "empty.tf"), "");
    assert_eq!(read(&d, "unformatted.tf"), "b = 2");
    assert_eq!(
        read(&d, "image.pkr.hcl"),
        "source  \"x\"  \"y\" {}\n",
        "not tofu's file"
    );
    // Standard input is `tofu fmt -`: the newline is added.
    let stdin = fmt(d.path()).arg("-").write_stdin("b=2").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&stdin.stdout), "b = 2\n");
}
