//! Who a sealed file is sealed for: `rotate` (a new data key, recipients added or removed),
//! `reseal` (a new data key for the `.sops.yaml` rule's recipients) and `updatekeys` (the same
//! data key, wrapped for the rule's recipients).

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::keys::{self, groups_of, Recipient};
use crate::{atomic, Format, Sealed, SealedFile};

/// The file opened and given a new data key, with `add` joining the first key group and `rm`
/// leaving every group (a group left empty is dropped). Written or printed by the caller.
pub fn rotate(
    path: &Path,
    format: Option<Format>,
    add: &[Recipient],
    rm: &[Recipient],
) -> Result<SealedFile> {
    let mut file = SealedFile::open(path, format)?;
    let mut groups = file.recipients()?;
    for g in &mut groups {
        g.retain(|k| !rm.iter().any(|r| r.names_same_key(k)));
    }
    if let Some(first) = groups.first_mut() {
        for a in add {
            if !first.contains(a) {
                first.push(a.clone());
            }
        }
    }
    groups.retain(|g| !g.is_empty());
    let threshold = file.threshold().min(groups.len());
    file.rekey(&groups, threshold)?;
    Ok(file)
}

/// The key groups and threshold of the `.sops.yaml` rule that covers `file`, and that
/// configuration's path.
pub fn rule_groups(file: &Path) -> Result<(Vec<Vec<Recipient>>, usize, PathBuf)> {
    let path = crate::config::find_for(file).ok_or_else(|| Error::Config {
        path: file.into(),
        message: "no .sops.yaml from its directory upward".into(),
    })?;
    let config = Config::load(&path)?;
    let rule = config.rule_for(file)?;
    Ok((rule.key_groups.clone(), rule.shamir_threshold, path))
}

/// Seals `path` again with a new data key for the recipients of its `.sops.yaml` rule, in
/// place; the number of recipients.
pub fn reseal(path: &Path, format: Option<Format>) -> Result<usize> {
    let (groups, threshold, _) = rule_groups(path)?;
    let mut file = SealedFile::open(path, format)?;
    file.rekey(&groups, threshold)?;
    file.write(None)?;
    Ok(groups.iter().map(Vec::len).sum())
}

/// What `updatekeys` would change in one file: read without a key, so a file already in step
/// with its rule needs none.
#[derive(Debug)]
pub struct KeySync {
    in_step: bool,
    pub file: PathBuf,
    /// The `.sops.yaml` the recipients come from.
    pub config: PathBuf,
    pub added: Vec<Recipient>,
    pub removed: Vec<Recipient>,
    groups: Vec<Vec<Recipient>>,
    threshold: usize,
    format: Format,
}

impl KeySync {
    /// The change that would bring `path`'s recipients in step with its rule.
    pub fn plan(path: &Path, format: Option<Format>) -> Result<KeySync> {
        let (groups, threshold, config) = rule_groups(path)?;
        let format = format.unwrap_or_else(|| Format::from_path(path));
        let bytes = platform_fs::Contents::read(path).map_err(|source| Error::Read {
            path: path.into(),
            source,
        })?;
        let sealed = Sealed::parse(format, &bytes)?;
        let current = groups_of(&sealed.metadata)?;
        let in_step = current == groups
            && (groups.len() < 2 || sealed.metadata.shamir_threshold == threshold.max(1));
        let flat = |g: &[Vec<Recipient>]| g.iter().flatten().cloned().collect::<Vec<_>>();
        let (old, new) = (flat(&current), flat(&groups));
        Ok(KeySync {
            in_step,
            file: path.into(),
            config,
            added: new.iter().filter(|r| !old.contains(r)).cloned().collect(),
            removed: old.iter().filter(|r| !new.contains(r)).cloned().collect(),
            groups,
            threshold,
            format,
        })
    }

    /// Whether the file is already sealed for its rule's recipients (nothing to do).
    pub fn is_current(&self) -> bool {
        self.in_step
    }

    /// Wraps the file's data key for the rule's recipients and writes it in place, under its
    /// lock: the values, their ciphertext, lastmodified and the MAC stay as they are (as sops
    /// does), so only the key groups change in git.
    pub fn apply(self) -> Result<()> {
        let _lock = platform_fs::Lock::on_file(&self.file)?;
        let bytes = platform_fs::Contents::read(&self.file).map_err(|source| Error::Read {
            path: self.file.clone(),
            source,
        })?;
        let mut sealed = Sealed::parse(self.format, &bytes)?;
        let key = sealed.data_key_for_user()?;
        let groups = &self.groups;
        sealed.metadata.key_groups = keys::wrap_data_key(groups, self.threshold, &key)?;
        sealed.metadata.shamir_threshold = match groups.len() {
            0 | 1 => 0,
            n => keys::shares_needed(n, self.threshold),
        };
        let stores = crate::file::stores_for(&self.file);
        atomic::write(&self.file, &sealed.to_bytes(self.format, stores)?)
    }
}
