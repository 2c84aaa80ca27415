//! The HCL lexer, parser and formatter, in both modes: never a panic, and formatting is
//! idempotent (except where terraform's own formatter is not: an interpolation-only string
//! unwraps one level per run, and blanks before the end of a file without a final newline).
#![no_main]

use hcl_format::{format_file, format_file_report, Mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    for mode in [Mode::Tofu, Mode::Terragrunt] {
        let Ok(report) = format_file_report(src, mode) else {
            continue;
        };
        // Where tofu's own output would mean something else or not parse, nothing is written.
        if !report.lossy.is_empty() {
            continue;
        }
        let once = report.text;
        let twice = format_file(&once, mode)
            .unwrap_or_else(|e| panic!("{mode:?}: the formatted text does not parse: {e}\n{once}"));
        let stable_in_terraform = once.ends_with('\n') && !src.contains("${");
        if stable_in_terraform {
            assert_eq!(twice, once, "{mode:?}: not idempotent");
        }
    }
});
