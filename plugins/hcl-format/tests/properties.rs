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
    // Without interpolation-only strings, bare labels or legacy variable types, tofu mode and
    // terragrunt mode are the same formatter.
    for seed in 0..500 {
        let src = gen::file(seed);
        if src.contains("\"${") || src.contains("bare_label") || src.contains("variable") {
            continue;
        }
        assert_eq!(
            format(&src, Mode::Tofu).unwrap(),
            format(&src, Mode::Terragrunt).unwrap(),
            "seed {seed}"
        );
    }
}
