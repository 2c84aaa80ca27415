//! The command line: sops-style flags parsed, the library called, what happened printed, and
//! errors mapped to sops's exit codes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use secret_seal::error::code;
use secret_seal::{Error, Format};

mod commands;
mod io;

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
    #[command(flatten)]
    colour: platform_cli::colour::ColourFlag,
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
    Encrypt(Box<EncryptArgs>),
    /// Decrypt a SOPS file (age or PGP), verifying its MAC.
    Decrypt(DecryptArgs),
    /// Edit a sealed file in $SOPS_EDITOR/$EDITOR; unchanged values keep their ciphertext.
    Edit {
        #[command(flatten)]
        file: FileArg,
    },
    /// Set one value (a JSON literal), creating missing keys; re-sealed with the same data key.
    Set(SetArgs),
    /// Remove one key or list element.
    Unset(UnsetArgs),
    /// New data key for a file, everything re-encrypted; optionally add or remove age recipients.
    Rotate(RotateArgs),
    /// New data key and the recipients of the matching .sops.yaml rule, in one step, for each file.
    Reseal {
        /// The sealed files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Sync each file's recipients with its .sops.yaml rule, keeping the data key.
    Updatekeys {
        /// The sealed files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Do not ask before writing.
        #[arg(short = 'y', long)]
        yes: bool,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Run a command with the file's top-level values as environment variables (child only).
    ExecEnv(ExecEnvArgs),
    /// Run a command with the decrypted file at `{}` (a FIFO; --no-fifo for a 0600 temp file).
    ExecFile(ExecFileArgs),
    /// Set up git so `git diff` / `git log -p` show sealed files decrypted for key holders, and `git merge` merges them value by value.
    GitSetup {
        /// The repository (default: the current directory's).
        #[arg(long)]
        repo: Option<PathBuf>,
    },
    /// git's merge driver (`git-setup` installs it): merges three versions of a sealed file value by value, for key holders; the result stays sealed.
    Merge(MergeArgs),
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
        #[command(flatten)]
        file: FileArg,
    },
}

#[derive(Args)]
struct SetArgs {
    #[command(flatten)]
    file: FileArg,
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
}

#[derive(Args)]
struct UnsetArgs {
    #[command(flatten)]
    file: FileArg,
    /// Where, e.g. '["db"]["password"]'.
    path: String,
    /// Succeed (and write nothing) when the path is not there.
    #[arg(long)]
    idempotent: bool,
}

#[derive(Args)]
struct RotateArgs {
    #[command(flatten)]
    file: FileArg,
    /// Write the result over the file (default: standard output).
    #[arg(short, long)]
    in_place: bool,
    /// age recipients to add, comma-separated.
    #[arg(long, value_delimiter = ',')]
    add_age: Vec<String>,
    /// age recipients to remove, comma-separated.
    #[arg(long, value_delimiter = ',')]
    rm_age: Vec<String>,
    /// Vault transit key URIs to add, comma-separated (the address may then receive your token).
    #[arg(long, value_delimiter = ',', value_name = "URI")]
    add_hc_vault_transit: Vec<String>,
    /// Vault transit key URIs to remove, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "URI")]
    rm_hc_vault_transit: Vec<String>,
    /// AWS KMS key ARNs to add, comma-separated (ARN or ARN+ROLE_ARN).
    #[arg(long, value_delimiter = ',', value_name = "ARN")]
    add_kms: Vec<String>,
    /// AWS KMS key ARNs to remove, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "ARN")]
    rm_kms: Vec<String>,
}

#[derive(Args)]
struct ExecEnvArgs {
    #[command(flatten)]
    file: FileArg,
    /// Do not pass on this process's environment.
    #[arg(long)]
    pristine: bool,
    /// Prefix every name, e.g. TF_VAR_ so a sealed tfvars feeds tofu.
    #[arg(long, default_value = "")]
    prefix: String,
    /// The command (one argument is run by `sh -c`).
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

#[derive(Args)]
struct ExecFileArgs {
    #[command(flatten)]
    file: FileArg,
    /// A private temp file instead of a FIFO, removed afterwards.
    #[arg(long)]
    no_fifo: bool,
    /// The name the command sees (default: the file's own name).
    #[arg(long)]
    filename: Option<String>,
    /// Format the command reads (default: the file's own).
    #[arg(long, value_parser = FORMATS)]
    output_type: Option<String>,
    /// The command; `{}` is replaced by the path (one argument is run by `sh -c`).
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

#[derive(Args)]
struct MergeArgs {
    /// The common ancestor's version (git's %O).
    base: PathBuf,
    /// Our version, which the result replaces (git's %A).
    ours: PathBuf,
    /// Their version (git's %B).
    theirs: PathBuf,
    /// The file's path in the repository (git's %P), for its format and messages.
    path: Option<PathBuf>,
    #[command(flatten)]
    format: FormatArg,
}

/// A sealed file named on the command line, with its format.
#[derive(Args)]
struct FileArg {
    /// The sealed file.
    file: PathBuf,
    #[command(flatten)]
    format: FormatArg,
}

#[derive(Args)]
struct FormatArg {
    /// Format of the file: yaml, json, dotenv, ini, binary or tfvars (default: from the extension).
    #[arg(long, value_parser = FORMATS)]
    input_type: Option<String>,
}

impl FormatArg {
    fn get(&self) -> Option<Format> {
        self.input_type.as_deref().map(Format::from_name)
    }
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
    /// Vault transit key URIs, comma-separated, e.g. https://vault:8200/v1/transit/keys/sops (overrides .sops.yaml; the address may then receive your token).
    #[arg(long, env = "SOPS_VAULT_URIS", value_name = "URI")]
    hc_vault_transit: Option<String>,
    /// AWS KMS key ARNs, comma-separated, each optionally +ROLE_ARN to assume first (overrides .sops.yaml).
    #[arg(short, long, env = "SOPS_KMS_ARN", value_name = "ARN")]
    kms: Option<String>,
    /// The KMS encryption context, key:value pairs, comma-separated.
    #[arg(long, value_name = "PAIRS")]
    encryption_context: Option<String>,
    /// The AWS profile the KMS keys are used with.
    #[arg(long, value_name = "PROFILE")]
    aws_profile: Option<String>,
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

impl EncryptArgs {
    /// The encryption-rule flags, by the names `.sops.yaml` gives them.
    fn rule_flags(&self) -> [(&'static str, Option<&String>); 6] {
        [
            ("unencrypted_suffix", self.unencrypted_suffix.as_ref()),
            ("encrypted_suffix", self.encrypted_suffix.as_ref()),
            ("unencrypted_regex", self.unencrypted_regex.as_ref()),
            ("encrypted_regex", self.encrypted_regex.as_ref()),
            (
                "unencrypted_comment_regex",
                self.unencrypted_comment_regex.as_ref(),
            ),
            (
                "encrypted_comment_regex",
                self.encrypted_comment_regex.as_ref(),
            ),
        ]
    }
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

/// sops's exit code for an error: the library's `Error` in the chain says it.
fn exit_code(err: &(dyn std::error::Error + 'static)) -> i32 {
    std::iter::successors(Some(err), |e| e.source())
        .find_map(|e| e.downcast_ref::<Error>())
        .map_or(code::GENERIC, Error::exit_code)
}

pub fn run() -> i32 {
    let cli = match platform_cli::exit::parse_args::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    platform_fs::force_writes(cli.write.force);
    cli.colour.apply();
    if !matches!(
        cli.command,
        Command::ExecEnv { .. } | Command::ExecFile { .. }
    ) {
        platform_cli::end_quietly_at_closed_pipe();
    }
    match commands::run(cli.command) {
        Ok(()) => 0,
        Err(err) => platform_cli::exit::report("secret-seal", err.as_ref(), exit_code),
    }
}

platform_cli::every_argument_has_help!(Cli);
