//! One function a subcommand: the library does the work; here its arguments are passed on and
//! what happened is said, each error given the file it is about.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{anyhow, Context};
use platform_cli::exit::Code;
use secret_seal::error::code;
use secret_seal::rekey::{self, KeySync};
use secret_seal::{
    editor, exec, git, keys, store, treepath, Error, Format, Recipient, Rule, SealFlags,
    SealOptions, Sealed, SealedFile,
};

use super::{
    Cli, Command, DecryptArgs, EncryptArgs, ExecEnvArgs, ExecFileArgs, FileArg, MergeArgs,
    RotateArgs, SetArgs, UnsetArgs,
};
use secret_seal::document::emit_options;

pub(super) fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Keygen { output } => keygen(output.as_deref()),
        Command::Encrypt(args) => encrypt(*args),
        Command::Decrypt(args) => decrypt(args),
        Command::Filestatus { file } => filestatus(&file),
        Command::Edit { file } => edit(&file),
        Command::Set(args) => set(args),
        Command::Unset(UnsetArgs {
            file,
            path,
            idempotent,
        }) => secret_seal::file::unset(&file.file, file.format.get(), &path, idempotent)
            .with_context(|| file.file.display().to_string()),
        Command::Rotate(args) => rotate(args),
        Command::Reseal { files, format } => files.iter().try_for_each(|f| {
            let n = rekey::reseal(f, format.get())
                .with_context(|| format!("{}: cannot reseal", f.display()))?;
            eprintln!(
                "resealed {} with a new data key for {n} recipient(s)",
                f.display()
            );
            Ok(())
        }),
        Command::Updatekeys { files, yes, format } => files
            .iter()
            .try_for_each(|f| updatekeys(f, yes, format.get())),
        Command::ExecEnv(args) => exec_env(args),
        Command::ExecFile(args) => exec_file(args),
        Command::GitSetup { repo } => git_setup(repo.as_deref()),
        Command::Merge(args) => merge(args),
        Command::Textconv { file } => {
            platform_cli::print_bytes(&git::textconv(&file)?).map_err(Into::into)
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let script = platform_cli::completion_script(&mut Cli::command(), shell);
            platform_cli::print_bytes(&script).map_err(Into::into)
        }
        Command::Man => {
            use clap::CommandFactory;
            platform_cli::print_bytes(&platform_cli::man_page(Cli::command())).map_err(Into::into)
        }
    }
}

fn keygen(output: Option<&Path>) -> anyhow::Result<()> {
    let public = match output {
        Some(path) => keys::write_new_identity(path)?,
        None => {
            let (text, public) = keys::new_identity();
            std::io::stdout().write_all(text.as_bytes())?;
            if std::io::stdout().is_terminal() {
                return Ok(());
            }
            public
        }
    };
    eprintln!("Public key: {public}");
    Ok(())
}

fn encrypt(args: EncryptArgs) -> anyhow::Result<()> {
    let io = &args.io;
    let (input, target) = (io.read()?, io.target());
    let name = input.name.display().to_string();
    let (in_fmt, out_fmt) =
        input.encrypt_formats(io.input_format(), io.output_format(), &target)?;
    let config = input.config(io.config.as_deref())?;
    let tree = store::load_plain(in_fmt, &input.bytes)
        .with_context(|| format!("{name}: cannot encrypt"))?;
    let named = keys::CommandLine {
        age: Vec::from_iter(args.age.clone()),
        pgp: Vec::from_iter(args.pgp.clone()),
        hc_vault: Vec::from_iter(args.hc_vault_transit.clone()),
        kms: Vec::from_iter(args.kms.clone()),
        encryption_context: args.encryption_context.clone(),
        aws_profile: args.aws_profile.clone(),
    };
    let flags = SealFlags {
        recipients: named.recipients()?,
        rule: Rule::from_flags(&args.rule_flags())?,
        mac_only_encrypted: args.mac_only_encrypted,
        shamir_threshold: args.shamir_secret_sharing_threshold,
    };
    let opts = SealOptions::resolve(flags, config.as_ref(), &input.name).with_context(|| {
        let dir = input.name.parent().filter(|p| !p.as_os_str().is_empty());
        let dir = dir.map_or(".".into(), |p| p.display().to_string());
        match &config {
            None => format!("{name}: no .sops.yaml found from {dir} upward"),
            Some(_) => format!("{name}: cannot encrypt"),
        }
    })?;
    let sealed = secret_seal::seal(tree, in_fmt, &opts)
        .with_context(|| format!("{name}: cannot encrypt"))?;
    let bytes = sealed
        .to_bytes(out_fmt, emit_options(config.as_ref(), io.indent))
        .with_context(|| format!("{name}: cannot write the sealed file"))?;
    Ok(input.write(&target, &bytes)?)
}

fn decrypt(args: DecryptArgs) -> anyhow::Result<()> {
    let io = &args.io;
    let input = io.read()?;
    let name = input.name.display().to_string();
    let (in_fmt, out_fmt) = input.formats(io.input_format(), io.output_format());
    let config = input.config(io.config.as_deref()).ok().flatten();
    let tree = Sealed::parse(in_fmt, &input.bytes)
        .and_then(|sealed| sealed.read_for_user(!args.ignore_mac))
        .with_context(|| format!("{name}: cannot decrypt"))?;
    let opts = emit_options(config.as_ref(), io.indent);
    let bytes = match &args.extract {
        Some(path) => treepath::extract(&tree, path, out_fmt, opts)
            .with_context(|| format!("{name}: --extract"))?,
        None => zeroize::Zeroizing::new(
            store::emit_plain(out_fmt, &tree, opts)
                .with_context(|| format!("{name}: cannot write the plaintext"))?,
        ),
    };
    Ok(input.write(&io.target(), &bytes)?)
}

fn filestatus(file: &FileArg) -> anyhow::Result<()> {
    let sealed = secret_seal::file::is_sealed(&file.file, file.format.get())?;
    println!("{{\"encrypted\":{sealed}}}");
    Ok(())
}

fn set(args: SetArgs) -> anyhow::Result<()> {
    let text = secret_seal::file::value_text(args.value, args.value_file, args.value_stdin)?;
    let (path, format) = (&args.file.file, args.file.format.get());
    secret_seal::file::set(path, format, &args.path, &text, args.idempotent)
        .with_context(|| path.display().to_string())
}

fn edit(file: &FileArg) -> anyhow::Result<()> {
    let path = &file.file;
    let name = path.display().to_string();
    let f =
        SealedFile::open_or_new(path, file.format.get()).with_context(|| match path.exists() {
            true => format!("{name}: cannot open"),
            false => format!("{name}: a new file needs a .sops.yaml creation rule"),
        })?;
    match editor::edit(f).with_context(|| format!("{name}: not changed"))? {
        editor::Edited::Saved => Ok(()),
        editor::Edited::Unchanged => {
            eprintln!("{name}: file has not changed");
            Err(anyhow!(Code(code::FILE_NOT_MODIFIED)))
        }
    }
}

fn rotate(args: RotateArgs) -> anyhow::Result<()> {
    let add = keys::CommandLine {
        age: args.add_age.clone(),
        hc_vault: args.add_hc_vault_transit.clone(),
        kms: args.add_kms.clone(),
        ..Default::default()
    };
    let rm = keys::CommandLine {
        age: args.rm_age.clone(),
        kms: args.rm_kms.clone(),
        ..Default::default()
    };
    let rm_vault = args
        .rm_hc_vault_transit
        .iter()
        .cloned()
        .map(Recipient::HcVault);
    let (add, rm) = (
        add.recipients()?,
        rm.recipients()?
            .into_iter()
            .chain(rm_vault)
            .collect::<Vec<_>>(),
    );
    let path = &args.file.file;
    let rotated = rekey::rotate(path, args.file.format.get(), &add, &rm)
        .with_context(|| format!("{}: cannot rotate", path.display()))?;
    if args.in_place {
        rotated.write(None)?;
    } else {
        let (bytes, _lock) = rotated.into_bytes()?;
        std::io::stdout().write_all(&bytes)?;
    }
    Ok(())
}

fn updatekeys(file: &Path, yes: bool, format: Option<Format>) -> anyhow::Result<()> {
    let name = file.display().to_string();
    let plan = KeySync::plan(file, format).with_context(|| format!("{name}: cannot open"))?;
    if plan.is_current() {
        eprintln!("{name}: already up to date with {}", plan.config.display());
        return Ok(());
    }
    eprintln!("{name}: syncing with {}:", plan.config.display());
    plan.added.iter().for_each(|r| eprintln!("  + {r}"));
    plan.removed.iter().for_each(|r| eprintln!("  - {r}"));
    match (yes, platform_cli::confirm("apply?")?) {
        (true, _) | (false, Some(true)) => {}
        (false, Some(false)) => {
            eprintln!("{name}: left unchanged");
            return Ok(());
        }
        (false, None) => {
            let why = "not a terminal to ask on; pass -y to apply";
            return Err(anyhow!(Error::Invalid(why.into())));
        }
    }
    plan.apply()
        .with_context(|| format!("{name}: cannot recover the data key"))?;
    eprintln!("{name}: updated");
    Ok(())
}

fn exec_env(args: ExecEnvArgs) -> anyhow::Result<()> {
    let name = args.file.file.display();
    let plain = secret_seal::file::read_plain(&args.file.file, args.file.format.get())
        .with_context(|| format!("{name}: cannot open"))?;
    let mut cmd = exec::command_of(&args.command);
    if args.pristine {
        cmd.env_clear();
    }
    for (k, v) in exec::environment(&plain.tree, &args.prefix).with_context(|| name.to_string())? {
        cmd.env(k, v.as_str());
    }
    let code = exec::run_child(cmd)?;
    Err(anyhow!(Code(code)))
}

fn exec_file(args: ExecFileArgs) -> anyhow::Result<()> {
    let path = &args.file.file;
    let f = secret_seal::file::read_plain(path, args.file.format.get())
        .with_context(|| format!("{}: cannot open", path.display()))?;
    let out_format = args
        .output_type
        .as_deref()
        .map_or(f.format, Format::from_name);
    let plain = zeroize::Zeroizing::new(store::emit_plain(out_format, &f.tree, f.stores)?);
    drop(f);
    let name = exec::file_name(path, args.filename);
    let code = exec::with_file(plain, &name, args.no_fifo, &args.command)?;
    Err(anyhow!(Code(code)))
}

fn git_setup(repo: Option<&Path>) -> anyhow::Result<()> {
    let setup = git::setup(repo.unwrap_or(Path::new(".")), &std::env::current_exe()?)?;
    eprintln!(
        "{}: sealed files ({}) diff decrypted and merge value by value for key holders; commit .gitattributes to share it",
        setup.top.display(),
        git::PATTERNS.join(", ")
    );
    if !setup.added.is_empty() {
        eprintln!("added to .gitattributes: {}", setup.added.join(", "));
    }
    Ok(())
}

/// git's merge driver; a non-zero exit tells git the merge has conflicts.
fn merge(args: MergeArgs) -> anyhow::Result<()> {
    let (base, ours, theirs) = (&args.base, &args.ours, &args.theirs);
    let name = args.path.as_deref().unwrap_or(ours);
    let shown = name.display();
    let merged = git::merge(base, ours, theirs, name, args.format.get())
        .with_context(|| format!("{shown}: cannot seal the merge"))?;
    match merged {
        git::Merge::Sealed { conflicts } if conflicts.is_empty() => return Ok(()),
        git::Merge::Sealed { conflicts } => eprintln!(
            "secret-seal merge: {shown}: both sides changed {}; the file stays sealed with both sides of each: run `secret-seal edit {shown}`, keep one side of each, then `git add {shown}`",
            conflicts.join(", ")
        ),
        git::Merge::AsText { why, clean } => {
            let why = platform_cli::describe(&why);
            eprintln!("secret-seal merge: {shown}: {why}; merged as text, as git does without the driver");
            if clean {
                return Ok(());
            }
        }
    }
    Err(anyhow!(Code(1)))
}
