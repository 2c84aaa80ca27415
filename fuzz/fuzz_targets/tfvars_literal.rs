//! tfvars literals (what `tofu-envs import` and secret-seal's tfvars store read): never a
//! panic, and each value written back as HCL reads back the same.
#![no_main]

use hcl_format::literal::parse_tfvars;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(assignments) = parse_tfvars(src) else {
        return;
    };
    for a in assignments {
        let written = format!("v = {}\n", a.value.value.to_hcl());
        let back = parse_tfvars(&written)
            .unwrap_or_else(|e| panic!("written as {written:?}, which does not parse: {e}"));
        assert_eq!(back.len(), 1, "{written}");
        // Positions differ by construction; the value, written again, must not.
        assert_eq!(
            back[0].value.value.to_hcl(),
            a.value.value.to_hcl(),
            "{written}"
        );
    }
});
