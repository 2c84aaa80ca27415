//! Reading the input and writing the output as sops does (`--input-type`, `--output`, `-i`...), and opening a sealed file by path.

use super::*;

pub(super) struct Input {
    /// The name used for format detection, `.sops.yaml` matching and messages.
    pub(super) name: PathBuf,
    /// The file on disk, when there is one.
    pub(super) path: Option<PathBuf>,
    /// Mapped when the file is large (a 1.7 MB sealed file reads 2 ms faster), else read into
    /// memory that is zeroed when dropped.
    pub(super) bytes: platform_fs::Contents,
}

pub(super) fn read_input(io: &IoArgs) -> anyhow::Result<Input> {
    let stdin = io.file.as_deref().is_none_or(|f| f == Path::new("-"));
    if stdin {
        if io.in_place {
            return Err(anyhow!(Error::Invalid(
                "--in-place needs a file, not standard input".into()
            )));
        }
        let bytes = platform_fs::Contents::read_from(std::io::stdin().lock())
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
    let bytes = read_file(&path)?;
    let name = io.filename_override.clone().unwrap_or_else(|| path.clone());
    Ok(Input {
        name,
        path: Some(path),
        bytes,
    })
}

/// A sealed or plaintext file's bytes (mapped when large, else zeroed when dropped).
fn read_file(path: &Path) -> Result<platform_fs::Contents, Error> {
    platform_fs::Contents::read(path).map_err(|source| Error::Read {
        path: path.into(),
        source,
    })
}

pub(super) fn formats(io: &IoArgs, input: &Input) -> (Format, Format) {
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

pub(super) fn load_config(io: &IoArgs, input: &Input) -> anyhow::Result<Option<config::Config>> {
    match &io.config {
        Some(p) => Ok(Some(config::Config::load(p)?)),
        None => Ok(secret_seal::file::covering_config(&input.name)?),
    }
}

pub(super) fn emit_options(io: &IoArgs, config: Option<&config::Config>) -> EmitOptions {
    let mut opts = config.map(|c| c.stores).unwrap_or_default();
    if let Some(i) = io.indent {
        opts.yaml_indent = Some(i);
        opts.json_indent = Some(i);
    }
    opts
}

pub(super) fn write_output(io: &IoArgs, input: &Input, bytes: &[u8]) -> anyhow::Result<()> {
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

pub(super) struct OpenFile {
    pub(super) format: Format,
    pub(super) opened: secret_seal::Opened,
    pub(super) stores: EmitOptions,
}

pub(super) fn open_file(file: &Path, input_type: Option<&str>) -> anyhow::Result<OpenFile> {
    let name = file.display().to_string();
    let bytes = read_file(file)?;
    let format = input_type.map_or_else(|| Format::from_path(file), Format::from_name);
    let sealed = Sealed::parse(format, &bytes).with_context(|| format!("{name}: cannot open"))?;
    let opened = sealed
        .open_for_user(true)
        .with_context(|| format!("{name}: cannot open"))?;
    Ok(OpenFile {
        format,
        opened,
        stores: stores_for(file),
    })
}

pub(super) use secret_seal::file::stores_for;

/// The recipients of a file's key groups, to wrap a data key for them again.
pub(super) fn groups_of(meta: &secret_seal::Metadata) -> anyhow::Result<Vec<Vec<Recipient>>> {
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
