//! The plaintext stores secret-seal encrypts from (the first byte picks YAML, JSON, dotenv, INI
//! or tfvars): never a panic, and what is accepted is written back in a form read back the same
//! ("what encrypt accepts, decrypt reads back").
#![no_main]

use libfuzzer_sys::fuzz_target;
use secret_seal::store::{emit_plain, load_plain, EmitOptions};
use secret_seal::Format;

const FORMATS: [Format; 5] = [
    Format::Yaml,
    Format::Json,
    Format::Dotenv,
    Format::Ini,
    Format::Tfvars,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let format = FORMATS[pick as usize % FORMATS.len()];
    let Ok(tree) = load_plain(format, input) else {
        return;
    };
    let written = emit_plain(format, &tree, EmitOptions::default())
        .unwrap_or_else(|e| panic!("accepted but cannot be written: {e}"));
    let again = load_plain(format, &written).unwrap_or_else(|e| {
        panic!(
            "written but not read back: {e}\n{}",
            String::from_utf8_lossy(&written)
        )
    });
    let rewritten = emit_plain(format, &again, EmitOptions::default()).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&rewritten),
        String::from_utf8_lossy(&written),
        "not a fixed point"
    );
});
