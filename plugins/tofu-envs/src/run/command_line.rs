//! A tofu command line as tofu reads it: which word is the subcommand, which are its positional
//! arguments, and so whether the environment's var files go in (`apply PLANFILE` takes none).

/// Commands that take variables (terragrunt's `get_terraform_commands_that_need_vars`).
pub(crate) const NEEDS_VARS: [&str; 7] = [
    "apply", "console", "destroy", "import", "plan", "push", "refresh",
];

/// Flags of tofu's commands that take a value. Go's flag package, which tofu uses, takes it as
/// `-flag=value` or as the next word (`-var k=v`, `-target R`); boolean flags never take the
/// next word. Knowing which is which is what tells `apply PLANFILE` from `apply -target R`.
const VALUE_FLAGS: [&str; 17] = [
    "var",
    "var-file",
    "target",
    "target-file",
    "exclude",
    "exclude-file",
    "replace",
    "lock-timeout",
    "parallelism",
    "state",
    "state-out",
    "backup",
    "out",
    "generate-config-out",
    "config",
    "provider",
    "chdir",
];

/// A tofu command line as tofu reads it: global options, the subcommand, and the subcommand's
/// positional arguments (flags and their values left out).
pub(crate) struct CommandLine<'a> {
    /// Index of the subcommand in the arguments.
    pub(crate) at: usize,
    pub(crate) command: &'a str,
    pub(crate) positionals: Vec<&'a str>,
}

impl<'a> CommandLine<'a> {
    pub(crate) fn parse(args: &'a [String]) -> Option<CommandLine<'a>> {
        let mut i = 0;
        // Global options (`-chdir=DIR`, `-help`, `-version`) come before the subcommand.
        while i < args.len() && args[i].starts_with('-') {
            i += 1 + usize::from(takes_next_word(&args[i]));
        }
        let command = args.get(i)?.as_str();
        let mut positionals = Vec::new();
        let mut j = i + 1;
        while j < args.len() {
            let a = args[j].as_str();
            if a == "--" {
                positionals.extend(args[j + 1..].iter().map(String::as_str));
                break;
            }
            if a.starts_with('-') && a != "-" {
                j += 1 + usize::from(takes_next_word(a));
            } else {
                positionals.push(a);
                j += 1;
            }
        }
        Some(CommandLine {
            at: i,
            command,
            positionals,
        })
    }
}

/// `-var` (no `=value`): its value is the next word.
fn takes_next_word(flag: &str) -> bool {
    let name = flag.trim_start_matches('-');
    !name.contains('=') && VALUE_FLAGS.contains(&name)
}

/// The tofu subcommand (`plan`, `apply`...), global options skipped.
pub fn command_word(args: &[String]) -> Option<&str> {
    CommandLine::parse(args).map(|c| c.command)
}

/// Whether to pass var files: the command takes variables, and is not `apply PLANFILE`
/// (a saved plan carries its variables; tofu refuses new ones).
pub(crate) fn wants_vars(args: &[String]) -> bool {
    let Some(line) = CommandLine::parse(args) else {
        return false;
    };
    NEEDS_VARS.contains(&line.command) && (line.command != "apply" || line.positionals.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn flags_with_a_separate_value_are_not_a_plan_file() {
        for line in [
            "apply",
            "apply -auto-approve",
            "apply -var note=hotfix",
            "apply -var note=hotfix -auto-approve",
            "apply -target terraform_data.app",
            "apply -replace terraform_data.app -lock-timeout 30s -parallelism 2",
            "apply -var-file extra.tfvars",
            "apply --var=note=x",
            "-chdir=stacks/p apply -target x",
            "plan -out plan.bin",
            "destroy -target x",
        ] {
            assert!(
                wants_vars(&args(line)),
                "{line}: the env's values must go in"
            );
        }
        for line in [
            "apply plan.bin",
            "apply -auto-approve plan.bin",
            "apply -lock-timeout 30s plan.bin",
            "-chdir=x apply plan.bin",
            "init",
            "output -json",
            "-chdir=x init",
        ] {
            assert!(!wants_vars(&args(line)), "{line}: takes no var files");
        }
    }

    #[test]
    fn the_subcommand_is_found_after_global_options() {
        assert_eq!(command_word(&args("-chdir=x destroy")), Some("destroy"));
        assert_eq!(command_word(&args("-chdir x plan")), Some("plan"));
        assert_eq!(command_word(&args("-version")), None);
        let a = args("-chdir=x plan -var k=v");
        let line = CommandLine::parse(&a).unwrap();
        assert_eq!((line.at, line.command), (1, "plan"));
        assert!(line.positionals.is_empty());
    }
}
