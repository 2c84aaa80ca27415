//! When output is coloured, decided once for every tool: `--color auto|always|never`, and in
//! `auto` what anstream reads from the environment as other command-line tools do: a terminal,
//! unless `NO_COLOR` is set (no-color.org) or `TERM=dumb`; `CLICOLOR_FORCE` colours a pipe too.

use owo_colors::OwoColorize;

/// `--color`'s values.
#[derive(clap::ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum When {
    #[default]
    Auto,
    Always,
    Never,
}

/// The `--color` flag every tool takes, defined once.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct ColourFlag {
    /// When to colour output: auto (a terminal, unless NO_COLOR is set; CLICOLOR_FORCE forces it), always or never
    #[arg(
        long = "color",
        value_enum,
        global = true,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub when: When,
}

impl ColourFlag {
    /// Makes the choice the process's own; call once, first thing after parsing.
    pub fn apply(self) {
        let choice = match self.when {
            When::Auto => anstream::ColorChoice::Auto,
            When::Always => anstream::ColorChoice::Always,
            When::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();
    }
}

/// Whether what goes to standard output is coloured.
pub fn on_stdout() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

/// Whether what goes to standard error is coloured.
pub fn on_stderr() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// The styles the tools use: bold for headers and places, red for failures, green for the
/// current choice, yellow for warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Bold,
    Red,
    Green,
    Yellow,
}

/// `text` in `style` when `on`, else as it is.
pub fn paint(text: &str, style: Style, on: bool) -> String {
    if !on {
        return text.to_string();
    }
    match style {
        Style::Bold => text.bold().to_string(),
        Style::Red => text.red().to_string(),
        Style::Green => text.green().to_string(),
        Style::Yellow => text.yellow().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_adds_escapes_only_when_on() {
        assert_eq!(paint("x", Style::Red, false), "x");
        assert_eq!(paint("x", Style::Red, true), "\u{1b}[31mx\u{1b}[39m");
    }
}
