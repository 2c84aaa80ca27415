//! The command line: parses sops-style flags, calls the library, maps errors to sops's exit codes.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use clap::{Args, Parser, Subcommand};
use secret_seal::error::code;
use secret_seal::store::EmitOptions;
use secret_seal::{
    atomic, config, keys, store, treepath, Error, Format, Recipient, Rule, SealOptions, Sealed,
    Tree, Value,
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
    /// Edit a sealed file in $SOPS_EDITOR/$EDITOR; unchanged values keep their ciphertext.
    Edit {
        /// The sealed file.
        file: PathBuf,
        /// Format of the file: yaml, json, dotenv, ini, binary or tfvars (default: from the extension).
        #[arg(long)]
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
        #[arg(long)]
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
        #[arg(long)]
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
        #[arg(long)]
        input_type: Option<String>,
    },
    /// New data key and the recipients of the matching .sops.yaml rule, in one step, for each file.
    Reseal {
        /// The sealed files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Format of the file: yaml, json, dotenv, ini, binary or tfvars (default: from the extension).
        #[arg(long)]
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
        #[arg(long)]
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
        #[arg(long)]
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
        #[arg(long)]
        input_type: Option<String>,
        /// Format the command reads (default: the file's own).
        #[arg(long)]
        output_type: Option<String>,
        /// The command; `{}` is replaced by the path (one argument is run by `sh -c`).
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Set up git so `git diff` / `git log -p` show sealed files decrypted for key holders.
    GitSetup {
        /// The repository (default: the current directory's).
        #[arg(long)]
        repo: Option<PathBuf>,
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
            // ~/.config/sops/age does not exist on a fresh machine: made private, as the key is.
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                platform_fs::create_private_dir(dir)?;
            }
            atomic::create_new(path, text.as_bytes(), 0o600)?;
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
        let from_rule = SealOptions::from_rule(config.rule_for(&input.name)?);
        opts = SealOptions {
            // A rule given on the command line wins over the file's.
            rule: opts.rule.or(from_rule.rule),
            mac_only_encrypted: opts.mac_only_encrypted || from_rule.mac_only_encrypted,
            ..from_rule
        };
    }
    if let Some(t) = args.shamir_secret_sharing_threshold {
        opts.shamir_threshold = t;
    }
    let sealed = secret_seal::seal(tree, in_fmt, &opts)
        .with_context(|| format!("{name}: cannot encrypt"))?;
    let bytes = sealed
        .to_bytes(out_fmt, emit_options(io, config.as_ref()))
        .with_context(|| format!("{name}: cannot write the sealed file"))?;
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
    let opened = sealed
        .open_for_user(!args.ignore_mac)
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

/// Opens a sealed file, lets `change` edit its tree, and re-seals it in place with the same data
/// key (unchanged values keep their ciphertext). `change` says whether anything changed; nothing
/// is written when it did not and `write_unchanged` is false.
fn modify(
    file: &Path,
    input_type: Option<&str>,
    write_unchanged: bool,
    change: impl FnOnce(&mut secret_seal::Branch) -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    let name = file.display().to_string();
    let mut f = open_file(file, input_type)?;
    if f.opened.tree.branches.is_empty() {
        f.opened.tree.branches.push(secret_seal::Branch::default());
    }
    let changed = change(&mut f.opened.tree.branches[0]).with_context(|| name.clone())?;
    if !changed && !write_unchanged {
        return Ok(());
    }
    let (format, stores) = (f.format, f.stores);
    let resealed = f
        .opened
        .reseal()
        .with_context(|| format!("{name}: cannot re-seal"))?;
    atomic::write(file, &resealed.to_bytes(format, stores)?)?;
    Ok(())
}

fn set(
    file: &Path,
    path: &str,
    value: Option<String>,
    value_file: Option<PathBuf>,
    value_stdin: bool,
    idempotent: bool,
    input_type: Option<&str>,
) -> anyhow::Result<()> {
    let text = zeroize::Zeroizing::new(match (value, value_file, value_stdin) {
        (Some(v), _, _) => v,
        (_, Some(f), _) => {
            std::fs::read_to_string(&f).map_err(|source| Error::Read { path: f, source })?
        }
        (_, _, true) => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            s
        }
        _ => {
            return Err(anyhow!(Error::Invalid(
                "give the value as JSON, or --value-file / --value-stdin".into()
            )))
        }
    });
    let steps = treepath::parse(path)?;
    let value = secret_seal::store::json::parse_value(text.trim()).map_err(|e| {
        anyhow!(Error::Invalid(format!(
            "the value is not valid JSON ({e}); quote strings: '\"text\"'"
        )))
    })?;
    modify(file, input_type, !idempotent, |root| {
        Ok(treepath::set(root, &steps, value, path)?)
    })
}

fn unset(
    file: &Path,
    path: &str,
    idempotent: bool,
    input_type: Option<&str>,
) -> anyhow::Result<()> {
    let steps = treepath::parse(path)?;
    modify(file, input_type, false, |root| {
        let removed = treepath::unset(root, &steps, path)?;
        if !removed && !idempotent {
            return Err(anyhow!(Error::TreePath {
                path: path.into(),
                message: "no such key or index in the file (--idempotent to accept that)".into()
            }));
        }
        Ok(removed)
    })
}

/// The recipients of a file's key groups, to wrap a data key for them again.
fn groups_of(meta: &secret_seal::Metadata) -> anyhow::Result<Vec<Vec<Recipient>>> {
    meta.key_groups
        .iter()
        .map(|g| {
            g.iter()
                .map(|k| match k {
                    secret_seal::metadata::MasterKey::Age { recipient, .. } => Ok(Recipient::Age(recipient.clone())),
                    secret_seal::metadata::MasterKey::Pgp { fp, .. } => Ok(Recipient::Pgp(fp.clone())),
                    secret_seal::metadata::MasterKey::Other { kind, .. } => Err(anyhow!(Error::Key(format!("the file has a {kind} key, which secret-seal cannot wrap a new data key for; use sops")))),
                })
                .collect()
        })
        .collect()
}

struct OpenFile {
    format: Format,
    opened: secret_seal::Opened,
    stores: EmitOptions,
}

fn open_file(file: &Path, input_type: Option<&str>) -> anyhow::Result<OpenFile> {
    let name = file.display().to_string();
    let bytes = zeroize::Zeroizing::new(std::fs::read(file).map_err(|source| Error::Read {
        path: file.into(),
        source,
    })?);
    let format = input_type.map_or_else(|| Format::from_path(file), Format::from_name);
    let sealed = Sealed::parse(format, &bytes).with_context(|| format!("{name}: cannot open"))?;
    let opened = sealed
        .open_for_user(true)
        .with_context(|| format!("{name}: cannot open"))?;
    let stores = config::find(
        file.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    )
    .and_then(|p| config::Config::load(&p).ok())
    .map(|c| c.stores)
    .unwrap_or_default();
    Ok(OpenFile {
        format,
        opened,
        stores,
    })
}

/// Seals a plaintext tree with a new data key for `groups`, keeping the file's rule.
fn seal_anew(
    f: OpenFile,
    groups: Vec<Vec<Recipient>>,
    threshold: usize,
) -> anyhow::Result<Vec<u8>> {
    let meta = &f.opened.metadata;
    let opts = SealOptions {
        key_groups: groups,
        shamir_threshold: threshold,
        rule: Some(meta.rule.clone()),
        mac_only_encrypted: meta.mac_only_encrypted,
    };
    let format = f.format;
    let stores = f.stores;
    let tree = f.opened.tree.clone();
    let sealed = secret_seal::seal(tree, format, &opts)?;
    Ok(sealed.to_bytes(format, stores)?)
}

fn rotate(
    file: &Path,
    in_place: bool,
    add: &[String],
    rm: &[String],
    input_type: Option<&str>,
) -> anyhow::Result<()> {
    let f = open_file(file, input_type)?;
    let mut groups = groups_of(&f.opened.metadata)?;
    for r in rm {
        for g in &mut groups {
            g.retain(|k| *k != Recipient::Age(r.clone()));
        }
    }
    if let Some(first) = groups.first_mut() {
        for a in add {
            if !first.contains(&Recipient::Age(a.clone())) {
                first.push(Recipient::Age(a.clone()));
            }
        }
    }
    groups.retain(|g| !g.is_empty());
    let threshold = f.opened.metadata.shamir_threshold.min(groups.len());
    let out = seal_anew(f, groups, threshold)
        .with_context(|| format!("{}: cannot rotate", file.display()))?;
    if in_place {
        atomic::write(file, &out)?;
    } else {
        std::io::stdout().write_all(&out)?;
    }
    Ok(())
}

fn rule_groups(file: &Path) -> anyhow::Result<(Vec<Vec<Recipient>>, usize, PathBuf)> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let path = config::find(dir)
        .ok_or_else(|| anyhow!(Error::NoRecipients))
        .with_context(|| {
            format!(
                "{}: no .sops.yaml from its directory upward",
                file.display()
            )
        })?;
    let config = config::Config::load(&path)?;
    let rule = config.rule_for(file)?;
    Ok((rule.key_groups.clone(), rule.shamir_threshold, path))
}

fn reseal(file: &Path, input_type: Option<&str>) -> anyhow::Result<()> {
    let (groups, threshold, _) = rule_groups(file)?;
    let f = open_file(file, input_type)?;
    let n: usize = groups.iter().map(Vec::len).sum();
    let out = seal_anew(f, groups, threshold)
        .with_context(|| format!("{}: cannot reseal", file.display()))?;
    atomic::write(file, &out)?;
    eprintln!(
        "resealed {} with a new data key for {n} recipient(s)",
        file.display()
    );
    Ok(())
}

fn updatekeys(file: &Path, yes: bool, input_type: Option<&str>) -> anyhow::Result<()> {
    let (groups, threshold, config) = rule_groups(file)?;
    let name = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|source| Error::Read {
        path: file.into(),
        source,
    })?;
    let format = input_type.map_or_else(|| Format::from_path(file), Format::from_name);
    let mut sealed =
        Sealed::parse(format, &bytes).with_context(|| format!("{name}: cannot open"))?;
    let current = groups_of(&sealed.metadata)?;
    if current == groups
        && (groups.len() < 2 || sealed.metadata.shamir_threshold == threshold.max(1))
    {
        eprintln!("{name}: already up to date with {}", config.display());
        return Ok(());
    }
    let flat = |g: &Vec<Vec<Recipient>>| g.iter().flatten().cloned().collect::<Vec<_>>();
    let (old, new) = (flat(&current), flat(&groups));
    eprintln!("{name}: syncing with {}:", config.display());
    for r in new.iter().filter(|r| !old.contains(r)) {
        eprintln!("  + {r}");
    }
    for r in old.iter().filter(|r| !new.contains(r)) {
        eprintln!("  - {r}");
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(anyhow!(Error::Invalid(
                "not a terminal to ask on; pass -y to apply".into()
            )));
        }
        eprint!("apply? [y/N] ");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("{name}: left unchanged");
            return Ok(());
        }
    }
    let key = sealed
        .data_key_for_user()
        .with_context(|| format!("{name}: cannot recover the data key"))?;
    sealed.metadata.key_groups = secret_seal::keys::wrap_data_key(&groups, threshold, &key)?;
    sealed.metadata.shamir_threshold = if groups.len() > 1 {
        keys::shares_needed(groups.len(), threshold)
    } else {
        0
    };
    let stores = config::Config::load(&config)
        .map(|c| c.stores)
        .unwrap_or_default();
    atomic::write(file, &sealed.to_bytes(format, stores)?)?;
    eprintln!("{name}: updated");
    Ok(())
}

/// A command line: one argument is a shell command (as sops takes it), several are exec'd.
fn command_of(args: &[String]) -> std::process::Command {
    if let [one] = args {
        let mut c = std::process::Command::new("sh");
        c.arg("-c").arg(one);
        c
    } else {
        let mut c = std::process::Command::new(&args[0]);
        c.args(&args[1..]);
        c
    }
}

/// Runs the child to its end: a Ctrl-C reaches the child (same process group) while this
/// process stays to clean up; the child's exit code becomes ours.
fn run_child(mut cmd: std::process::Command) -> anyhow::Result<i32> {
    let _ = ctrlc::set_handler(|| {});
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {:?}", cmd.get_program()))?;
    Ok(status.code().unwrap_or(130))
}

/// How a value reaches an environment variable: strings as they are, scalars as text, lists
/// and maps as JSON (what terraform reads from a TF_VAR_ of a complex type).
fn env_value(v: &Value) -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(match v {
        Value::Map(_) | Value::Seq(_) => {
            let mut out = String::new();
            secret_seal::store::json::emit_value(v, "", 0, &mut out);
            out.replace('\n', "")
        }
        other => secret_seal::store::dotenv::val_to_string(other).unwrap_or_default(),
    })
}

fn exec_env(
    file: &Path,
    pristine: bool,
    prefix: &str,
    input_type: Option<&str>,
    command: &[String],
) -> anyhow::Result<()> {
    let f = open_file(file, input_type)?;
    let mut cmd = command_of(command);
    if pristine {
        cmd.env_clear();
    }
    for (k, v) in f
        .opened
        .tree
        .branches
        .first()
        .map(|b| b.entries().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        if k.contains('=') {
            return Err(anyhow!(Error::Invalid(format!(
                "{}: the key {k:?} contains '=', which cannot be an environment variable name",
                file.display()
            ))));
        }
        cmd.env(format!("{prefix}{k}"), env_value(v).as_str());
    }
    let code = run_child(cmd)?;
    drop(f);
    Err(anyhow!(Exit(code)))
}

fn exec_file(
    file: &Path,
    no_fifo: bool,
    filename: Option<&str>,
    input_type: Option<&str>,
    output_type: Option<&str>,
    command: &[String],
) -> anyhow::Result<()> {
    let f = open_file(file, input_type)?;
    let out_format = output_type.map_or(f.format, Format::from_name);
    let plain = zeroize::Zeroizing::new(store::emit_plain(out_format, &f.opened.tree, f.stores)?);
    drop(f);
    let name = filename.map(str::to_string).unwrap_or_else(|| {
        file.file_name()
            .map_or("secrets".into(), |n| n.to_string_lossy().into_owned())
    });
    // The plaintext lives only in the pipe; with --no-fifo, in a private file removed after.
    let (dir, fifo, path) = if no_fifo {
        let dir = tempfile::Builder::new().prefix("secret-seal-").tempdir()?;
        let path = dir.path().join(&name);
        atomic::create_new(&path, &plain, 0o600)?;
        (Some(dir), None, path)
    } else {
        let fifo = secret_seal::handoff::Fifo::new("secret-seal-", &name, plain.clone())
            .map_err(|e| anyhow!("cannot create a FIFO: {e}"))?;
        let path = fifo.path().to_path_buf();
        (None, Some(fifo), path)
    };
    let shown = path.display().to_string();
    let mut args: Vec<String> = command.iter().map(|a| a.replace("{}", &shown)).collect();
    if !command.iter().any(|a| a.contains("{}")) {
        args.push(shown);
    }
    let code = run_child(command_of(&args));
    if let Some(f) = fifo {
        f.finish();
    }
    drop(dir);
    Err(anyhow!(Exit(code?)))
}

/// The files `git-setup` routes through the textconv driver.
const GIT_PATTERNS: [&str; 4] = ["*.secrets.*", "secrets.*", "*.enc.*", "*.sops.*"];

fn git(repo: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .context("cannot run git")?;
    if !out.status.success() {
        return Err(anyhow!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn git_setup(repo: Option<&Path>) -> anyhow::Result<()> {
    let start = repo.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let top = PathBuf::from(
        git(&start, &["rev-parse", "--show-toplevel"]).context("not inside a git repository")?,
    );
    let attributes = top.join(".gitattributes");
    let mut text = std::fs::read_to_string(&attributes).unwrap_or_default();
    let mut added = Vec::new();
    for p in GIT_PATTERNS {
        let line = format!("{p} diff=secret-seal");
        if !text.lines().any(|l| l.trim() == line) {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&line);
            text.push('\n');
            added.push(p);
        }
    }
    atomic::write_with_mode(&attributes, text.as_bytes(), Some(0o644))?;
    let exe = std::env::current_exe()?;
    let quoted = shell_words::quote(&exe.display().to_string()).into_owned();
    git(
        &top,
        &[
            "config",
            "--local",
            "diff.secret-seal.textconv",
            &format!("{quoted} textconv"),
        ],
    )?;
    // A textconv cache would keep plaintext in git's notes.
    git(
        &top,
        &[
            "config",
            "--local",
            "diff.secret-seal.cachetextconv",
            "false",
        ],
    )?;
    eprintln!(
        "{}: sealed files ({}) diff decrypted for key holders; commit .gitattributes to share it",
        top.display(),
        GIT_PATTERNS.join(", ")
    );
    if !added.is_empty() {
        eprintln!("added to .gitattributes: {}", added.join(", "));
    }
    Ok(())
}

fn textconv(file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).map_err(|source| Error::Read {
        path: file.into(),
        source,
    })?;
    // git names the temp file it hands over after the original, so the format is recognised.
    let format = Format::from_path(file);
    let plain = Sealed::parse(format, &bytes).ok().and_then(|s| {
        let opened = s.open_for_user(true).ok()?;
        store::emit_plain(format, &opened.tree, EmitOptions::default())
            .ok()
            .map(zeroize::Zeroizing::new)
    });
    let mut out = std::io::stdout().lock();
    match plain {
        Some(p) => out.write_all(&p)?,
        None => out.write_all(&bytes)?,
    }
    Ok(())
}

/// The document a new file starts from, per format.
fn example_document(format: Format) -> &'static str {
    match format {
        Format::Json | Format::Binary => "{\n\t\"example_key\": \"example_value\"\n}\n",
        Format::Dotenv => "example_key=example_value\n",
        Format::Ini => "[example]\nexample_key = example_value\n",
        Format::Tfvars => "example_key = \"example_value\"\n",
        Format::Yaml => "# Welcome to secret-seal! Edit this file and save it; it is sealed when you quit.\nexample_key: example_value\nexample_array:\n    - example_value1\n    - example_value2\n",
    }
}

/// Runs the editor on `path`: `$SOPS_EDITOR`, else `$EDITOR` (shell-split), else vi.
fn run_editor(path: &Path) -> anyhow::Result<()> {
    let spec = std::env::var("SOPS_EDITOR")
        .ok()
        .filter(|e| !e.is_empty())
        .or_else(|| std::env::var("EDITOR").ok().filter(|e| !e.is_empty()))
        .unwrap_or_else(|| "vi".into());
    let words = shell_words::split(&spec)
        .map_err(|e| anyhow!("cannot parse the editor command {spec:?}: {e}"))?;
    let (program, args) = words
        .split_first()
        .ok_or_else(|| anyhow!("the editor command is empty"))?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).arg(path);
    let code = run_child(cmd).with_context(|| {
        format!("cannot run the editor {program:?} (set SOPS_EDITOR or EDITOR)")
    })?;
    if code != 0 {
        return Err(anyhow!(Error::Invalid(format!(
            "the editor {program:?} exited with {code}; nothing was changed"
        ))));
    }
    Ok(())
}

/// Overwrites and removes the plaintext file (the directory is removed when dropped).
fn shred(path: &Path) {
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::write(path, vec![0u8; meta.len() as usize]);
    }
    let _ = std::fs::remove_file(path);
}

fn edit(file: &Path, input_type: Option<&str>) -> anyhow::Result<()> {
    let name = file.display().to_string();
    let format = input_type.map_or_else(|| Format::from_path(file), Format::from_name);
    let existing = if file.exists() {
        Some(open_file(file, input_type)?)
    } else {
        None
    };
    let original = zeroize::Zeroizing::new(match &existing {
        Some(f) => store::emit_plain(format, &f.opened.tree, f.stores)?,
        None => example_document(format).as_bytes().to_vec(),
    });
    // A private directory (0700) and file (0600), named like the original for the editor.
    let dir = tempfile::Builder::new()
        .prefix("secret-seal-edit-")
        .tempdir()?;
    let temp = dir
        .path()
        .join(file.file_name().unwrap_or(std::ffi::OsStr::new("secrets")));
    atomic::create_new(&temp, &original, 0o600)?;
    let result = edit_loop(&temp, format, &original);
    let edited = match result {
        Ok(Some(tree)) => tree,
        Ok(None) => {
            shred(&temp);
            eprintln!("{name}: file has not changed");
            return Err(anyhow!(Exit(code::FILE_NOT_MODIFIED)));
        }
        Err(e) => {
            shred(&temp);
            return Err(e.context(format!("{name}: not changed")));
        }
    };
    shred(&temp);
    drop(dir);
    let bytes = match existing {
        Some(mut f) => {
            f.opened.tree = edited;
            let stores = f.stores;
            f.opened.reseal()?.to_bytes(format, stores)?
        }
        None => {
            let config = config::find(
                file.parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new(".")),
            )
            .map(|p| config::Config::load(&p))
            .transpose()?;
            let config = config
                .ok_or_else(|| anyhow!(Error::NoRecipients))
                .with_context(|| format!("{name}: a new file needs a .sops.yaml creation rule"))?;
            let rule = config.rule_for(file)?;
            let opts = SealOptions {
                key_groups: rule.key_groups.clone(),
                shamir_threshold: rule.shamir_threshold,
                rule: rule.rule.clone(),
                mac_only_encrypted: rule.mac_only_encrypted,
            };
            secret_seal::seal(edited, format, &opts)?.to_bytes(format, config.stores)?
        }
    };
    atomic::write_with_mode(file, &bytes, Some(0o600))?;
    Ok(())
}

/// Edits until the result parses (asking to reopen on a terminal); `None` when unchanged.
fn edit_loop(temp: &Path, format: Format, original: &[u8]) -> anyhow::Result<Option<Tree>> {
    loop {
        run_editor(temp)?;
        let edited = zeroize::Zeroizing::new(std::fs::read(temp)?);
        if *edited == *original {
            return Ok(None);
        }
        match store::load_plain(format, &edited) {
            Ok(tree) => return Ok(Some(tree)),
            Err(e) if std::io::stdin().is_terminal() => {
                eprint!(
                    "{e}\npress Enter to return to the editor, or type q and Enter to give up: "
                );
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if answer.trim() == "q" {
                    return Err(anyhow!(e));
                }
            }
            Err(e) => return Err(anyhow!(e)),
        }
    }
}

platform_cli::every_argument_has_help!(Cli);
