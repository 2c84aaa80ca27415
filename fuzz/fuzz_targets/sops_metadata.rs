//! A sealed file as it arrives from a pull request: the stores and the `sops` metadata section
//! (keys, MAC, version, Shamir groups) parse or fail, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secret_seal::{Format, Sealed};

const FORMATS: [Format; 5] = [
    Format::Yaml,
    Format::Json,
    Format::Dotenv,
    Format::Ini,
    Format::Binary,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let _ = Sealed::parse(FORMATS[pick as usize % FORMATS.len()], input);
});
