//! Shell completion as kubectl >= 1.26 asks plugins for it: `kubectl_complete-vteam` gets the
//! words after `vteam` with the word being completed last (empty for a new word) and prints one
//! candidate per line, then cobra's directive line (`:4` = no file completion).

/// Subcommands and what each completes next.
pub const SUBCOMMANDS: &[(&str, &str)] = &[
    ("list", "list the teams and their vclusters"),
    ("use", "switch kubectl to a team's vcluster"),
    ("current", "show the current team"),
    ("ns", "set the namespace of the current context"),
    ("shell", "a sub-shell in a team's vcluster"),
    ("env", "print `export KUBECONFIG=...` for eval"),
    ("exec", "run a command in one team's vcluster or all"),
    ("status", "check every team's API server"),
    ("publish", "store teams' kubeconfigs in Vault"),
    (
        "credential",
        "kubectl's exec plugin for a team kept in Vault",
    ),
    ("completions", "print a completion script"),
    ("man", "print the manual page"),
];

const FLAGS_WITH_VALUE: &[&str] = &[
    "--kubeconfig",
    "--context",
    "-n",
    "--namespace",
    "--env",
    "--root",
    "--host-kubeconfig",
    "--request-timeout",
    "-o",
    "--output",
    "--shell",
    "--vault",
];

/// The flags every subcommand takes (kubectl's and ours).
pub const GLOBAL_FLAGS: &[&str] = &[
    "--kubeconfig",
    "--context",
    "--namespace",
    "--env",
    "--root",
    "--from-cluster",
    "--host-kubeconfig",
    "--request-timeout",
    "--force",
    "--color",
    "--vault",
    "--allow-exec",
    "--help",
];

/// The flags after `sub` (none: before any subcommand): its own and the global ones (`ns` takes
/// its namespace as an argument, not `--namespace`). A test holds this to the clap definition.
pub fn flags(sub: &str) -> Vec<&'static str> {
    let own: &[&str] = match sub {
        "list" | "status" => &["--output"],
        "env" => &["--unset", "--shell"],
        "exec" | "publish" => &["--all"],
        _ => &[],
    };
    own.iter()
        .chain(GLOBAL_FLAGS)
        .copied()
        .filter(|f| !(sub == "ns" && *f == "--namespace"))
        .collect()
}

const NO_FILE_COMPLETION: &str = ":4";

/// Prints the candidates for `words`, team names read from the layout (`--root`/`--env` among
/// the words are honoured, else `PLATFORM_ROOT`, `TOFU_ENV` and the working directory). A layout
/// that cannot be read completes no teams rather than failing the user's shell.
pub fn print(words: &[String]) -> i32 {
    use std::io::Write;
    let lines = complete(words, || {
        let envs = crate::teams::envs(&flag_values(words, "--env"));
        let root = flag_values(words, "--root")
            .pop()
            .map(std::path::PathBuf::from);
        let layout = crate::layout::Layout::find(root.as_deref()).ok().flatten();
        crate::teams::Teams::discover(&crate::teams::Options {
            layout: layout.as_ref(),
            envs: &envs,
            cluster: None,
            vault: None,
            allow_exec: false,
            details: false,
        })
        .map(|t| t.teams.iter().map(|team| team.key(t.qualified)).collect())
        .unwrap_or_default()
    });
    let mut out = std::io::stdout().lock();
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
    0
}

/// The completion script for the standalone `kubectl-vteam` in bash, zsh or fish: each asks
/// `kubectl-vteam __complete` for the candidates, so team names are completed as kubectl's own
/// completion (through `kubectl_complete-vteam`) completes them. Other shells get clap's static
/// script (subcommands and flags, no team names): `None` here.
pub fn script(shell: platform_cli::Shell) -> Option<Vec<u8>> {
    let text = match shell {
        platform_cli::Shell::Bash => BASH,
        platform_cli::Shell::Zsh => ZSH,
        platform_cli::Shell::Fish => FISH,
        _ => return None,
    };
    Some(text.as_bytes().to_vec())
}

// The last line of `__complete` is cobra's directive: `:0` lets the shell complete paths, `:4`
// (no file completion) means the lines before it are all the candidates.
const BASH: &str = r#"# bash completion for kubectl-vteam (team names from `kubectl-vteam __complete`)
_kubectl_vteam() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    local IFS=$'\n'
    local -a out
    out=($(kubectl-vteam __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
    local directive=${out[${#out[@]}-1]}
    unset "out[${#out[@]}-1]"
    if [[ $directive == :0 ]]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    else
        COMPREPLY=("${out[@]}")
    fi
}
complete -F _kubectl_vteam kubectl-vteam
"#;

const ZSH: &str = r#"#compdef kubectl-vteam
# zsh completion for kubectl-vteam (team names from `kubectl-vteam __complete`)
_kubectl_vteam() {
    local -a out
    out=("${(@f)$(kubectl-vteam __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    local directive=${out[-1]}
    out=("${(@)out[1,-2]}")
    if [[ $directive == :0 ]]; then
        _files
    else
        compadd -- "${out[@]}"
    fi
}
if [ "$funcstack[1]" = "_kubectl_vteam" ]; then
    _kubectl_vteam "$@"
else
    compdef _kubectl_vteam kubectl-vteam
fi
"#;

const FISH: &str = r#"# fish completion for kubectl-vteam (team names from `kubectl-vteam __complete`)
function __kubectl_vteam_complete
    set -l words (commandline -opc) (commandline -ct)
    set -e words[1]
    set -l out (kubectl-vteam __complete $words 2>/dev/null)
    set -l directive $out[-1]
    set -e out[-1]
    if test "$directive" = ":0"
        __fish_complete_path (commandline -ct)
    else
        printf '%s\n' $out
    end
end
complete -c kubectl-vteam -f -a '(__kubectl_vteam_complete)'
"#;

fn flag_values(words: &[String], flag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if w == flag {
            if let Some(v) = it.next() {
                out.push(v.clone());
            }
        } else if let Some(v) = w.strip_prefix(&format!("{flag}=")) {
            out.push(v.to_string());
        }
    }
    out
}

/// Candidates for the last word of `words`; `teams` is only called when team names are wanted.
pub fn complete(words: &[String], teams: impl FnOnce() -> Vec<String>) -> Vec<String> {
    let (current, before) = match words.split_last() {
        Some((c, b)) => (c.as_str(), b),
        None => ("", &[][..]),
    };
    let mut out: Vec<String> = Vec::new();
    if before
        .last()
        .is_some_and(|w| FLAGS_WITH_VALUE.contains(&w.as_str()))
    {
        let flag = before.last().map(String::as_str).unwrap_or_default();
        if flag == "-o" || flag == "--output" {
            out.extend(["table", "json", "name"].map(String::from));
        }
        if flag == "--shell" {
            out.extend(["bash", "zsh", "fish", "powershell"].map(String::from));
        }
        if flag == "--kubeconfig" || flag == "--root" || flag == "--host-kubeconfig" {
            // Let the shell complete paths.
            return vec![":0".into()];
        }
        return finish(out, current);
    }
    let positional = positionals(before);
    let after_dashes = before.iter().any(|w| w == "--");
    if current.starts_with('-') && !after_dashes {
        let sub = positional.first().map(String::as_str).unwrap_or("");
        out.extend(flags(sub).into_iter().map(String::from));
        return finish(out, current);
    }
    match positional.first().map(String::as_str) {
        None => out.extend(SUBCOMMANDS.iter().map(|(n, _)| n.to_string())),
        Some("use") if positional.len() == 1 => {
            out.extend(teams());
            out.push("-".into());
        }
        Some("shell" | "env" | "credential") if positional.len() == 1 => out.extend(teams()),
        Some("publish") => {
            out.extend(teams());
            out.push("--all".into());
        }
        Some("exec") if positional.len() == 1 && !before.iter().any(|w| w == "--") => {
            out.extend(teams());
            out.push("--all".into());
        }
        Some("completions") if positional.len() == 1 => {
            out.extend(["bash", "zsh", "fish", "elvish", "powershell"].map(String::from));
        }
        _ => {}
    }
    finish(out, current)
}

fn finish(mut out: Vec<String>, current: &str) -> Vec<String> {
    out.retain(|c| c.starts_with(current));
    out.push(NO_FILE_COMPLETION.into());
    out
}

/// The words that are not flags or flag values.
fn positionals(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = false;
    for w in words {
        if skip {
            skip = false;
            continue;
        }
        if w == "--" {
            break;
        }
        if w.starts_with('-') {
            skip = FLAGS_WITH_VALUE.contains(&w.as_str());
            continue;
        }
        out.push(w.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(words: &[&str]) -> Vec<String> {
        let words: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        complete(&words, || vec!["team-a".into(), "team-b".into()])
    }

    #[test]
    fn completes_subcommands_teams_and_flag_values() {
        assert_eq!(c(&["u"]), ["use", ":4"]);
        assert_eq!(c(&["use", ""]), ["team-a", "team-b", "-", ":4"]);
        assert_eq!(
            c(&["--env", "prod", "use", "team-"]),
            ["team-a", "team-b", ":4"]
        );
        assert_eq!(c(&["exec", "--a"]), ["--all", "--allow-exec", ":4"]);
        assert_eq!(c(&["env", "--s"]), ["--shell", ":4"]);
        assert_eq!(c(&["exec", "team-a", "--", "kubectl", "--"]), [":4"]);
        assert_eq!(c(&["list", "-o", "j"]), ["json", ":4"]);
        assert_eq!(c(&["use", "team-a", ""]), [":4"]);
    }
}
