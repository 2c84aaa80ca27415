//! A document as `encrypt` and `decrypt` take it, the way sops does: read from a file or
//! standard input (named for format detection and `.sops.yaml` matching by `--filename-override`),
//! written over the input (`-i`), to a file (`--output`) or to standard output.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::EmitOptions;
use crate::{atomic, Format};

/// Where a result goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// Over the input file, through a temp file beside it.
    InPlace,
    /// To this file, through a temp file beside it.
    File(PathBuf),
    Stdout,
}

pub struct Document {
    /// The name used for format detection, `.sops.yaml` matching and messages.
    pub name: PathBuf,
    /// The file on disk, when there is one.
    pub path: Option<PathBuf>,
    /// Mapped when the file is large (a 1.7 MB sealed file reads 2 ms faster), else read into
    /// memory that is zeroed when dropped.
    pub bytes: platform_fs::Contents,
}

impl Document {
    /// Reads `file` (standard input for none or `-`), named `name` when given. Writing in
    /// place needs a file.
    pub fn read(file: Option<&Path>, name: Option<&Path>, target: &Target) -> Result<Document> {
        let Some(path) = file.filter(|f| *f != Path::new("-")) else {
            if matches!(target, Target::InPlace) {
                return Err(Error::Invalid(
                    "--in-place needs a file, not standard input".into(),
                ));
            }
            let bytes =
                platform_fs::Contents::read_from(std::io::stdin().lock()).map_err(|source| {
                    Error::Read {
                        path: "standard input".into(),
                        source,
                    }
                })?;
            return Ok(Document {
                name: name.unwrap_or(Path::new("-")).into(),
                path: None,
                bytes,
            });
        };
        let bytes = platform_fs::Contents::read(path).map_err(|source| Error::Read {
            path: path.into(),
            source,
        })?;
        Ok(Document {
            name: name.unwrap_or(path).into(),
            path: Some(path.into()),
            bytes,
        })
    }

    /// The formats read and written: as given, else the input's from its name and the output
    /// the same.
    pub fn formats(&self, input: Option<Format>, output: Option<Format>) -> (Format, Format) {
        let input = input.unwrap_or_else(|| Format::from_path(&self.name));
        (input, output.unwrap_or(input))
    }

    /// The formats `encrypt` reads and writes: a `.tfvars` file is HCL that tofu loads by
    /// itself (terraform.tfvars, *.auto.tfvars), so it is read as tfvars and sealed as JSON,
    /// and a sealed file is never written under a `.tfvars` name, where tofu would load an
    /// envelope it cannot parse.
    pub fn encrypt_formats(
        &self,
        input: Option<Format>,
        output: Option<Format>,
        target: &Target,
    ) -> Result<(Format, Format)> {
        let name = self.name.display().to_string();
        let tfvars = |p: &Path| p.to_string_lossy().ends_with(".tfvars");
        let writes_tfvars = match target {
            Target::InPlace => tfvars(&self.name),
            Target::File(out) => tfvars(out),
            Target::Stdout => false,
        };
        if writes_tfvars {
            let sealed = format!(
                "{}.secrets.tfvars.json",
                name.trim_end_matches(".tfvars").trim_end_matches(".auto")
            );
            return Err(Error::Invalid(format!(
                "{name}: a sealed file written as .tfvars would be loaded by tofu, which cannot parse it; \
                 seal the values into {sealed} instead (`secret-seal encrypt {name} --output {sealed}`, \
                 or `tofu-envs import --file` for a stack's environment), then remove the plaintext file"
            )));
        }
        if input.is_none() && tfvars(&self.name) {
            return Ok((Format::Tfvars, output.unwrap_or(Format::Json)));
        }
        Ok(self.formats(input, output))
    }

    /// The `.sops.yaml` in force: `explicit` (`--config`, `SOPS_CONFIG`), else the one that
    /// covers the document's name.
    pub fn config(&self, explicit: Option<&Path>) -> Result<Option<Config>> {
        match explicit {
            Some(p) => Config::load(p).map(Some),
            None => crate::file::covering_config(&self.name),
        }
    }

    /// Writes `bytes` where `target` says.
    pub fn write(&self, target: &Target, bytes: &[u8]) -> Result<()> {
        match target {
            Target::InPlace => atomic::write(self.path.as_ref().expect("checked in read"), bytes),
            Target::File(out) => atomic::write(out, bytes),
            Target::Stdout => {
                let mut stdout = std::io::stdout().lock();
                stdout
                    .write_all(bytes)
                    .and_then(|()| stdout.flush())
                    .map_err(|source| Error::Write {
                        path: "standard output".into(),
                        source,
                    })
            }
        }
    }
}

/// How a result is written: the configuration's store settings, `indent` for YAML and JSON
/// when given.
pub fn emit_options(config: Option<&Config>, indent: Option<usize>) -> EmitOptions {
    let mut opts = config.map(|c| c.stores).unwrap_or_default();
    if let Some(i) = indent {
        opts.yaml_indent = Some(i);
        opts.json_indent = Some(i);
    }
    opts
}
