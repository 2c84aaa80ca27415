//! `rotate`, `reseal` and `updatekeys`: a new data key, or the same one for other recipients.

use super::*;

/// Seals a plaintext tree with a new data key for `groups`, keeping the file's rule.
pub(super) fn seal_anew(
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

pub(super) fn rotate(
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

pub(super) fn rule_groups(file: &Path) -> anyhow::Result<(Vec<Vec<Recipient>>, usize, PathBuf)> {
    let path = config::find_for(file)
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

pub(super) fn reseal(file: &Path, input_type: Option<&str>) -> anyhow::Result<()> {
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

pub(super) fn updatekeys(file: &Path, yes: bool, input_type: Option<&str>) -> anyhow::Result<()> {
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
