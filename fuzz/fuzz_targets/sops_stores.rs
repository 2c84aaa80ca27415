//! The plaintext stores secret-seal encrypts from (the first byte picks YAML, JSON, dotenv, INI
//! or tfvars): never a panic, and what is accepted is written back in a form read back the same
//! ("what encrypt accepts, decrypt reads back").
#![no_main]

use libfuzzer_sys::fuzz_target;
use secret_seal::store::{emit_plain, load_plain, EmitOptions};
use secret_seal::{Branch, Format, Value};

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
    // yaml.v3 writes the float -0 as `-0`, which it reads back as the integer 0: sops's own
    // plaintext is no fixed point there (a sealed value keeps its type tag, so it round-trips).
    if tree.branches.iter().any(has_negative_zero) {
        return;
    }
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

fn has_negative_zero(b: &Branch) -> bool {
    fn value(v: &Value) -> bool {
        match v {
            Value::Float(f) => *f == 0.0 && f.is_sign_negative(),
            Value::Map(b) => has_negative_zero(b),
            Value::Seq(items) => items.iter().any(value),
            _ => false,
        }
    }
    b.0.iter().any(|i| value(&i.value))
}
