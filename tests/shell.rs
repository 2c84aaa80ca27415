//! What a shell sees of every tool: colour as `--color`, `NO_COLOR` and `CLICOLOR_FORCE` ask
//! for it, and bash completing every subcommand's flags through the scripts the tools print.

use std::process::Command;

mod support;
use support::{succeeded as ok, text, tool};

#[test]
fn colour_follows_the_color_flag_then_no_color_then_clicolor_force() {
    let home = tempfile::tempdir().unwrap();
    let failing: [(&str, &[&str]); 4] = [
        ("secret-seal", &["decrypt", "missing.yaml"]),
        ("tofu-envs", &["--root", "/nonexistent", "list"]),
        ("kubectl-vteam", &["use", "team-a"]),
        ("platform-hooks", &["fix", "/nonexistent.secrets.yaml"]),
    ];
    let red_label = "\u{1b}[31merror:";
    for (name, args) in failing {
        let said = |flag: Option<&str>, vars: &[(&str, &str)]| {
            let mut c = tool(name, home.path());
            c.env_remove("NO_COLOR").envs(vars.iter().copied());
            if let Some(f) = flag {
                c.arg(f);
            }
            let out = c.args(args).output().unwrap();
            assert!(!out.status.success(), "{name} {args:?} is meant to fail");
            text(&out.stderr)
        };
        let coloured = |flag, vars: &[(&str, &str)]| said(flag, vars).contains(red_label);
        assert!(!coloured(None, &[]), "{name}: a pipe is not coloured");
        assert!(coloured(None, &[("CLICOLOR_FORCE", "1")]), "{name}");
        assert!(
            !coloured(None, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]),
            "{name}: NO_COLOR wins over CLICOLOR_FORCE"
        );
        assert!(
            coloured(Some("--color=always"), &[("NO_COLOR", "1")]),
            "{name}: the flag wins"
        );
        assert!(
            !coloured(Some("--color=never"), &[("CLICOLOR_FORCE", "1")]),
            "{name}: the flag wins"
        );
        assert_eq!(
            said(Some("--color=never"), &[("CLICOLOR_FORCE", "1")]),
            said(None, &[]),
            "{name}: without colour the words are the same"
        );
    }
}

#[test]
fn bash_completes_every_subcommands_flags_for_every_tool() {
    each_tool("bash", |name, file, home| {
        let subcommands = subcommands(name, home);
        assert!(!subcommands.is_empty(), "{name} lists no subcommands");
        for sub in subcommands {
            let flags = long_flags(name, &sub, home);
            // What bash offers after `NAME SUB --`, through the script's own function.
            let function = std::fs::read_to_string(file)
                .unwrap()
                .lines()
                .find_map(|l| l.strip_suffix("() {").map(str::to_string))
                .unwrap();
            let program = format!(
                "source {}; COMP_WORDS=({name} {sub} --); COMP_CWORD=2; {function} {name} -- {sub}; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                file.display()
            );
            let offered = ok(
                &format!("bash completion of {name} {sub}"),
                Command::new("bash")
                    .args(["-c", &program])
                    // kubectl-vteam's script asks the binary itself (`__complete`).
                    .env("PATH", with_bins_on_path())
                    .output()
                    .unwrap(),
            );
            for flag in flags {
                assert!(
                    offered.lines().any(|l| l == flag),
                    "{name} {sub}: bash does not offer {flag}; it offers:\n{offered}"
                );
            }
        }
    });
}

/// PATH with the workspace's binaries first.
fn with_bins_on_path() -> String {
    let bins = support::bin("kubectl-vteam");
    let dir = bins.parent().unwrap();
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn fish_completes_every_subcommands_flags_for_every_tool() {
    each_tool("fish", |name, file, home| {
        for sub in subcommands(name, home) {
            let program = format!("source {}; complete -C '{name} {sub} --'", file.display());
            let out = Command::new("fish")
                .args(["--no-config", "-c", &program])
                .env("PATH", with_bins_on_path())
                .env("HOME", home)
                .output()
                .unwrap();
            let offered: Vec<String> = text(&out.stdout)
                .lines()
                .map(|l| l.split('\t').next().unwrap_or("").to_string())
                .collect();
            for flag in long_flags(name, &sub, home) {
                assert!(
                    offered.contains(&flag),
                    "{name} {sub}: fish does not offer {flag}; it offers {offered:?}"
                );
            }
        }
    });
}

/// The four tools, each with its completion script for `shell`, in a home of their own; None
/// (after saying why) when `shell` is not installed.
fn each_tool(shell: &str, mut check: impl FnMut(&str, &std::path::Path, &std::path::Path)) {
    if shell != "bash"
        && test_peers::require(
            test_peers::find(shell),
            shell,
            &format!("apt-get install {shell}"),
        )
        .is_none()
    {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    for name in [
        "secret-seal",
        "tofu-envs",
        "platform-hooks",
        "kubectl-vteam",
    ] {
        let file = completion_script(name, shell, home.path());
        check(name, &file, home.path());
    }
}

/// The subcommands `NAME --help` lists.
fn subcommands(name: &str, home: &std::path::Path) -> Vec<String> {
    let help = ok(
        &format!("{name} --help"),
        tool(name, home).arg("--help").output().unwrap(),
    );
    support::listed_subcommands(&help)
}

/// The completion script `NAME completions SHELL` prints, written to a file in `home`.
fn completion_script(name: &str, shell: &str, home: &std::path::Path) -> std::path::PathBuf {
    let script = ok(
        &format!("{name} completions {shell}"),
        tool(name, home)
            .args(["completions", shell])
            .output()
            .unwrap(),
    );
    let file = home.join(format!("{name}.{shell}"));
    std::fs::write(&file, &script).unwrap();
    file
}

/// The long flags `NAME SUB --help` documents.
fn long_flags(name: &str, sub: &str, home: &std::path::Path) -> Vec<String> {
    let help = ok(
        &format!("{name} {sub} --help"),
        tool(name, home).args([sub, "--help"]).output().unwrap(),
    );
    help.split_whitespace()
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| w.trim_end_matches([',', '.']).to_string())
        .filter(|w| {
            w.chars()
                .skip(2)
                .all(|c| c.is_ascii_lowercase() || c == '-')
        })
        .collect()
}

/// zsh completes only in an interactive shell: each check types `NAME SUB <flag but its last
/// letter>` and TAB into one under a pseudo-terminal (zsh's own zpty) and waits for the whole
/// flag to appear, completed or listed.
#[test]
fn zsh_completes_every_subcommands_flags_for_every_tool() {
    each_tool("zsh", |name, file, home| {
        let function = std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .find_map(|l| {
                l.strip_suffix("() {")
                    .filter(|f| f.starts_with('_'))
                    .map(str::to_string)
            })
            .unwrap();
        for sub in subcommands(name, home) {
            let flags = long_flags(name, &sub, home);
            let mut script = format!(
                "zmodload zsh/zpty\nzpty z zsh -f -i\nzpty -w z \"PS1='> '; autoload -Uz compinit; compinit -u -D; source {}; compdef {function} {name}\"\n",
                file.display()
            );
            for flag in &flags {
                let typed = &flag[..flag.len() - 1];
                script.push_str(&format!(
                    "zpty -w -n z $'\\x15{name} {sub} {typed}\\t'\nzpty -r z out '*{flag}*'\nprint -r -- 'offered {flag}'\n"
                ));
            }
            script.push_str("zpty -d z\n");
            let out = Command::new("timeout")
                .args(["60", "zsh", "-f", "-c", &script])
                .env("PATH", with_bins_on_path())
                .env("HOME", home)
                .output()
                .unwrap();
            let said = text(&out.stdout);
            for flag in &flags {
                assert!(
                    said.lines().any(|l| l == format!("offered {flag}")),
                    "{name} {sub}: zsh does not offer {flag} (offered so far: {:?})",
                    said.lines()
                        .filter(|l| l.starts_with("offered"))
                        .collect::<Vec<_>>()
                );
            }
        }
    });
}
