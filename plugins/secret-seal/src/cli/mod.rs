//! The command line: parses sops-style flags, calls the library, maps errors to sops's exit codes.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use clap::{Args, Parser, Subcommand};
use secret_seal::error::code;
use secret_seal::store::EmitOptions;
use secret_seal::{
    atomic, config, keys, store, treepath, Error, Format, Recipient, Rule, SealOptions, Sealed,
    SealedFile, Tree, Value,
};

mod change;
mod exec;
mod files;
mod git;
mod rekey;
mod seal;

use change::{edit, set, unset};
use exec::{exec_env, exec_file, run_child};
use files::*;
use git::{git_setup, merge, textconv};
use rekey::{reseal, rotate, updatekeys};
use seal::{decrypt, encrypt, filestatus, keygen};

/// The formats `--input-type`/`--output-type` take. sops takes a typo for binary; here a typo is
/// an error, not a silent choice.
const FORMATS: [&str; 6] = ["yaml", "json", "dotenv", "ini", "binary", "tfvars"];

#[derive(Parser)]
#[command(
    name = "secret-seal",
    version,
    about = "SOPS-compatible encryption with age keys",
    max_term_width = 100
)]
struct Cli {
    #[command(flatten)]
    write: platform_cli::WriteFlags,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a new age identity (age-keygen's file format) and print its public key.
    Keygen {
        /// Write the identity here (mode 0600; never overwritten). Default: standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Encrypt a YAML, JSON, dotenv, INI or binary file into the SOPS format.
    Encrypt(EncryptArgs),
    /// Decrypt a SOPS file (age or PGP), verifying its MAC.
    Decrypt(DecryptArgs),
    /// Edit a sealed file in $SOPS_EDITOR/$EDITOR; unchanged values keep their ciphertext.
    Edit {
        /// The sealed file.
        file: PathBuf,
        /// Format of the file: yaml, json, dotenv, ini, binary or tfvars (default: from the extension).
        #[arg(long, value_parser = FORMATS)]
        input_type: Option<String>,
    },
    /// Set one value (a JSON literal), creating missing keys; re-sealed with the same data key.
    Set {
        /// The sealed file.
        file: PathBuf,
        /// Where, e.g. '["db"]["password"]'.
        path: String,
        /// The value as JSON, e.g. '"s3cret"' or '{"a": 1}'.
        value: Option<String>,
        /// Read the JSON value from this file.
        #[arg(long, conflicts_with_all = ["value", "value_stdin"])]
        value_file: Option<PathBuf>,
        /// Read the JSON value from standard input.
        #[arg(long, conflicts_with = "value")]
        value_stdin: bool,
        /// Write nothing when the value is already there.
        #[arg(long)]
        idempotent: bool,
        /// Format of the file: yaml, json, dotenv, ini, binary or tfvars (default: from the extension).
        #[arg(long, value_parser = FORMATS)]
        input_type: Option<String>,
    },
    /// Remove one key or list element.
    Unset {
        /// The sealed file.
        file: PathBuf,
        /// Where, e.g. '["db"]["password"]'.
        path: String,
        /// Succeed (and write nothing) when the path is not there.
        #[arg(long)]
        idempotent: bool,
        /// Format of the file: yaml, json, dotenv, ini, binary or tfvars (default: from the extension).
        #[arg(long, value_parser = FORMATS)]
        input_type: Option<String>,
    },
    /// New data key for a file, everything re-encrypted; optionally add or remove age recipients.
    Rotate {
        /// The sealed file.
        file: PathBuf,
        /// Write the result over the file (default: standard output).
        #[arg(short, long)]
        in_place: bool,
        /// age recipients to add, comma-separated.
        #[arg(long, value_delimiter = ',')]
        add_age: Vec<String>,
        /// age recipients to remove, comma-separated.
        #[arg(long, value_delimiter = ',')]
        rm_age: Vec<String>,
        /// Format of the file: yaml, json, dotenv, ini, binary or tfvars (default: from the extension).
        #[arg(long, value_parser = FORMATS)]
        input_type: Option<String>,
    },
    /// New data key and the recipients of the matching .sops.yaml rule, in one step, for each file.
    Reseal {
        /// The sealed files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Format of the file: yaml, json, dotenv, ini, binary or tfvars (default: from the extension).
        #[arg(long, value_parser = FORMATS)]
        input_type: Option<String>,
    },
    /// Sync each file's recipients with its .sops.yaml rule, keeping the data key.
    Updatekeys {
        /// The sealed files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Do not ask before writing.
        #[arg(short = 'y', long)]
        yes: bool,
        /// Format of the file: yaml, json, dotenv, ini, binary or tfvars (default: from the extension).
        #[arg(long, value_parser = FORMATS)]
        input_type: Option<String>,
    },
    /// Run a command with the file's top-level values as environment variables (child only).
    ExecEnv {
        /// The sealed file.
        file: PathBuf,
        /// Do not pass on this process's environment.
        #[arg(long)]
        pristine: bool,
        /// Prefix every name, e.g. TF_VAR_ so a sealed tfvars feeds tofu.
        #[arg(long, default_value = "")]
        prefix: String,
        /// Format of the file: yaml, json, dotenv, ini, binary or tfvars (default: from the extension).
        #[arg(long, value_parser = FORMATS)]
        input_type: Option<String>,
        /// The command (one argument is run by `sh -c`).
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Run a command with the decrypted file at `{}` (a FIFO; --no-fifo for a 0600 temp file).
    ExecFile {
        /// The sealed file.
        file: PathBuf,
        /// A private temp file instead of a FIFO, removed afterwards.
        #[arg(long)]
        no_fifo: bool,
        /// The name the command sees (default: the file's own name).
        #[arg(long)]
        filename: Option<String>,
        /// Format of the file: yaml, json, dotenv, ini, binary or tfvars (default: from the extension).
        #[arg(long, value_parser = FORMATS)]
        input_type: Option<String>,
        /// Format the command reads (default: the file's own).
        #[arg(long, value_parser = FORMATS)]
        output_type: Option<String>,
        /// The command; `{}` is replaced by the path (one argument is run by `sh -c`).
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Set up git so `git diff` / `git log -p` show sealed files decrypted for key holders, and `git merge` merges them value by value.
    GitSetup {
        /// The repository (default: the current directory's).
        #[arg(long)]
        repo: Option<PathBuf>,
    },
    /// git's merge driver (`git-setup` installs it): merges three versions of a sealed file value by value, for key holders; the result stays sealed.
    Merge {
        /// The common ancestor's version (git's %O).
        base: PathBuf,
        /// Our version, which the result replaces (git's %A).
        ours: PathBuf,
        /// Their version (git's %B).
        theirs: PathBuf,
        /// The file's path in the repository (git's %P), for its format and messages.
        path: Option<PathBuf>,
        /// Format of the file: yaml, json, dotenv, ini, binary or tfvars (default: from PATH's extension).
        #[arg(long, value_parser = FORMATS)]
        input_type: Option<String>,
    },
    /// git's textconv driver: a sealed file decrypted when a key opens it, else as it is.
    Textconv {
        /// The file git shows (sealed or not).
        file: PathBuf,
    },
    /// Shell completions: `secret-seal completions bash > /etc/bash_completion.d/secret-seal`.
    Completions {
        /// The shell to complete in.
        shell: platform_cli::Shell,
    },
    /// The manual page (roff): `secret-seal man > secret-seal.1`.
    Man,
    /// Print {"encrypted":true} or {"encrypted":false} for a file.
    Filestatus {
        /// The sealed file.
        file: PathBuf,
        /// Format of the file: yaml, json, dotenv, ini, binary or tfvars (default: from the extension).
        #[arg(long, value_parser = FORMATS)]
        input_type: Option<String>,
    },
}

#[derive(Args)]
struct IoArgs {
    /// The file to read; `-` or nothing reads standard input.
    file: Option<PathBuf>,
    /// Format of the input: yaml, json, dotenv, ini or binary (default: from the extension).
    #[arg(long, value_parser = FORMATS)]
    input_type: Option<String>,
    /// Format of the output (default: the input's).
    #[arg(long, value_parser = FORMATS)]
    output_type: Option<String>,
    /// Use this name for format detection and .sops.yaml matching (for standard input).
    #[arg(long)]
    filename_override: Option<PathBuf>,
    /// Write the result over the input file (atomically).
    #[arg(short, long)]
    in_place: bool,
    /// Write the result to this file (atomically) instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Indentation for YAML and JSON output.
    #[arg(long)]
    indent: Option<usize>,
    /// Path of the .sops.yaml to use (default: searched from the file's directory upward).
    #[arg(long, env = "SOPS_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(Args)]
struct EncryptArgs {
    #[command(flatten)]
    io: IoArgs,
    /// age recipients, comma-separated (overrides .sops.yaml).
    #[arg(short, long, env = "SOPS_AGE_RECIPIENTS")]
    age: Option<String>,
    /// PGP fingerprints, comma-separated (overrides .sops.yaml).
    #[arg(short, long, env = "SOPS_PGP_FP")]
    pgp: Option<String>,
    /// Leave the values whose key ends with this in plain text (sops's default: _unencrypted).
    #[arg(long)]
    unencrypted_suffix: Option<String>,
    /// Encrypt only the values whose key ends with this.
    #[arg(long)]
    encrypted_suffix: Option<String>,
    /// Leave the values whose key matches this regex in plain text.
    #[arg(long)]
    unencrypted_regex: Option<String>,
    /// Encrypt only the values whose key matches this regex.
    #[arg(long)]
    encrypted_regex: Option<String>,
    /// Leave the values after a comment matching this regex in plain text.
    #[arg(long)]
    unencrypted_comment_regex: Option<String>,
    /// Encrypt only the values after a comment matching this regex.
    #[arg(long)]
    encrypted_comment_regex: Option<String>,
    /// Only encrypted values enter the MAC, so plain values may be edited by hand.
    #[arg(long)]
    mac_only_encrypted: bool,
    /// How many key groups must be opened to recover the data key.
    #[arg(long)]
    shamir_secret_sharing_threshold: Option<usize>,
}

#[derive(Args)]
struct DecryptArgs {
    #[command(flatten)]
    io: IoArgs,
    /// Print only this part of the tree, e.g. '["db"]["password"]'.
    #[arg(long)]
    extract: Option<String>,
    /// Do not verify the MAC (the file may have been tampered with).
    #[arg(long)]
    ignore_mac: bool,
}

/// An error with the exit code it maps to; `Error`s from the library keep sops's codes.
fn exit_code(err: &anyhow::Error) -> i32 {
    err.chain()
        .find_map(|e| e.downcast_ref::<Error>())
        .map_or(code::GENERIC, Error::exit_code)
}

struct Exit(i32);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}
impl std::fmt::Debug for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}
impl std::error::Error for Exit {}

pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    platform_fs::force_writes(cli.write.force);
    if !matches!(
        cli.command,
        Command::ExecEnv { .. } | Command::ExecFile { .. }
    ) {
        platform_cli::end_quietly_at_closed_pipe();
    }
    let result = match cli.command {
        Command::Keygen { output } => keygen(output.as_deref()),
        Command::Encrypt(args) => encrypt(args),
        Command::Decrypt(args) => decrypt(args),
        Command::Filestatus { file, input_type } => filestatus(&file, input_type.as_deref()),
        Command::Set {
            file,
            path,
            value,
            value_file,
            value_stdin,
            idempotent,
            input_type,
        } => set(
            &file,
            &path,
            value,
            value_file,
            value_stdin,
            idempotent,
            input_type.as_deref(),
        ),
        Command::Unset {
            file,
            path,
            idempotent,
            input_type,
        } => unset(&file, &path, idempotent, input_type.as_deref()),
        Command::ExecEnv {
            file,
            pristine,
            prefix,
            input_type,
            command,
        } => exec_env(&file, pristine, &prefix, input_type.as_deref(), &command),
        Command::ExecFile {
            file,
            no_fifo,
            filename,
            input_type,
            output_type,
            command,
        } => exec_file(
            &file,
            no_fifo,
            filename.as_deref(),
            input_type.as_deref(),
            output_type.as_deref(),
            &command,
        ),
        Command::GitSetup { repo } => git_setup(repo.as_deref()),
        Command::Merge {
            base,
            ours,
            theirs,
            path,
            input_type,
        } => merge(
            &base,
            &ours,
            &theirs,
            path.as_deref(),
            input_type.as_deref(),
        ),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let script = platform_cli::completion_script(&mut Cli::command(), shell);
            platform_cli::print_bytes(&script).map_err(Into::into)
        }
        Command::Man => {
            use clap::CommandFactory;
            platform_cli::print_bytes(&platform_cli::man_page(Cli::command())).map_err(Into::into)
        }
        Command::Edit { file, input_type } => edit(&file, input_type.as_deref()),
        Command::Textconv { file } => textconv(&file),
        Command::Rotate {
            file,
            in_place,
            add_age,
            rm_age,
            input_type,
        } => rotate(&file, in_place, &add_age, &rm_age, input_type.as_deref()),
        Command::Reseal { files, input_type } => files
            .iter()
            .try_for_each(|f| reseal(f, input_type.as_deref())),
        Command::Updatekeys {
            files,
            yes,
            input_type,
        } => files
            .iter()
            .try_for_each(|f| updatekeys(f, yes, input_type.as_deref())),
    };
    match result {
        Ok(()) => 0,
        Err(err) => {
            if let Some(Exit(code)) = err.downcast_ref::<Exit>() {
                return *code;
            }
            // A closed pipe (`| head`) is not a failure.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return 0;
            }
            platform_cli::print_error("secret-seal", err.as_ref());
            exit_code(&err)
        }
    }
}

platform_cli::every_argument_has_help!(Cli);
