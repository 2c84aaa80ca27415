//! Which values get encrypted: the six sops encryption rules (spec §3).

use regex::Regex;

/// At most one rule applies to a file; none set means `unencrypted_suffix: _unencrypted`.
#[derive(Debug, Clone)]
pub enum Rule {
    UnencryptedSuffix(String),
    EncryptedSuffix(String),
    UnencryptedRegex(Regex),
    EncryptedRegex(Regex),
    UnencryptedCommentRegex(Regex),
    EncryptedCommentRegex(Regex),
}

impl Default for Rule {
    fn default() -> Self {
        Rule::UnencryptedSuffix("_unencrypted".into())
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Self) -> bool {
        self.metadata_key() == other.metadata_key() && self.pattern() == other.pattern()
    }
}

pub const RULE_KEYS: [&str; 6] = [
    "unencrypted_suffix",
    "encrypted_suffix",
    "unencrypted_regex",
    "encrypted_regex",
    "unencrypted_comment_regex",
    "encrypted_comment_regex",
];

/// A regex compiled once per process: every sealed file of a repository carries the same
/// `encrypted_regex`, and compiling it per file cost more than decrypting the file's values.
fn compiled(pattern: &str) -> Result<Regex, regex::Error> {
    static CACHE: std::sync::Mutex<Vec<Regex>> = std::sync::Mutex::new(Vec::new());
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(re) = cache.iter().find(|r| r.as_str() == pattern) {
        return Ok(re.clone());
    }
    let re = Regex::new(pattern)?;
    if cache.len() < 64 {
        cache.push(re.clone());
    }
    Ok(re)
}

impl Rule {
    /// Builds a rule from its metadata/.sops.yaml key and value.
    pub fn from_key(key: &str, value: &str) -> Result<Self, String> {
        let re = || compiled(value).map_err(|e| format!("invalid {key} {value:?}: {e}"));
        Ok(match key {
            "unencrypted_suffix" => Rule::UnencryptedSuffix(value.into()),
            "encrypted_suffix" => Rule::EncryptedSuffix(value.into()),
            "unencrypted_regex" => Rule::UnencryptedRegex(re()?),
            "encrypted_regex" => Rule::EncryptedRegex(re()?),
            "unencrypted_comment_regex" => Rule::UnencryptedCommentRegex(re()?),
            "encrypted_comment_regex" => Rule::EncryptedCommentRegex(re()?),
            other => return Err(format!("unknown encryption rule {other}")),
        })
    }

    /// The rule given by at most one of the command line's rule flags (`(key, value)` pairs as
    /// [`Rule::from_key`] takes them; None where a flag was not given).
    pub fn from_flags(flags: &[(&str, Option<&String>)]) -> crate::Result<Option<Self>> {
        let given: Vec<(&str, &String)> = flags
            .iter()
            .filter_map(|(k, v)| v.map(|v| (*k, v)))
            .collect();
        if given.len() > 1 {
            let names: Vec<String> = flags
                .iter()
                .map(|(k, _)| format!("--{}", k.replace('_', "-")))
                .collect();
            return Err(crate::Error::Invalid(format!(
                "only one of {} may be given",
                names.join(", ")
            )));
        }
        given
            .first()
            .map(|(k, v)| Rule::from_key(k, v).map_err(crate::Error::Invalid))
            .transpose()
    }

    pub fn metadata_key(&self) -> &'static str {
        match self {
            Rule::UnencryptedSuffix(_) => "unencrypted_suffix",
            Rule::EncryptedSuffix(_) => "encrypted_suffix",
            Rule::UnencryptedRegex(_) => "unencrypted_regex",
            Rule::EncryptedRegex(_) => "encrypted_regex",
            Rule::UnencryptedCommentRegex(_) => "unencrypted_comment_regex",
            Rule::EncryptedCommentRegex(_) => "encrypted_comment_regex",
        }
    }

    pub fn pattern(&self) -> &str {
        match self {
            Rule::UnencryptedSuffix(s) | Rule::EncryptedSuffix(s) => s,
            Rule::UnencryptedRegex(r)
            | Rule::EncryptedRegex(r)
            | Rule::UnencryptedCommentRegex(r)
            | Rule::EncryptedCommentRegex(r) => r.as_str(),
        }
    }

    /// sops `shouldBeEncrypted`: `path` holds every key from the root (ancestors count too);
    /// `comments` the comment frames in scope. `leaf_is_comment` skips the comment itself.
    pub fn should_encrypt(
        &self,
        path: &[String],
        comments: &[Vec<String>],
        leaf_is_comment: bool,
    ) -> bool {
        match self {
            Rule::UnencryptedSuffix(s) => !path.iter().any(|k| k.ends_with(s.as_str())),
            Rule::EncryptedSuffix(s) => path.iter().any(|k| k.ends_with(s.as_str())),
            Rule::UnencryptedRegex(r) => !path.iter().any(|k| r.is_match(k)),
            Rule::EncryptedRegex(r) => path.iter().any(|k| r.is_match(k)),
            Rule::UnencryptedCommentRegex(r) => !comments.iter().flatten().any(|c| r.is_match(c)),
            Rule::EncryptedCommentRegex(r) => {
                let last_frame = comments.len().saturating_sub(1);
                comments.iter().enumerate().any(|(i, frame)| {
                    let skip_last = leaf_is_comment && i == last_frame;
                    let n = if skip_last {
                        frame.len().saturating_sub(1)
                    } else {
                        frame.len()
                    };
                    frame[..n].iter().any(|c| r.is_match(c))
                })
            }
        }
    }
}
