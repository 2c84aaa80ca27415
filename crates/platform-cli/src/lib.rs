//! The edge every binary of the workspace shares: the shell completion scripts and the manual
//! page made from its clap definition (what the release archives install), written to standard
//! output so that a closed pipe (`... | head -1`) ends the command quietly instead of a panic.

use std::io::{self, Write};

pub use clap_complete::Shell;

/// The completion script for `shell`, as clap_complete writes it for `cmd`.
pub fn completion_script(cmd: &mut clap::Command, shell: Shell) -> Vec<u8> {
    let name = cmd.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(shell, cmd, name, &mut script);
    script
}

/// The manual page (roff) of `cmd`, section 1, with one SUBCOMMANDS entry per subcommand.
pub fn man_page(cmd: clap::Command) -> Vec<u8> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut page)
        .expect("rendering to memory cannot fail");
    page
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

    #[test]
    fn completions_name_the_binary_and_its_subcommands() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = String::from_utf8(completion_script(&mut cli(), shell)).unwrap();
            assert!(script.contains("tool"), "{shell}: {script}");
            assert!(script.contains("list"), "{shell}: {script}");
        }
    }

    #[test]
    fn the_man_page_has_the_name_section_and_the_subcommands() {
        let page = String::from_utf8(man_page(cli())).unwrap();
        assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{page}");
        assert!(page.contains(".SH NAME\ntool \\- does things"), "{page}");
        assert!(page.contains("tool\\-list"), "{page}");
    }
}
