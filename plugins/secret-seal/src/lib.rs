//! SOPS-compatible encryption with age keys.
//!
//! What `secret-seal` writes, `sops`, terragrunt's `sops_decrypt_file` and Flux read, and it reads
//! what they write. The API works on bytes and trees; nothing here touches the filesystem except
//! [`Identities::from_env`], [`config`] and [`atomic`].
//!
//! ```no_run
//! use secret_seal::{store::Format, Sealed, Identities};
//! let bytes = std::fs::read("env/prod.secrets.tfvars.json").unwrap();
//! let sealed = Sealed::parse(Format::Json, &bytes).unwrap();
//! let opened = sealed.open(|| Identities::from_env(None), true).unwrap();
//! println!("{:?}", opened.tree.branches[0].get("db_password"));
//! ```

pub mod atomic;
pub mod cipher;
pub mod config;
pub mod document;
pub mod editor;
pub mod error;
pub mod exec;
pub mod file;
pub mod format;
pub mod git;
pub mod keys;
pub mod merge;
pub mod metadata;
pub mod rekey;
pub mod rules;
pub mod seal;
pub mod store;
pub mod time;
pub mod tree;
pub mod treepath;

pub use cipher::DataKey;
pub use error::{Error, Result};
pub use file::SealedFile;
pub use keys::{Identities, Recipient};
pub use metadata::Metadata;
pub use rules::Rule;
pub use store::Format;
pub use tree::{Branch, Item, Key, Tree, Value};

/// How a new file is encrypted: its key groups and rule, from flags or a creation rule.
#[derive(Debug, Clone, Default)]
pub struct SealOptions {
    pub key_groups: Vec<Vec<Recipient>>,
    pub shamir_threshold: usize,
    pub rule: Option<Rule>,
    pub mac_only_encrypted: bool,
}

impl SealOptions {
    /// What a `.sops.yaml` creation rule says a new file is sealed with.
    pub fn from_rule(rule: &config::CreationRule) -> SealOptions {
        SealOptions {
            key_groups: rule.key_groups.clone(),
            shamir_threshold: rule.shamir_threshold,
            rule: rule.rule.clone(),
            mac_only_encrypted: rule.mac_only_encrypted,
        }
    }
}

/// What the command line says a new file is sealed with; what it leaves out comes from the
/// `.sops.yaml` creation rule.
#[derive(Debug, Clone, Default)]
pub struct SealFlags {
    /// Recipients given by flags (`--age`, `--pgp`), one key group; none: the rule's.
    pub recipients: Vec<Recipient>,
    /// An encryption rule given by a flag, which wins over the rule's.
    pub rule: Option<Rule>,
    pub mac_only_encrypted: bool,
    pub shamir_threshold: Option<usize>,
}

impl SealOptions {
    /// The options for sealing `file`: the flags' recipients, or the creation rule's that
    /// covers it in `config` (no recipients and no configuration: [`Error::NoRecipients`]).
    pub fn resolve(
        flags: SealFlags,
        config: Option<&config::Config>,
        file: &std::path::Path,
    ) -> Result<SealOptions> {
        let mut opts = if flags.recipients.is_empty() {
            let rule = config.ok_or(Error::NoRecipients)?.rule_for(file)?;
            let from_rule = SealOptions::from_rule(rule);
            SealOptions {
                rule: flags.rule.or(from_rule.rule),
                mac_only_encrypted: flags.mac_only_encrypted || from_rule.mac_only_encrypted,
                ..from_rule
            }
        } else {
            SealOptions {
                key_groups: vec![flags.recipients],
                shamir_threshold: 0,
                rule: flags.rule,
                mac_only_encrypted: flags.mac_only_encrypted,
            }
        };
        if let Some(t) = flags.shamir_threshold {
            opts.shamir_threshold = t;
        }
        Ok(opts)
    }
}

impl config::Config {
    /// A new sealed file for `file`, as the creation rule that covers it says (recipients,
    /// encryption rule, Shamir threshold), written with this configuration's store settings.
    pub fn seal_new(&self, file: &std::path::Path, tree: Tree, format: Format) -> Result<Vec<u8>> {
        let opts = SealOptions::from_rule(self.rule_for(file)?);
        seal(tree, format, &opts)?.to_bytes(format, self.stores)
    }
}

/// An encrypted document: values still `ENC[...]`, metadata parsed.
#[derive(Debug)]
pub struct Sealed {
    pub format: Format,
    pub tree: Tree,
    pub metadata: Metadata,
}

/// A decrypted document with the data key it was sealed with (to re-seal with the same key,
/// so unchanged values keep their ciphertext).
#[derive(Debug)]
pub struct Opened {
    pub format: Format,
    pub tree: Tree,
    pub metadata: Metadata,
    pub data_key: DataKey,
    /// The ciphertexts the values had, to keep unchanged ones byte-identical when re-sealing.
    pub stash: seal::Stash,
}

impl Sealed {
    pub fn parse(format: Format, bytes: &[u8]) -> Result<Self> {
        // sops's "need at least one document" (exit 92), not "not encrypted".
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::Empty);
        }
        let (tree, metadata) = store::load_encrypted(format, bytes)?;
        Ok(Sealed {
            format,
            tree,
            metadata,
        })
    }

    /// Recovers the data key, decrypts every value and (when `verify_mac`) checks the MAC.
    pub fn open(
        self,
        load_identities: impl FnOnce() -> Result<Identities>,
        verify_mac: bool,
    ) -> Result<Opened> {
        let data_key = keys::recover_data_key(&self.metadata, load_identities)?;
        self.open_with_key(data_key, verify_mac)
    }

    /// Opens with the user's identities, found as sops finds them: `SOPS_AGE_KEY`,
    /// `SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY_CMD` (run with `SOPS_AGE_RECIPIENT` set to the file's
    /// first age recipient, so a key manager can pick the key), `~/.config/sops/age/keys.txt`,
    /// and gpg for PGP. Every tool opens sealed files this way.
    pub fn open_for_user(self, verify_mac: bool) -> Result<Opened> {
        let first_age = self.metadata.first_age_recipient();
        self.open(|| Identities::from_env(first_age.as_deref()), verify_mac)
    }

    /// The data key, recovered with the user's identities as [`Sealed::open_for_user`] finds them.
    pub fn data_key_for_user(&self) -> Result<DataKey> {
        let first_age = self.metadata.first_age_recipient();
        keys::recover_data_key(&self.metadata, || {
            Identities::from_env(first_age.as_deref())
        })
    }

    /// The plaintext tree, for reading only (`decrypt`, a diff, a check): as
    /// [`Sealed::open_for_user`], without keeping every ciphertext for a re-seal.
    pub fn read_for_user(mut self, verify_mac: bool) -> Result<Tree> {
        let data_key = self.data_key_for_user()?;
        self.decrypt_in_place(&data_key, verify_mac, None)?;
        Ok(std::mem::take(&mut self.tree))
    }

    fn decrypt_in_place(
        &mut self,
        data_key: &DataKey,
        verify_mac: bool,
        stash: Option<&mut seal::Stash>,
    ) -> Result<()> {
        let mac = seal::decrypt_tree_stashing(&mut self.tree, &self.metadata, data_key, stash)?;
        if verify_mac {
            seal::verify_mac(&self.metadata, data_key, &mac)?;
        }
        Ok(())
    }

    pub fn open_with_key(mut self, data_key: DataKey, verify_mac: bool) -> Result<Opened> {
        let mut stash = seal::Stash::default();
        self.decrypt_in_place(&data_key, verify_mac, Some(&mut stash))?;
        Ok(Opened {
            format: self.format,
            tree: std::mem::take(&mut self.tree),
            metadata: self.metadata.clone(),
            data_key,
            stash,
        })
    }

    pub fn to_bytes(&self, format: Format, opts: store::EmitOptions) -> Result<Vec<u8>> {
        store::emit_encrypted(format, &self.tree, &self.metadata, opts)
    }
}

/// Encrypts a plaintext tree for the given key groups with a fresh data key.
pub fn seal(tree: Tree, format: Format, opts: &SealOptions) -> Result<Sealed> {
    if opts.key_groups.is_empty() || opts.key_groups.iter().all(Vec::is_empty) {
        return Err(Error::NoRecipients);
    }
    let data_key = DataKey::generate();
    let key_groups = keys::wrap_data_key(&opts.key_groups, opts.shamir_threshold, &data_key)?;
    let mut metadata = Metadata {
        shamir_threshold: if key_groups.len() > 1 {
            keys::shares_needed(key_groups.len(), opts.shamir_threshold)
        } else {
            opts.shamir_threshold
        },
        key_groups,
        ..Metadata::default()
    };
    // The binary store ignores encryption rules: its one value is always encrypted.
    if format != Format::Binary {
        metadata.rule = opts.rule.clone().unwrap_or_default();
        metadata.mac_only_encrypted = opts.mac_only_encrypted;
    }
    reseal(tree, format, metadata, &data_key)
}

/// Encrypts a plaintext tree with an existing data key and metadata (new lastmodified and MAC).
pub fn reseal(
    mut tree: Tree,
    format: Format,
    mut metadata: Metadata,
    data_key: &DataKey,
) -> Result<Sealed> {
    metadata.lastmodified = time::now_rfc3339();
    metadata.version = metadata::SOPS_VERSION.into();
    let mac = seal::encrypt_tree(&mut tree, &metadata, data_key)?;
    metadata.mac = seal::seal_mac(&mac, data_key, &metadata.lastmodified);
    Ok(Sealed {
        format,
        tree,
        metadata,
    })
}

impl Opened {
    /// Seals the (edited) tree again with the same data key and recipients; values that did not
    /// change keep their exact ciphertext. New lastmodified and MAC.
    pub fn reseal(mut self) -> Result<Sealed> {
        let mut metadata = self.metadata.clone();
        metadata.lastmodified = time::now_rfc3339();
        let mut tree = std::mem::take(&mut self.tree);
        let mac =
            seal::encrypt_tree_reusing(&mut tree, &metadata, &self.data_key, Some(&self.stash))?;
        metadata.mac = seal::seal_mac(&mac, &self.data_key, &metadata.lastmodified);
        Ok(Sealed {
            format: self.format,
            tree: std::mem::take(&mut tree),
            metadata,
        })
    }
}

/// `filestatus`: encrypted iff metadata exists with a non-empty version and MAC.
pub fn is_sealed(format: Format, bytes: &[u8]) -> bool {
    store::load_encrypted(format, bytes)
        .is_ok_and(|(_, m)| !m.version.is_empty() && !m.mac.is_empty())
}
