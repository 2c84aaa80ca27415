//! Rows as a table or as JSON (`--output json`), and the `TF_VAR_*` of this process.

use super::{Failure, Output};

pub(super) fn env_vars() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("TF_VAR_"))
        .collect()
}

/// Rows as JSON (`--output json`) or as a table.
pub(super) fn emit<T: serde::Serialize>(
    output: Output,
    rows: &[T],
    header: &[&str],
    cells: impl Fn(&T) -> Vec<String>,
) -> Result<(), Failure> {
    if output == Output::Json {
        json(&rows)
    } else {
        table(header, &rows.iter().map(cells).collect::<Vec<_>>());
        Ok(())
    }
}

pub(super) fn json<T: serde::Serialize>(v: &T) -> Result<(), Failure> {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("rows serialize")
    );
    Ok(())
}

fn table(header: &[&str], rows: &[Vec<String>]) {
    for line in platform_cli::table(header, rows) {
        println!("{line}");
    }
}
