//! Golden files: inputs covering every rule of ../shared/specs/hcl-fmt.md, with the expected
//! output produced by `terraform fmt -` (v1.11.4) and committed, so no terraform is needed here.
//! `golden/terragrunt/*.golden` are terragrunt mode: terraform's output except at the rewrite
//! sites (unquoted labels, `"${...}"`), which terragrunt keeps as written.

use hcl_format::{format, Mode};

use crate::support::golden_dir;

fn check_dir(dir: &std::path::Path, ext: &str, mode: Mode) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some(ext) {
            continue;
        }
        let input = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
        let expected = std::fs::read_to_string(format!("{}.golden", path.display())).unwrap();
        let got = format(&input, mode).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            got,
            expected,
            "{} differs from terraform fmt",
            path.display()
        );
        // terraform keeps spaces before the end of a file that lacks a final newline, then adds
        // the newline; formatting that again drops them. Not idempotent in terraform either.
        if !path.ends_with("trailing-space.tf") {
            assert_eq!(
                format(&got, mode).unwrap(),
                got,
                "{} is not idempotent",
                path.display()
            );
        }
        n += 1;
    }
    n
}

#[test]
fn tofu_mode_matches_terraform_fmt_output() {
    assert!(check_dir(&golden_dir(), "tf", Mode::Tofu) >= 13);
}

#[test]
fn terragrunt_mode_keeps_what_terragrunt_keeps() {
    let dir = golden_dir().join("terragrunt");
    assert_eq!(check_dir(&dir, "hcl", Mode::Terragrunt), 2);
    let tg = std::fs::read_to_string(dir.join("terragrunt.hcl.golden")).unwrap();
    assert!(
        tg.contains("dependency vcluster {")
            && tg.contains("account_id = \"${get_aws_account_id()}\"")
    );
    let tofu = format(
        &std::fs::read_to_string(dir.join("terragrunt.hcl")).unwrap(),
        Mode::Tofu,
    )
    .unwrap();
    assert!(
        tofu.contains("dependency \"vcluster\" {")
            && tofu.contains("account_id = get_aws_account_id()")
    );
}
