//! Findings for people (one line each, grouped by file, a summary; colour on a terminal) and for
//! scripts (`--output json`).

use std::io::Write;

use platform_cli::colour::{paint, Style};

use crate::rules::Finding;

pub fn human(findings: &mut [Finding], color: bool, out: &mut dyn Write) -> std::io::Result<()> {
    findings.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    for f in findings.iter() {
        let at = format!("{}:{}:{}:", f.file, f.line, f.column);
        let hook = format!("[{}]", f.hook.id());
        let (at, hook) = (
            paint(&at, Style::Bold, color),
            paint(&hook, Style::Red, color),
        );
        write!(out, "{at} {hook} {}", f.message)?;
        if !f.fix.is_empty() {
            write!(out, " (fix: {})", f.fix)?;
        }
        writeln!(out)?;
    }
    let files = {
        let mut v: Vec<&str> = findings.iter().map(|f| f.file.as_str()).collect();
        v.dedup();
        v.len()
    };
    if !findings.is_empty() {
        writeln!(out, "{} problem(s) in {} file(s)", findings.len(), files)?;
    }
    Ok(())
}
