//! `keygen`, `encrypt`, `decrypt` and `filestatus`.

use super::*;

pub(super) fn keygen(output: Option<&Path>) -> anyhow::Result<()> {
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

pub(super) fn flag_rule(args: &EncryptArgs) -> anyhow::Result<Option<Rule>> {
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

pub(super) fn encrypt(args: EncryptArgs) -> anyhow::Result<()> {
    let io = &args.io;
    let input = read_input(io)?;
    let name = input.name.display().to_string();
    let (mut in_fmt, mut out_fmt) = formats(io, &input);
    if name.ends_with(".tfvars") && io.input_type.is_none() {
        // A .tfvars file is HCL that tofu loads by itself (terraform.tfvars, *.auto.tfvars): read
        // as tfvars, and never replaced by a sealed envelope tofu could not parse.
        in_fmt = Format::Tfvars;
        if io.output_type.is_none() {
            out_fmt = Format::Json;
        }
    }
    let writes_tfvars = io.in_place && name.ends_with(".tfvars")
        || io
            .output
            .as_ref()
            .is_some_and(|o| o.to_string_lossy().ends_with(".tfvars"));
    if writes_tfvars {
        let sealed = format!(
            "{}.secrets.tfvars.json",
            name.trim_end_matches(".tfvars").trim_end_matches(".auto")
        );
        return Err(anyhow!(Error::Invalid(format!(
            "{name}: a sealed file written as .tfvars would be loaded by tofu, which cannot parse it; \
             seal the values into {sealed} instead (`secret-seal encrypt {name} --output {sealed}`, \
             or `tofu-envs import --file` for a stack's environment), then remove the plaintext file"
        ))));
    }
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
                        .filter(|p| !p.as_os_str().is_empty())
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

pub(super) fn decrypt(args: DecryptArgs) -> anyhow::Result<()> {
    let io = &args.io;
    let input = read_input(io)?;
    let name = input.name.display().to_string();
    let (in_fmt, out_fmt) = formats(io, &input);
    let config = load_config(io, &input).ok().flatten();
    let sealed =
        Sealed::parse(in_fmt, &input.bytes).with_context(|| format!("{name}: cannot decrypt"))?;
    let tree = sealed
        .read_for_user(!args.ignore_mac)
        .with_context(|| format!("{name}: cannot decrypt"))?;
    let opts = emit_options(io, config.as_ref());
    let bytes = match &args.extract {
        Some(path) => {
            extract(&tree, path, out_fmt, opts).with_context(|| format!("{name}: --extract"))?
        }
        None => zeroize::Zeroizing::new(
            store::emit_plain(out_fmt, &tree, opts)
                .with_context(|| format!("{name}: cannot write the plaintext"))?,
        ),
    };
    write_output(io, &input, &bytes)
}

pub(super) fn extract(
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

pub(super) fn filestatus(file: &Path, input_type: Option<&str>) -> anyhow::Result<()> {
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
