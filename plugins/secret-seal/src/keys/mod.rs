//! Master keys: loading age identities as sops does, wrapping the data key for recipients and
//! recovering it from a file's key groups (one group: any key; several: Shamir shares).

pub mod age;
pub mod kms;
pub mod pgp;
pub mod shamir;
pub mod vault;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use zeroize::Zeroizing;

use crate::cipher::DataKey;
use crate::error::{Error, Result};
use crate::metadata::{KeyGroup, MasterKey, Metadata};
use std::collections::HashMap;

/// Loaded age identities (X25519 and ssh). Secret key material is held by the age crate, which
/// zeroizes it on drop.
#[derive(Default)]
pub struct Identities {
    pub age: Vec<Box<dyn ::age::Identity>>,
    /// The recipient (`age1...`) of each X25519 identity in `age`, to open the entry sealed for
    /// it first; `None` for ssh identities.
    pub age_recipients: Vec<Option<String>>,
}

impl std::fmt::Debug for Identities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identities({} age)", self.age.len())
    }
}

/// The recipient of an X25519 identity (`age1...`) and its bytes, remembered for the process:
/// identities are loaded for every file opened (`check` opens a thousand), and deriving a public
/// key is a scalar multiplication. Keyed by a hash of the secret, never the secret itself.
fn recipient_of(secret: &str, id: &::age::x25519::Identity) -> (String, [u8; 32]) {
    use sha2::Digest;
    type Known = HashMap<[u8; 32], (String, [u8; 32])>;
    static KNOWN: std::sync::OnceLock<std::sync::Mutex<Known>> = std::sync::OnceLock::new();
    let digest: [u8; 32] = sha2::Sha256::digest(secret.as_bytes()).into();
    let known = KNOWN.get_or_init(Default::default);
    if let Some(r) = known.lock().ok().and_then(|k| k.get(&digest).cloned()) {
        return r;
    }
    let recipient = id.to_public().to_string();
    let bytes = age::recipient_bytes(&recipient).expect("age writes a valid recipient");
    if let Ok(mut k) = known.lock() {
        k.insert(digest, (recipient.clone(), bytes));
    }
    (recipient, bytes)
}

impl Identities {
    /// Parses age identities in age-keygen's key-file syntax: `#` comments and blank lines are
    /// skipped; `source` names the file in errors. `split_words` allows several keys on a line
    /// (as `SOPS_AGE_KEY` does).
    pub fn parse_keys(&mut self, text: &str, source: &Path, split_words: bool) -> Result<()> {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |message: String| Error::KeyFile {
                path: source.to_path_buf(),
                line: n + 1,
                message,
            };
            let words: Vec<&str> = if split_words {
                line.split_whitespace().collect()
            } else {
                vec![line]
            };
            for word in words {
                if word.starts_with("-----BEGIN AGE ENCRYPTED FILE") {
                    return Err(bad("passphrase-protected identity files are not supported; decrypt it with `age -d` into SOPS_AGE_KEY".into()));
                }
                if word.starts_with("AGE-SECRET-KEY-PQ-1") || word.starts_with("AGE-PLUGIN-") {
                    return Err(bad("post-quantum and plugin identities are not supported yet; use an X25519 key (`secret-seal keygen`)".into()));
                }
                if !word.starts_with("AGE-SECRET-KEY-1") {
                    return Err(bad("unknown identity type: expected a line starting with AGE-SECRET-KEY-1 (age-keygen's format)".into()));
                }
                let id = ::age::x25519::Identity::from_str(word)
                    .map_err(|e| bad(format!("invalid age secret key: {e}")))?;
                let (recipient, public) = recipient_of(word, &id);
                self.age_recipients.push(Some(recipient));
                match age::X25519::new(word, public) {
                    Some(known) => self.age.push(Box::new(known)),
                    None => self.age.push(Box::new(id)),
                }
            }
        }
        Ok(())
    }

    /// Loads an ssh private key (ed25519 or RSA, unencrypted) as an age identity.
    pub fn add_ssh_key(&mut self, path: &Path, text: &str) -> Result<()> {
        let id =
            ::age::ssh::Identity::from_buffer(text.as_bytes(), Some(path.display().to_string()))
                .map_err(|e| Error::KeyFile {
                    path: path.into(),
                    line: 1,
                    message: format!("not an ssh private key: {e}"),
                })?;
        match id {
            ::age::ssh::Identity::Unencrypted(_) => {
                self.age_recipients.push(None);
                self.age.push(Box::new(id));
                Ok(())
            }
            ::age::ssh::Identity::Encrypted(_) => Err(Error::KeyFile {
                path: path.into(),
                line: 1,
                message: "passphrase-protected ssh keys are not supported; use an age key".into(),
            }),
            ::age::ssh::Identity::Unsupported(_) => Err(Error::KeyFile {
                path: path.into(),
                line: 1,
                message: "unsupported ssh key type (ed25519 and RSA work)".into(),
            }),
        }
    }

    /// Every source sops reads, combined (none short-circuits): ssh keys, `SOPS_AGE_KEY`,
    /// `SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY_CMD`, then `<config dir>/sops/age/keys.txt`.
    /// `recipient` is passed to the key command as `SOPS_AGE_RECIPIENT`.
    pub fn from_env(recipient: Option<&str>) -> Result<Self> {
        let mut ids = Identities::default();
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let Some(path) = var("SOPS_AGE_SSH_PRIVATE_KEY_FILE") {
            let path = PathBuf::from(path);
            let text = Zeroizing::new(read_key_file(&path)?);
            ids.add_ssh_key(&path, &text)?;
        } else if let Some(home) = home_dir() {
            for name in ["id_ed25519", "id_rsa"] {
                let path = home.join(".ssh").join(name);
                if let Ok(text) = std::fs::read_to_string(&path).map(Zeroizing::new) {
                    // A default ssh key we cannot use must not stop decryption with age keys.
                    let _ = ids.add_ssh_key(&path, &text);
                }
            }
        }
        if let Some(keys) = var("SOPS_AGE_KEY").map(Zeroizing::new) {
            ids.parse_keys(&keys, Path::new("SOPS_AGE_KEY"), true)?;
        }
        if let Some(path) = var("SOPS_AGE_KEY_FILE") {
            let path = PathBuf::from(path);
            let text = Zeroizing::new(read_key_file(&path)?);
            ids.parse_keys(&text, &path, false)?;
        }
        if let Some(cmd) = var("SOPS_AGE_KEY_CMD") {
            let text = run_key_cmd(&cmd, recipient)?;
            ids.parse_keys(&text, Path::new("SOPS_AGE_KEY_CMD"), false)?;
        }
        if let Some(path) = default_key_file() {
            if path.exists() {
                let text = Zeroizing::new(read_key_file(&path)?);
                ids.parse_keys(&text, &path, false)?;
            }
        }
        Ok(ids)
    }
}

fn read_key_file(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::KeyFile {
        path: path.into(),
        line: 0,
        message: format!("cannot read the key file: {e}"),
    })
}

fn run_key_cmd(cmd: &str, recipient: Option<&str>) -> Result<Zeroizing<String>> {
    let words =
        shell_words::split(cmd).map_err(|e| Error::Key(format!("SOPS_AGE_KEY_CMD: {e}")))?;
    let (prog, args) = words
        .split_first()
        .ok_or_else(|| Error::Key("SOPS_AGE_KEY_CMD is empty".into()))?;
    let mut c = std::process::Command::new(prog);
    c.args(args).stderr(std::process::Stdio::inherit());
    if let Some(r) = recipient {
        c.env("SOPS_AGE_RECIPIENT", r);
    }
    let out = c
        .output()
        .map_err(|e| Error::Key(format!("SOPS_AGE_KEY_CMD {prog:?}: {e}")))?;
    if !out.status.success() {
        return Err(Error::Key(format!(
            "SOPS_AGE_KEY_CMD {prog:?} failed with {}",
            out.status
        )));
    }
    String::from_utf8(out.stdout)
        .map(Zeroizing::new)
        .map_err(|_| Error::Key("SOPS_AGE_KEY_CMD printed non-UTF-8".into()))
}

pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Go's `os.UserConfigDir()`: `$XDG_CONFIG_HOME`, else `~/.config` (macOS: Application Support).
pub fn user_config_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x));
    }
    let home = home_dir()?;
    Some(if cfg!(target_os = "macos") {
        home.join("Library/Application Support")
    } else {
        home.join(".config")
    })
}

/// `<config dir>/sops/age/keys.txt`, where sops and age-keygen users keep their identities.
pub fn default_key_file() -> Option<PathBuf> {
    user_config_dir().map(|d| d.join("sops").join("age").join("keys.txt"))
}

/// A recipient named on the command line, in the environment or in `.sops.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    Age(String),
    Pgp(String),
    /// A Vault transit key, by its URI (`https://vault:8200/v1/transit/keys/NAME`).
    HcVault(String),
    /// An AWS KMS key (with its role, encryption context and profile).
    Kms(kms::Key),
}

impl std::fmt::Display for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recipient::Age(r) => write!(f, "age {r}"),
            Recipient::Pgp(fp) => write!(f, "pgp {fp}"),
            Recipient::HcVault(uri) => write!(f, "hc_vault {uri}"),
            Recipient::Kms(key) => write!(f, "kms {}", key.arn),
        }
    }
}

impl Recipient {
    /// Whether `other` is the same master key: a KMS key by its ARN alone (its context and
    /// profile are how it is used, not which key it is).
    pub fn names_same_key(&self, other: &Recipient) -> bool {
        match (self, other) {
            (Recipient::Kms(a), Recipient::Kms(b)) => a.arn == b.arn,
            _ => self == other,
        }
    }
}

/// Splits sops's comma-separated recipient lists; entries are trimmed, empty ones dropped.
pub fn split_list(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Wraps a fresh or existing data key for key groups (Shamir-split across several groups).
pub fn wrap_data_key(
    groups: &[Vec<Recipient>],
    threshold: usize,
    key: &DataKey,
) -> Result<Vec<KeyGroup>> {
    if groups.is_empty() {
        return Err(Error::NoRecipients);
    }
    if groups.iter().any(Vec::is_empty) {
        return Err(Error::Invalid("empty key group provided".into()));
    }
    let shares: Vec<Zeroizing<Vec<u8>>> = if groups.len() == 1 {
        vec![Zeroizing::new(key.as_bytes().to_vec())]
    } else {
        let t = if threshold == 0 {
            groups.len()
        } else {
            threshold
        };
        shamir::split(key.as_bytes(), groups.len(), t).map_err(Error::Invalid)?
    };
    let created = crate::time::now_rfc3339();
    groups
        .iter()
        .zip(&shares)
        .map(|(group, secret)| {
            group
                .iter()
                .map(|r| match r {
                    Recipient::Age(rcpt) => Ok(MasterKey::Age {
                        recipient: rcpt.clone(),
                        enc: age::wrap(rcpt, secret).map_err(Error::Key)?,
                    }),
                    Recipient::Pgp(fp) => Ok(MasterKey::Pgp {
                        fp: fp.clone(),
                        created_at: created.clone(),
                        enc: pgp::wrap(fp, secret).map_err(Error::Key)?,
                    }),
                    Recipient::HcVault(uri) => {
                        vault::wrap(uri, secret, &created).map_err(Error::Key)
                    }
                    Recipient::Kms(key) => kms::wrap(key, secret, &created).map_err(Error::Key),
                })
                .collect()
        })
        .collect()
}

/// Recovers the data key. `load_identities` runs only when the file has age keys; a failure to
/// load them is reported as is when no other key could have opened the file.
pub fn recover_data_key(
    meta: &Metadata,
    load_identities: impl FnOnce() -> Result<Identities>,
) -> Result<DataKey> {
    let needs_age = meta
        .recipients()
        .any(|k| matches!(k, MasterKey::Age { .. }));
    let mut identities = None;
    let mut load_error = None;
    if needs_age {
        match load_identities() {
            Ok(ids) => identities = Some(ids),
            Err(e) => load_error = Some(e),
        }
    }
    let mut details = Vec::new();
    let needed = match meta.key_groups.len() {
        1 => 1,
        n => shares_needed(n, meta.shamir_threshold),
    };
    // Offline keys first, in every group: a key service is asked only for the groups still
    // missing once the keys at hand have done what they can.
    let mut opened: Vec<Option<Zeroizing<Vec<u8>>>> = meta
        .key_groups
        .iter()
        .map(|group| unwrap_group(group, identities.as_ref(), Reach::Offline, &mut details))
        .collect();
    for (gi, group) in meta.key_groups.iter().enumerate() {
        if opened.iter().flatten().count() >= needed {
            break;
        }
        if opened[gi].is_none() {
            opened[gi] = unwrap_group(group, identities.as_ref(), Reach::Network, &mut details);
        }
    }
    let mut shares = Vec::new();
    for (gi, share) in opened.into_iter().enumerate() {
        match share {
            Some(s) => shares.push(s),
            None if meta.key_groups.len() > 1 => {
                details.push(format!("  group {}: no key could be decrypted", gi + 1))
            }
            None => {}
        }
    }
    let key = if meta.key_groups.len() == 1 {
        shares.pop().and_then(|s| DataKey::from_slice(&s))
    } else {
        let threshold = shares_needed(meta.key_groups.len(), meta.shamir_threshold);
        if shares.len() >= threshold {
            shamir::combine(&shares)
                .ok()
                .and_then(|s| DataKey::from_slice(&s))
        } else {
            details.push(format!(
                "  {} of {threshold} required key groups could be decrypted",
                shares.len()
            ));
            None
        }
    };
    match (key, load_error) {
        (Some(k), _) => Ok(k),
        (None, Some(e))
            if meta
                .recipients()
                .all(|k| matches!(k, MasterKey::Age { .. })) =>
        {
            Err(e)
        }
        (None, load_error) => {
            if let Some(e) = load_error {
                details.push(format!("  loading age identities: {e}"));
            }
            if needs_age && identities.as_ref().is_some_and(|i| i.age.is_empty()) {
                details.push("  no age identity found: set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, or put your key in ~/.config/sops/age/keys.txt".into());
            }
            Err(Error::NoDataKey { details })
        }
    }
}

/// Which master keys a pass tries: those that need nothing but this machine, or key services.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    Offline,
    Network,
}

fn is_offline(key: &MasterKey) -> bool {
    matches!(key, MasterKey::Age { .. } | MasterKey::Pgp { .. })
}

fn unwrap_group(
    group: &KeyGroup,
    ids: Option<&Identities>,
    reach: Reach,
    details: &mut Vec<String>,
) -> Option<Zeroizing<Vec<u8>>> {
    if reach == Reach::Network {
        return unwrap_network(group, details);
    }
    // The entry sealed for one of our own keys first, opened with that key alone: a file shared
    // by a team of N is then one X25519 operation to open, not up to N times the keys held.
    if let Some(ids) = ids {
        for key in group {
            let MasterKey::Age { recipient, enc } = key else {
                continue;
            };
            let own = ids
                .age_recipients
                .iter()
                .position(|r| r.as_deref() == Some(recipient.as_str()));
            if let Some(i) = own {
                if let Ok(secret) = age::unwrap(enc, &ids.age[i..=i]) {
                    return Some(secret);
                }
            }
        }
    }
    for key in group.iter().filter(|k| is_offline(k)) {
        let result = match key {
            MasterKey::Age { enc, .. } => match ids {
                Some(ids) => age::unwrap(enc, &ids.age),
                None => Err("age identities could not be loaded".into()),
            },
            MasterKey::Pgp { enc, .. } => pgp::unwrap(enc),
            MasterKey::Other { .. } => continue,
        };
        match result {
            Ok(secret) => return Some(secret),
            Err(e) => details.push(format!("  {} {}: {e}", key.kind(), key.id())),
        }
    }
    None
}

/// The group's key-service entries, tried in order until one opens.
fn unwrap_network(group: &KeyGroup, details: &mut Vec<String>) -> Option<Zeroizing<Vec<u8>>> {
    for key in group.iter().filter(|k| !is_offline(k)) {
        let MasterKey::Other { kind, fields } = key else {
            continue;
        };
        let result = match kind.as_str() {
            vault::KIND => vault::unwrap(fields),
            kms::KIND => kms::unwrap(fields),
            other => Err(format!(
                "{other} keys are kept in the file but secret-seal cannot use them (it speaks to Vault/OpenBao; use sops for {other})"
            )),
        };
        match result {
            Ok(secret) => return Some(secret),
            Err(e) => details.push(format!("  {} {}: {e}", key.kind(), key.id())),
        }
    }
    None
}

/// How many key groups must be opened to recover the data key: the file's threshold, or every
/// group when it says none (sops's rule for a missing or zero `shamir_threshold`).
pub fn shares_needed(groups: usize, threshold: usize) -> usize {
    if threshold == 0 {
        groups
    } else {
        threshold
    }
}

/// The recipients of a file's key groups, to wrap a data key for them again (`rotate`,
/// `updatekeys`, the merge driver). A key type secret-seal cannot wrap for is an error that
/// names it.
pub fn groups_of(meta: &Metadata) -> Result<Vec<Vec<Recipient>>> {
    meta.key_groups
        .iter()
        .map(|g| {
            g.iter()
                .map(|k| match k {
                    MasterKey::Age { recipient, .. } => Ok(Recipient::Age(recipient.clone())),
                    MasterKey::Pgp { fp, .. } => Ok(Recipient::Pgp(fp.clone())),
                    MasterKey::Other { kind, fields } if kind == vault::KIND => vault::key_of_entry(fields)
                        .map(|k| Recipient::HcVault(k.uri()))
                        .map_err(Error::Key),
                    MasterKey::Other { kind, fields } if kind == kms::KIND => kms::key_of_entry(fields)
                        .map(Recipient::Kms)
                        .map_err(Error::Key),
                    MasterKey::Other { kind, .. } => Err(Error::Key(format!(
                        "the file has a {kind} key, which secret-seal cannot wrap a new data key for; use sops"
                    ))),
                })
                .collect()
        })
        .collect()
}

/// A new age identity in age-keygen's file format (a `# created:` and a `# public key:` line,
/// then the secret key), and its public key.
pub fn new_identity() -> (Zeroizing<String>, String) {
    use ::age::secrecy::ExposeSecret;
    let identity = ::age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let text = Zeroizing::new(format!(
        "# created: {}\n# public key: {public}\n{}\n",
        crate::time::now_rfc3339(),
        identity.to_string().expose_secret()
    ));
    (text, public)
}

/// Writes a new age identity to `path` (0600, never over an existing file; a missing directory
/// such as `~/.config/sops/age` on a fresh machine is made private, as the key is); its public
/// key.
pub fn write_new_identity(path: &Path) -> Result<String> {
    if path.exists() {
        return Err(Error::Invalid(format!(
            "{} already exists; refusing to overwrite an identity (choose another -o)",
            path.display()
        )));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        platform_fs::create_private_dir(dir)?;
    }
    let (text, public) = new_identity();
    crate::atomic::create_new(path, text.as_bytes(), 0o600)?;
    Ok(public)
}

/// The keys named on the command line: each list comma-separated, as sops takes them.
#[derive(Debug, Default, Clone)]
pub struct CommandLine {
    pub age: Vec<String>,
    pub pgp: Vec<String>,
    pub hc_vault: Vec<String>,
    /// `ARN` or `ARN+ROLE_ARN`.
    pub kms: Vec<String>,
    /// `--encryption-context k1:v1,k2:v2`, for the KMS keys.
    pub encryption_context: Option<String>,
    /// `--aws-profile`, for the KMS keys.
    pub aws_profile: Option<String>,
}

impl CommandLine {
    /// The recipients, in sops's group order (age, pgp, kms, vault). A Vault key named here is
    /// the user's own choice: its address may receive the token. A malformed encryption
    /// context is dropped with a warning, as sops does.
    pub fn recipients(&self) -> Result<Vec<Recipient>> {
        let list = |lists: &[String]| -> Vec<String> {
            lists.iter().flat_map(|s| split_list(s)).collect()
        };
        let mut out: Vec<Recipient> = list(&self.age).into_iter().map(Recipient::Age).collect();
        out.extend(list(&self.pgp).into_iter().map(Recipient::Pgp));
        let context = match self.encryption_context.as_deref().map(kms_context) {
            Some(Ok(c)) => c,
            Some(Err(warning)) => {
                eprintln!("warning: {warning}");
                Default::default()
            }
            None => Default::default(),
        };
        for arn in list(&self.kms) {
            let key = kms::Key::from_arn(&arn, context.clone(), self.aws_profile.clone());
            key.region().map_err(|e| Error::Invalid(e.to_string()))?;
            out.push(Recipient::Kms(key));
        }
        for uri in list(&self.hc_vault) {
            let key = vault::key_of(&uri).map_err(Error::Invalid)?;
            platform_vault::name_on_command_line(&key.address)
                .map_err(|e| Error::Invalid(e.to_string()))?;
            out.push(Recipient::HcVault(uri));
        }
        Ok(out)
    }
}

fn kms_context(
    text: &str,
) -> std::result::Result<std::collections::BTreeMap<String, String>, String> {
    platform_aws::kms::parse_context(text)
}

/// A key-service entry's field (`arn`, `enc`, `vault_address`...), a string that is not empty.
fn entry_text<'a>(fields: &'a crate::tree::Branch, key: &str) -> Option<&'a str> {
    fields
        .get(key)
        .and_then(crate::tree::Value::as_str)
        .filter(|v| !v.is_empty())
}

/// A field every `kind` entry has; its absence is an error that names it.
fn entry_needs<'a>(
    fields: &'a crate::tree::Branch,
    kind: &str,
    key: &str,
) -> std::result::Result<&'a str, String> {
    entry_text(fields, key).ok_or_else(|| format!("the {kind} entry has no {key}"))
}
