//! The edge every binary of the workspace shares: how an error is said (`tool: error: what`,
//! each cause once), when there is colour (`--color`, and anstream's reading of the terminal and
//! `NO_COLOR`/`CLICOLOR_FORCE`), the shell completion
//! scripts and the manual page made from its clap definition (what the release archives
//! install), and output that ends quietly at a closed pipe (`... | head -1`).

pub mod colour;
pub mod exit;

/// The flags every tool that writes files takes, defined once.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct WriteFlags {
    /// Write read-only files, and files with other hard links (breaking the link), which are otherwise refused
    #[arg(long, global = true)]
    pub force: bool,
}

use std::io::{self, Write};

pub use clap_complete::Shell;

/// A duration as the tools take it on the command line: a number and a unit, `500ms`, `5s`,
/// `30m`, `72h`, `2d` (decimals allowed: `1.5h`). The unit is required, so `--ttl 72` is an
/// error rather than 72 seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
        .ok_or_else(|| {
            format!("`{s}` is not a duration: write a number and a unit, e.g. 72h or 500ms")
        })?;
    let seconds = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86_400.0,
        "" => {
            return Err(format!(
                "`{s}` has no unit: add one of ms, s, m, h, d (e.g. {s}h)"
            ))
        }
        _ => return Err(format!("`{s}`: the unit must be ms, s, m, h or d")),
    };
    std::time::Duration::try_from_secs_f64(seconds).map_err(|e| format!("`{s}`: {e}"))
}

/// The one table style of every tool, as kubectl prints its own: a header of capitals, columns
/// padded to their widest cell and two spaces apart, no trailing spaces. One line a row, the
/// header first.
pub fn table<S: AsRef<str>>(header: &[&str], rows: &[Vec<S>]) -> Vec<String> {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.as_ref().chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    std::iter::once(line(header.to_vec()))
        .chain(
            rows.iter()
                .map(|r| line(r.iter().map(AsRef::as_ref).collect())),
        )
        .collect()
}

/// `err` and its causes in one line, each said once: a cause whose text is already in the
/// message before it (thiserror's `cannot read X: {source}`, then the source again as a cause)
/// is not repeated.
pub fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut said = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !said.contains(&text) {
            said.push_str(": ");
            said.push_str(&text);
        }
        cause = c.source();
    }
    said
}

/// Prints `tool: error: <what went wrong, each cause once>` on standard error.
pub fn print_error(tool: &str, err: &(dyn std::error::Error + 'static)) {
    print_error_message(tool, &describe(err));
}

/// Prints `tool: error: <message>` on standard error.
pub fn print_error_message(tool: &str, message: &str) {
    let on = colour::on_stderr();
    let label = colour::paint(
        &colour::paint("error:", colour::Style::Red, on),
        colour::Style::Bold,
        on,
    );
    let _ = writeln!(io::stderr().lock(), "{tool}: {label} {message}");
}

/// Asks `question` on the terminal (`[y/N]`); None when standard input is not a terminal to
/// ask on (a script must pass its own `--yes`).
pub fn confirm(question: &str) -> io::Result<Option<bool>> {
    use std::io::IsTerminal;
    if !io::stdin().is_terminal() {
        return Ok(None);
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    io::stdin().read_line(&mut answer)?;
    Ok(Some(matches!(answer.trim(), "y" | "Y" | "yes")))
}

/// Every argument and flag of `cmd` and its subcommands that `--help` would show without a word
/// of help, as `subcommand path: --flag`: a test asserts there are none.
pub fn undocumented(cmd: &clap::Command) -> Vec<String> {
    let mut out = Vec::new();
    collect_undocumented(cmd, cmd.get_name(), &mut out);
    out
}

/// A test that `--help` of the clap `Parser` type `$cli` describes every argument and flag;
/// each binary states it once, beside its definition: `platform_cli::every_argument_has_help!(Cli);`
#[macro_export]
macro_rules! every_argument_has_help {
    ($cli:ty) => {
        #[cfg(test)]
        #[test]
        fn every_argument_and_flag_has_help() {
            let cmd = <$cli as clap::CommandFactory>::command();
            assert_eq!($crate::undocumented(&cmd), Vec::<String>::new());
        }
    };
}

fn collect_undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    for arg in cmd.get_arguments() {
        let builtin = matches!(arg.get_id().as_str(), "help" | "version");
        if arg.is_hide_set() || builtin || arg.get_help().is_some() {
            continue;
        }
        let name = match (arg.get_long(), arg.get_short()) {
            (Some(l), _) => format!("--{l}"),
            (None, Some(s)) => format!("-{s}"),
            (None, None) => format!("<{}>", arg.get_id()),
        };
        out.push(format!("{path}: {name}"));
    }
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        if sub.get_about().is_none() {
            out.push(format!("{path} {}: (no description)", sub.get_name()));
        }
        collect_undocumented(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

/// The completion script for `shell`, as clap_complete writes it for `cmd`.
pub fn completion_script(cmd: &mut clap::Command, shell: Shell) -> Vec<u8> {
    let name = cmd.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(shell, cmd, name.clone(), &mut script);
    if shell == Shell::Bash && name.contains('-') {
        // clap_complete's bash script names a subcommand's state `tool__name__subcmd__x` where it
        // walks the words, but `tool__subcmd__name__subcmd__x` in the case that completes it, for
        // a binary with a dash in its name: nothing after the subcommand would complete.
        let text = String::from_utf8_lossy(&script).into_owned();
        let wrong = format!("{}__subcmd__", name.replace('-', "__subcmd__"));
        let right = format!("{}__subcmd__", name.replace('-', "__"));
        script = text.replace(&wrong, &right).into_bytes();
    }
    script
}

/// The manual page (roff) of `cmd`, section 1, whole: the tool's synopsis and options, then
/// for each subcommand (and theirs) a section with its synopsis, description and every flag.
/// The subcommands are named `tool sub`, not as references to pages of their own.
pub fn man_page(cmd: clap::Command) -> Vec<u8> {
    let mut cmd = cmd;
    cmd.build();
    let name = cmd.get_name().to_string();
    let mut page = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    let render = |r: std::io::Result<()>| r.expect("rendering to memory cannot fail");
    render(man.render_title(&mut page));
    render(man.render_name_section(&mut page));
    render(man.render_synopsis_section(&mut page));
    render(man.render_description_section(&mut page));
    render(man.render_options_section(&mut page));
    render_subcommands(&cmd, &name, &mut page);
    if cmd.get_version().is_some() {
        render(man.render_version_section(&mut page));
    }
    page
}

fn render_subcommands(cmd: &clap::Command, path: &str, page: &mut Vec<u8>) {
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let full = format!("{path} {}", sub.get_name());
        let sub = sub.clone().bin_name(full.clone());
        let _ = writeln!(page, ".SH \"{}\"", full.replace('-', "\\-"));
        let man = clap_mangen::Man::new(sub.clone());
        // The sub-sections of one subcommand, each under its own heading as the man page shows it.
        let mut part = Vec::new();
        man.render_synopsis_section(&mut part)
            .and_then(|()| man.render_description_section(&mut part))
            .and_then(|()| man.render_options_section(&mut part))
            .expect("rendering to memory cannot fail");
        let text = String::from_utf8_lossy(&part).replace(".SH ", ".SS ");
        page.extend_from_slice(text.as_bytes());
        render_subcommands(&sub, &full, page);
    }
}

/// A command that only prints ends quietly when its reader goes away (`tool list | head -1`), as
/// `ls` and `cat` do: SIGPIPE gets its default action back, which Rust's runtime sets aside (it
/// would otherwise panic in `println!`). Not for a command that hands data to a child through a
/// pipe or FIFO (`tofu-envs run`, `secret-seal exec-file`, `kubectl vteam exec`): a child that
/// closes it early must be an error to report and clean up after, not a silent death.
pub fn end_quietly_at_closed_pipe() {
    sigpipe::reset();
}

/// Writes `bytes` to standard output. A reader that went away is not an error: whoever closed
/// the pipe has what they wanted.
pub fn print_bytes(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli() -> clap::Command {
        clap::Command::new("tool")
            .about("does things")
            .subcommand(clap::Command::new("list").about("lists things"))
    }

    #[derive(Debug, thiserror::Error)]
    #[error("cannot write {path}: {source}")]
    struct Write {
        path: String,
        source: std::io::Error,
    }

    #[test]
    fn each_cause_is_said_once() {
        let err = Write {
            path: "keys.txt".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        assert_eq!(describe(&err), "cannot write keys.txt: entity not found");
        let wrapped = anyhow::Error::new(err).context("writing the identity");
        assert_eq!(
            describe(wrapped.as_ref()),
            "writing the identity: cannot write keys.txt: entity not found"
        );
    }

    #[test]
    fn tables_pad_columns_two_spaces_apart() {
        let rows = vec![vec!["team-a", "dev", ""], vec!["b", "production", "x"]];
        assert_eq!(
            table(&["TEAM", "ENV", "NOTE"], &rows),
            [
                "TEAM    ENV         NOTE",
                "team-a  dev",
                "b       production  x"
            ]
        );
    }

    #[test]
    fn durations_need_a_unit() {
        use std::time::Duration;
        assert_eq!(parse_duration("72h"), Ok(Duration::from_secs(72 * 3600)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5m"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert!(parse_duration("72").unwrap_err().contains("no unit"));
        assert!(parse_duration("3w")
            .unwrap_err()
            .contains("ms, s, m, h or d"));
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn undocumented_finds_flags_and_positionals_without_help() {
        let cmd = clap::Command::new("tool")
            .arg(clap::Arg::new("file"))
            .arg(clap::Arg::new("quiet").long("quiet").help("say less"))
            .subcommand(clap::Command::new("list").arg(clap::Arg::new("all").long("all")));
        assert_eq!(
            undocumented(&cmd),
            [
                "tool: <file>",
                "tool list: (no description)",
                "tool list: --all"
            ]
        );
    }

    #[test]
    fn completions_name_the_binary_and_its_subcommands() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = String::from_utf8(completion_script(&mut cli(), shell)).unwrap();
            assert!(script.contains("tool"), "{shell}: {script}");
            assert!(script.contains("list"), "{shell}: {script}");
        }
    }

    #[test]
    fn the_man_page_documents_every_subcommand_and_its_flags() {
        let cmd = cli().subcommand(
            clap::Command::new("show")
                .about("shows a thing")
                .arg(clap::Arg::new("wide").long("wide").help("every column")),
        );
        let page = String::from_utf8(man_page(cmd)).unwrap();
        assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{page}");
        assert!(page.contains(".SH NAME\ntool \\- does things"), "{page}");
        assert!(page.contains(".SH \"tool list\""), "{page}");
        assert!(page.contains(".SH \"tool show\""), "{page}");
        assert!(
            page.contains("\\-\\-wide") && page.contains("every column"),
            "{page}"
        );
        assert!(
            !page.contains("(1)"),
            "no page of its own is referred to: {page}"
        );
    }
}
