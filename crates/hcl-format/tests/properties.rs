//! Properties: formatting never panics, is idempotent, and changes nothing but whitespace apart
//! from the documented terraform rewrites.

use hcl_format::{format, Mode};
use proptest::prelude::*;

use crate::support::gen;

fn no_whitespace(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Arbitrary input from HCL's alphabet: an answer (formatted text or a syntax error), never
    /// a panic.
    #[test]
    fn never_panics_on_arbitrary_input(s in "[a-z0-9_ \t\n\r{}\\[\\]()=\"'$%~<>!?:.,+*/#&|ü-]{0,200}") {
        let _ = format(&s, Mode::Tofu);
        let _ = format(&s, Mode::Terragrunt);
    }

    /// Real-looking files: formatting twice is formatting once, and terragrunt mode changes only
    /// whitespace.
    #[test]
    fn idempotent_and_whitespace_only(seed in any::<u64>()) {
        let src = gen::file(seed);
        let tofu = format(&src, Mode::Tofu).unwrap();
        // terraform unwraps `"${ ... }"` once per run, so an interpolation-only string nested in
        // another needs two runs there too; everything else is stable after one.
        if !src.contains("\"${\"${") && !src.contains("\"${\n\"${") {
            prop_assert_eq!(&format(&tofu, Mode::Tofu).unwrap(), &tofu);
        }
        let tg = format(&src, Mode::Terragrunt).unwrap();
        prop_assert_eq!(&format(&tg, Mode::Terragrunt).unwrap(), &tg);
        prop_assert_eq!(no_whitespace(&tg), no_whitespace(&src));
    }
}

#[test]
fn tofu_mode_differs_only_by_the_rewrites() {
    // Without interpolation-only strings, labels tofu writes afresh (bare, commented, not NFC,
    // escaped) or legacy variable types, tofu mode and terragrunt mode are the same formatter.
    let rewritten = [
        "\"${",
        "bare_label",
        "variable",
        "/* c */ ",
        "\"e\u{301}\" ",
        "\"tab\\there\" ",
        // Characters Go's IsPrint refuses, escaped in labels.
        "\u{600}",
        "\u{61C}",
        "\u{E000}",
        "\u{378}",
    ];
    for seed in 0..500 {
        let src = gen::file(seed);
        if rewritten.iter().any(|r| src.contains(r)) {
            continue;
        }
        assert_eq!(
            format(&src, Mode::Tofu).unwrap(),
            format(&src, Mode::Terragrunt).unwrap(),
            "seed {seed}"
        );
    }
}

/// A hostile file nested far deeper than any configuration is refused with a position, never a
/// stack overflow that aborts the process (a hook crashed by a pull request); up to the limit it
/// formats. On the main thread's stack size, as the tools run it.
#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let run = || {
        let deep = |n: usize| format!("a = {}{}\n", "[".repeat(n), "]".repeat(n));
        let limit = hcl_format::parse::MAX_DEPTH;
        assert!(format(&deep(limit - 1), Mode::Tofu).is_ok());
        for n in [limit + 1, 100_000] {
            let e = format(&deep(n), Mode::Tofu).unwrap_err();
            assert_eq!(e.summary, "Nesting too deep", "{n}");
            assert_eq!((e.line, e.column), (1, limit + 4), "{n}");
        }
        let blocks = format!("{}{}", "b {\n".repeat(100_000), "}\n".repeat(100_000));
        assert!(format(&blocks, Mode::Terragrunt).is_err());
        let nots = format!("a = {}true\n", "!".repeat(200_000));
        assert!(format(&nots, Mode::Tofu).is_ok());
    };
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}
