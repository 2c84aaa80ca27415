//! The command line: parses sops-style flags, calls the library, maps errors to sops's exit codes.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use clap::{Args, Parser, Subcommand};
use owo_colors::OwoColorize;
use secret_seal::error::code;
use secret_seal::store::EmitOptions;
use secret_seal::{
    atomic, config, keys, store, treepath, Error, Format, Identities, Recipient, Rule, SealOptions,
    Sealed, Tree, Value,
};

#[derive(Parser)]
#[command(
    name = "secret-seal",
    version,
    about = "SOPS-compatible encryption with age keys",
    max_term_width = 100
)]
struct Cli {
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
    /// Print {"encrypted":true} or {"encrypted":false} for a file.
    Filestatus {
        file: PathBuf,
        #[arg(long)]
        input_type: Option<String>,
    },
}

#[derive(Args)]
struct IoArgs {
    /// The file to read; `-` or nothing reads standard input.
    file: Option<PathBuf>,
    /// Format of the input: yaml, json, dotenv, ini or binary (default: from the extension).
    #[arg(long)]
    input_type: Option<String>,
    /// Format of the output (default: the input's).
    #[arg(long)]
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
    #[arg(long)]
    unencrypted_suffix: Option<String>,
    #[arg(long)]
    encrypted_suffix: Option<String>,
    #[arg(long)]
    unencrypted_regex: Option<String>,
    #[arg(long)]
    encrypted_regex: Option<String>,
    #[arg(long)]
    unencrypted_comment_regex: Option<String>,
    #[arg(long)]
    encrypted_comment_regex: Option<String>,
    /// Only encrypted values enter the MAC, so plain values may be edited by hand.
    #[arg(long)]
    mac_only_encrypted: bool,
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
    let result = match cli.command {
        Command::Keygen { output } => keygen(output.as_deref()),
        Command::Encrypt(args) => encrypt(args),
        Command::Decrypt(args) => decrypt(args),
        Command::Filestatus { file, input_type } => filestatus(&file, input_type.as_deref()),
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
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let label = if color {
                format!("{}", "error:".red().bold())
            } else {
                "error:".to_string()
            };
            eprintln!("secret-seal: {label} {err:#}");
            exit_code(&err)
        }
    }
}

fn keygen(output: Option<&Path>) -> anyhow::Result<()> {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let secret = identity.to_string();
    let text = zeroize::Zeroizing::new(format!(
        "# created: {}\n# public key: {public}\n{}\n",
        secret_seal::time::now_rfc3339(),
        secret.expose_secret()
    ));
    match output {
        Some(path) => {
            if path.exists() {
                return Err(anyhow!(Error::Invalid(format!(
                    "{} already exists; refusing to overwrite an identity (choose another -o)",
                    path.display()
                ))));
            }
            atomic::create_new(path, text.as_bytes(), 0o600)
                .with_context(|| format!("writing the identity to {}", path.display()))?;
            eprintln!("Public key: {public}");
        }
        None => {
            std::io::stdout().write_all(text.as_bytes())?;
            if !std::io::stdout().is_terminal() {
                eprintln!("Public key: {public}");
            }
        }
    }
    Ok(())
}

struct Input {
    /// The name used for format detection, `.sops.yaml` matching and messages.
    name: PathBuf,
    /// The file on disk, when there is one.
    path: Option<PathBuf>,
    bytes: zeroize::Zeroizing<Vec<u8>>,
}

fn read_input(io: &IoArgs) -> anyhow::Result<Input> {
    let stdin = io.file.as_deref().is_none_or(|f| f == Path::new("-"));
    if stdin {
        if io.in_place {
            return Err(anyhow!(Error::Invalid(
                "--in-place needs a file, not standard input".into()
            )));
        }
        let mut bytes = zeroize::Zeroizing::new(Vec::new());
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
        let name = io
            .filename_override
            .clone()
            .unwrap_or_else(|| PathBuf::from("-"));
        return Ok(Input {
            name,
            path: None,
            bytes,
        });
    }
    let path = io.file.clone().expect("checked");
    let bytes = std::fs::read(&path).map_err(|source| Error::Read {
        path: path.clone(),
        source,
    })?;
    let name = io.filename_override.clone().unwrap_or_else(|| path.clone());
    Ok(Input {
        name,
        path: Some(path),
        bytes: zeroize::Zeroizing::new(bytes),
    })
}

fn formats(io: &IoArgs, input: &Input) -> (Format, Format) {
    let input_format = io
        .input_type
        .as_deref()
        .map_or_else(|| Format::from_path(&input.name), Format::from_name);
    let output_format = io
        .output_type
        .as_deref()
        .map_or(input_format, Format::from_name);
    (input_format, output_format)
}

fn load_config(io: &IoArgs, input: &Input) -> anyhow::Result<Option<config::Config>> {
    let path = match &io.config {
        Some(p) => Some(p.clone()),
        None => {
            let dir = input
                .name
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            config::find(&dir)
        }
    };
    path.map(|p| config::Config::load(&p))
        .transpose()
        .map_err(Into::into)
}

fn emit_options(io: &IoArgs, config: Option<&config::Config>) -> EmitOptions {
    let mut opts = config.map(|c| c.stores).unwrap_or_default();
    if let Some(i) = io.indent {
        opts.yaml_indent = Some(i);
        opts.json_indent = Some(i);
    }
    opts
}

fn write_output(io: &IoArgs, input: &Input, bytes: &[u8]) -> anyhow::Result<()> {
    if io.in_place {
        let path = input.path.as_ref().expect("checked in read_input");
        atomic::write(path, bytes)?;
    } else if let Some(out) = &io.output {
        atomic::write(out, bytes)?;
    } else {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(bytes)?;
        stdout.flush()?;
    }
    Ok(())
}

fn flag_rule(args: &EncryptArgs) -> anyhow::Result<Option<Rule>> {
    let set: Vec<(&str, &String)> = [
        ("unencrypted_suffix", &args.unencrypted_suffix),
        ("encrypted_suffix", &args.encrypted_suffix),
        ("unencrypted_regex", &args.unencrypted_regex),
        ("encrypted_regex", &args.encrypted_regex),
        ("unencrypted_comment_regex", &args.unencrypted_comment_regex),
        ("encrypted_comment_regex", &args.encrypted_comment_regex),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
    .collect();
    if set.len() > 1 {
        return Err(anyhow!(Error::Invalid("only one of --unencrypted-suffix, --encrypted-suffix, --unencrypted-regex, --encrypted-regex, --unencrypted-comment-regex, --encrypted-comment-regex may be given".into())));
    }
    set.first()
        .map(|(k, v)| Rule::from_key(k, v).map_err(|e| anyhow!(Error::Invalid(e))))
        .transpose()
}

fn encrypt(args: EncryptArgs) -> anyhow::Result<()> {
    let io = &args.io;
    let input = read_input(io)?;
    let name = input.name.display().to_string();
    let (in_fmt, out_fmt) = formats(io, &input);
    let config = load_config(io, &input)?;
    let tree = store::load_plain(in_fmt, &input.bytes)
        .with_context(|| format!("{name}: cannot encrypt"))?;
    let mut opts = SealOptions {
        rule: flag_rule(&args)?,
        mac_only_encrypted: args.mac_only_encrypted,
        ..Default::default()
    };
    let flag_keys: Vec<Recipient> = args
        .age
        .iter()
        .flat_map(|s| keys::split_list(s).map(Recipient::Age).collect::<Vec<_>>())
        .chain(
            args.pgp
                .iter()
                .flat_map(|s| keys::split_list(s).map(Recipient::Pgp).collect::<Vec<_>>()),
        )
        .collect();
    if !flag_keys.is_empty() {
        opts.key_groups = vec![flag_keys];
    } else {
        let config = config
            .as_ref()
            .ok_or_else(|| anyhow!(Error::NoRecipients))
            .with_context(|| {
                format!(
                    "{name}: no .sops.yaml found from {} upward",
                    input
                        .name
                        .parent()
                        .map_or(".".into(), |p| p.display().to_string())
                )
            })?;
        let rule = config.rule_for(&input.name)?;
        opts.key_groups = rule.key_groups.clone();
        opts.shamir_threshold = rule.shamir_threshold;
        if opts.rule.is_none() {
            opts.rule = rule.rule.clone();
        }
        opts.mac_only_encrypted |= rule.mac_only_encrypted;
    }
    if let Some(t) = args.shamir_secret_sharing_threshold {
        opts.shamir_threshold = t;
    }
    let sealed = secret_seal::seal(tree, in_fmt, &opts)
        .with_context(|| format!("{name}: cannot encrypt"))?;
    let bytes = sealed.to_bytes(out_fmt, emit_options(io, config.as_ref()))?;
    write_output(io, &input, &bytes)
}

fn decrypt(args: DecryptArgs) -> anyhow::Result<()> {
    let io = &args.io;
    let input = read_input(io)?;
    let name = input.name.display().to_string();
    let (in_fmt, out_fmt) = formats(io, &input);
    let config = load_config(io, &input).ok().flatten();
    let sealed =
        Sealed::parse(in_fmt, &input.bytes).with_context(|| format!("{name}: cannot decrypt"))?;
    let first_age = sealed
        .metadata
        .recipients()
        .find(|k| k.kind() == "age")
        .map(|k| k.id());
    let opened = sealed
        .open(
            || Identities::from_env(first_age.as_deref()),
            !args.ignore_mac,
        )
        .with_context(|| format!("{name}: cannot decrypt"))?;
    let opts = emit_options(io, config.as_ref());
    let bytes = match &args.extract {
        Some(path) => extract(&opened.tree, path, out_fmt, opts)
            .with_context(|| format!("{name}: --extract"))?,
        None => zeroize::Zeroizing::new(store::emit_plain(out_fmt, &opened.tree, opts)?),
    };
    write_output(io, &input, &bytes)
}

fn extract(
    tree: &Tree,
    path: &str,
    format: Format,
    opts: EmitOptions,
) -> anyhow::Result<zeroize::Zeroizing<Vec<u8>>> {
    let steps = treepath::parse(path)?;
    let empty = secret_seal::Branch::default();
    let root = tree.branches.first().unwrap_or(&empty);
    let value = treepath::get(root, &steps).ok_or_else(|| {
        anyhow!(Error::TreePath {
            path: path.into(),
            message: "no such key or index in the file".into()
        })
    })?;
    let bytes = match value {
        // A leaf prints raw, without a newline, as sops does.
        Value::Map(b) => store::emit_plain(
            format,
            &Tree {
                branches: vec![b.clone()],
            },
            opts,
        )?,
        Value::Seq(_) => {
            return Err(anyhow!(Error::TreePath {
                path: path.into(),
                message: "extracting a whole list is not supported; extract one element".into()
            }))
        }
        Value::Str(s) => s.clone().into_bytes(),
        Value::Bytes(b) => b.clone(),
        leaf => secret_seal::store::dotenv::val_to_string(leaf)
            .unwrap_or_default()
            .into_bytes(),
    };
    Ok(zeroize::Zeroizing::new(bytes))
}

fn filestatus(file: &Path, input_type: Option<&str>) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).map_err(|source| Error::Read {
        path: file.into(),
        source,
    })?;
    let format = input_type.map_or_else(|| Format::from_path(file), Format::from_name);
    println!(
        "{{\"encrypted\":{}}}",
        secret_seal::is_sealed(format, &bytes)
    );
    Ok(())
}
