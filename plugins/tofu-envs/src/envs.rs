//! Environments: the effective value of every variable (`vars`), differences between two
//! environments (`diff`), the environments × stacks table (`list`), creating one (`new`) and
//! collecting expired short-lived ones (`gc`).

use crate::error::{Error, Result};
use std::path::PathBuf;

use globset::Glob;
use serde::Serialize;

use crate::layout::{Layout, Registry, RegistryEntry, Stack};
use crate::sources::{self, Sealed, SourceKind};
use crate::value::Value;
use crate::variables;

#[derive(Debug, Clone, Serialize)]
pub struct Resolved {
    pub name: String,
    /// HCL text of the value; `None` when unknown (sealed without a key, computed by terragrunt)
    /// or unset.
    pub value: Option<String>,
    pub source: String,
    pub sensitive: bool,
    pub required: bool,
}

/// Each declared variable's effective value and where it comes from, by tofu's precedence.
pub fn resolve(
    layout: &Layout,
    stack: &Stack,
    env: &str,
    env_vars: &[(String, String)],
) -> Result<Vec<Resolved>> {
    let vars = variables::read_dir(&stack.dir)?;
    let srcs = sources::collect(layout, stack, env, env_vars);
    Ok(vars
        .iter()
        .map(|v| {
            let mut out = Resolved {
                name: v.name.clone(),
                value: v.default.as_ref().map(Value::to_hcl),
                source: if v.default.is_some() {
                    "default".into()
                } else {
                    "(no value: required)".into()
                },
                sensitive: v.sensitive,
                required: v.required(),
            };
            for s in &srcs.sources {
                for e in s.entries.iter().filter(|e| e.name == v.name) {
                    out.value = e.value.as_ref().map(|l| l.value.to_hcl());
                    out.source = match (&s.kind, e.line) {
                        (SourceKind::EnvVar, _) => format!("TF_VAR_{}", v.name),
                        (SourceKind::SealedFile, _) if srcs.sealed == Sealed::NoKey => {
                            format!("{} (sealed; no key to read it)", s.label)
                        }
                        (_, 0) => s.label.clone(),
                        (_, line) => format!("{}:{line}", s.label),
                    };
                }
            }
            out
        })
        .collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub stack: String,
    pub name: String,
    pub a: String,
    pub b: String,
}

/// Variable-level differences of the effective values; secrets are compared, never shown.
pub fn diff(
    layout: &Layout,
    a: &str,
    b: &str,
    stacks: &[&Stack],
    env_vars: &[(String, String)],
) -> Result<Vec<Difference>> {
    let mut out = Vec::new();
    for stack in stacks {
        let ra = resolve(layout, stack, a, env_vars)?;
        let rb = resolve(layout, stack, b, env_vars)?;
        for (x, y) in ra.iter().zip(&rb) {
            if x.value == y.value && x.value.is_some() {
                continue;
            }
            let (va, vb) = if x.sensitive {
                let verdict = match (&x.value, &y.value) {
                    (Some(p), Some(q)) if p == q => continue,
                    (Some(_), Some(_)) => "differs".to_string(),
                    _ => "unknown (sealed; no key)".to_string(),
                };
                (
                    format!("(sensitive) {verdict}"),
                    format!("(sensitive) {verdict}"),
                )
            } else {
                let show =
                    |r: &Resolved| r.value.clone().unwrap_or_else(|| format!("({})", r.source));
                if x.value.is_none() && y.value.is_none() && x.source == y.source {
                    continue;
                }
                (show(x), show(y))
            };
            out.push(Difference {
                stack: stack.name.clone(),
                name: x.name.clone(),
                a: va,
                b: vb,
            });
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct ListRow {
    pub env: String,
    pub stack: String,
    pub plain: bool,
    /// "sealed", "not sealed" or "absent".
    pub secrets: String,
    pub expires: Option<String>,
}

pub fn list(layout: &Layout) -> Result<Vec<ListRow>> {
    let registry = layout.registry()?;
    let mut rows = Vec::new();
    for env in layout.environments() {
        for stack in &layout.stacks {
            let plain = stack.plain_file(&env).exists();
            let sealed_path = stack.sealed_file(&env);
            let secrets = match std::fs::read(&sealed_path) {
                Err(_) => "absent".into(),
                Ok(bytes) if secret_seal::is_sealed(secret_seal::Format::Json, &bytes) => {
                    "sealed".into()
                }
                Ok(_) => "NOT SEALED".into(),
            };
            rows.push(ListRow {
                env: env.clone(),
                stack: stack.name.clone(),
                plain,
                secrets,
                expires: registry.environments.get(&env).map(|e| e.expires.clone()),
            });
        }
    }
    Ok(rows)
}

/// `72h`, `30m`, `2d` → seconds (a unit is required: `--ttl 72` is not 72 hours).
pub fn parse_ttl(s: &str) -> Result<i64> {
    platform_cli::parse_duration(s)
        .map(|d| d.as_secs() as i64)
        .map_err(|e| Error::Usage(format!("invalid --ttl: {e}")))
}

/// Seconds since the epoch of a registry time (RFC3339); None when it is not one.
pub fn parse_utc(s: &str) -> Option<i64> {
    s.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// A registry time: RFC3339 in UTC, whole seconds.
fn format_utc(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

pub(crate) fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

pub struct NewOptions {
    pub from: Option<String>,
    /// With `from`: copy its sealed secrets as they are instead of giving fresh ones.
    pub copy_secrets: bool,
    pub ttl: Option<String>,
    pub stacks: Option<String>,
}

/// What `new` wrote.
pub struct Created {
    pub files: Vec<PathBuf>,
    pub expires: Option<String>,
}

pub use platform_layout::valid_env_name;

pub fn new_env(layout: &Layout, name: &str, opts: &NewOptions) -> Result<Created> {
    if !valid_env_name(name) {
        return Err(Error::Usage(format!(
            "invalid environment name {name:?}: use {}",
            platform_layout::ENV_NAME_RULE
        )));
    }
    if layout.environments().contains(name) {
        return Err(Error::Usage(format!(
            "environment {name:?} already exists; remove its files or pick another name"
        )));
    }
    if let Some(from) = &opts.from {
        if !layout.environments().contains(from) {
            return Err(Error::Usage(format!(
                "no environment {from:?} to copy from; `tofu-envs list` shows them"
            )));
        }
    }
    let glob = opts
        .stacks
        .as_deref()
        .map(|g| {
            Glob::new(g)
                .map(|g| g.compile_matcher())
                .map_err(|e| Error::Usage(format!("invalid --stacks glob: {e}")))
        })
        .transpose()?;
    let stacks: Vec<&Stack> = layout
        .stacks
        .iter()
        .filter(|s| {
            glob.as_ref()
                .is_none_or(|g| g.is_match(&s.name) || g.is_match(s.display()))
        })
        .collect();
    if stacks.is_empty() {
        return Err(Error::Usage("no stack matches --stacks".into()));
    }
    let ttl = opts.ttl.as_deref().map(parse_ttl).transpose()?;
    // Fresh secrets are made and sealed for every stack before anything is written: a file that
    // cannot be opened stops `new` with no half-made environment left behind.
    let mut fresh: Vec<Option<Vec<u8>>> = Vec::new();
    for stack in &stacks {
        fresh.push(match &opts.from {
            Some(from) if !opts.copy_secrets => {
                let src = stack.sealed_file(from);
                match std::fs::read(&src) {
                    Ok(bytes) => Some(with_fresh_secrets(
                        layout,
                        stack,
                        &src,
                        &bytes,
                        &stack.sealed_file(name),
                    )?),
                    Err(_) => None,
                }
            }
            _ => None,
        });
    }
    // The expiry is recorded first: a run killed while writing the files leaves an environment
    // `gc` collects, never one it does not know. A failure takes back what was written.
    let expires = match ttl {
        Some(secs) => Some(register(layout, name, secs)?),
        None => None,
    };
    let mut files = Vec::new();
    let written = write_env_files(layout, name, opts, stacks, fresh, &mut files);
    if let Err(e) = written {
        for f in &files {
            let _ = std::fs::remove_file(f);
        }
        if expires.is_some() {
            let _ = unregister(layout, name);
        }
        return Err(e);
    }
    Ok(Created { files, expires })
}

/// The env files of a new environment, each recorded in `files` once written.
fn write_env_files(
    layout: &Layout,
    name: &str,
    opts: &NewOptions,
    stacks: Vec<&Stack>,
    fresh: Vec<Option<Vec<u8>>>,
    files: &mut Vec<PathBuf>,
) -> Result<()> {
    for (stack, fresh) in stacks.into_iter().zip(fresh) {
        platform_fs::create_dir_all(&stack.env_dir())?;
        match &opts.from {
            Some(from) => {
                if let Ok(bytes) = std::fs::read(stack.plain_file(from)) {
                    platform_fs::write(&stack.plain_file(name), &bytes, 0o644)?;
                    files.push(stack.plain_file(name));
                }
                let (src, dst) = (stack.sealed_file(from), stack.sealed_file(name));
                // Copied as they are with --copy-secrets: a sealed file stays sealed (same data
                // key; its AAD is the key path, not the file name); no key, no plaintext.
                let sealed = match fresh {
                    Some(sealed) => Some(sealed),
                    None if opts.copy_secrets => std::fs::read(&src).ok(),
                    None => None,
                };
                if let Some(sealed) = sealed {
                    platform_fs::write(&dst, &sealed, 0o644)?;
                    files.push(dst);
                }
                // Its own state where the backend keeps it: the source's settings, renamed.
                if let Some((path, text)) =
                    platform_state::backend::derived_backend_file(stack, from, name)?
                {
                    platform_fs::write(&path, text.as_bytes(), 0o644)?;
                    files.push(path);
                }
            }
            None => files.extend(scaffold(layout, stack, name)?),
        }
    }
    Ok(())
}

/// Records an environment's expiry, `secs` from now. Read-modify-write of the registry under
/// the root's lock: environments created at once must all be recorded.
fn register(layout: &Layout, name: &str, secs: i64) -> Result<String> {
    let _lock = platform_fs::Lock::on_dir(&layout.root)?;
    let mut reg: Registry = layout.registry()?;
    let now = now();
    let entry = RegistryEntry {
        created: format_utc(now),
        expires: format_utc(now + secs),
    };
    let expires = entry.expires.clone();
    reg.environments.insert(name.to_string(), entry);
    layout.save_registry(&reg)?;
    Ok(expires)
}

fn unregister(layout: &Layout, name: &str) -> Result<()> {
    let _lock = platform_fs::Lock::on_dir(&layout.root)?;
    let mut reg: Registry = layout.registry()?;
    reg.environments.remove(name);
    layout.save_registry(&reg)
}

/// A new environment's sealed file from another's: each sensitive string variable gets a fresh
/// random value (a customer's demo must not share dev's database password), every other value
/// is kept; sealed for the `.sops.yaml` rule covering the new file.
fn with_fresh_secrets(
    layout: &Layout,
    stack: &Stack,
    src: &std::path::Path,
    bytes: &[u8],
    dst: &std::path::Path,
) -> Result<Vec<u8>> {
    let rel = crate::sources::relative(layout, src);
    let opened = secret_seal::Sealed::parse(secret_seal::Format::Json, bytes)
        .and_then(|s| s.open_for_user(true))
        .map_err(|e| {
            Error::Usage(format!(
                "cannot open {} to give the new environment fresh secrets (or pass --copy-secrets to copy them sealed as they are): {e}",
                rel.display()
            ))
        })?;
    // The stack's .tf files, read once: the declarations say which values are secret strings,
    // their validations how long a fresh one must be.
    let text = crate::fresh::stack_text(&stack.dir);
    let vars = variables::read_source(&text, &stack.dir)?;
    let fresh = |name: &str| {
        vars.iter()
            .any(|v| v.name == name && v.sensitive && matches!(v.ty, crate::types::Type::String))
    };
    let mut values = secret_seal::Branch::default();
    if let Some(branch) = opened.tree.branches.first() {
        for (name, value) in branch.entries() {
            let value = if fresh(name) {
                secret_seal::Value::Str(crate::fresh::secret_for(&text, name))
            } else {
                value.clone()
            };
            values.push(name.to_string(), value);
        }
    }
    sealed_bytes(dst, values)
}

/// A new environment's var file from the stack's variables, every line commented out: the
/// defaults as they are, the required values to fill in (`check` reports them missing until
/// then), and nothing for what terragrunt passes or what is sensitive (its place is the sealed
/// file: `tofu-envs import` or `secret-seal edit`). No value is made up.
fn scaffold(layout: &Layout, stack: &Stack, env: &str) -> Result<Vec<PathBuf>> {
    let vars = variables::read_dir(&stack.dir)?;
    let from_terragrunt: Vec<String> = crate::sources::terragrunt_sources(layout, stack, env)
        .into_iter()
        .flat_map(|s| s.entries.into_iter().map(|e| e.name))
        .collect();
    let mut plain = String::new();
    for v in vars.iter().filter(|v| v.name != "environment") {
        if from_terragrunt.contains(&v.name) || v.sensitive {
            continue;
        }
        match &v.default {
            None => plain.push_str(&format!(
                "# {} = ... (required, {}: set it here)\n",
                v.name,
                v.ty.display()
            )),
            Some(d) => plain.push_str(&format!("# {} = {}\n", v.name, d.to_hcl())),
        }
    }
    let path = stack.plain_file(env);
    let formatted = hcl_format::format(&plain, hcl_format::Mode::Tofu)
        .map_err(|e| Error::invalid(&path)(e.to_string()))?;
    platform_fs::write(&path, formatted.as_bytes(), 0o644)?;
    Ok(vec![path])
}

/// Seals a new secrets file with the `.sops.yaml` rule that covers it; plaintext never touches disk.
pub fn seal_new(path: &std::path::Path, values: secret_seal::Branch) -> Result<PathBuf> {
    let bytes = sealed_bytes(path, values)?;
    platform_fs::write(path, &bytes, 0o644)?;
    Ok(path.to_path_buf())
}

/// The sealed text of a new secrets file at `path`, sealed by the `.sops.yaml` rule covering it.
pub fn sealed_bytes(path: &std::path::Path, values: secret_seal::Branch) -> Result<Vec<u8>> {
    let config = secret_seal::file::covering_config(path)
        .map_err(Error::seal(path))?
        .ok_or_else(|| {
            Error::Usage(format!(
                "no .sops.yaml above {} to seal its secrets with: add one with a creation rule for it",
                path.parent().unwrap_or(std::path::Path::new(".")).display()
            ))
        })?;
    let tree = secret_seal::Tree {
        branches: vec![values],
    };
    config
        .seal_new(path, tree, secret_seal::Format::Json)
        .map_err(Error::seal(path))
}

/// Sets an environment's time to live to `ttl` from now (`tofu-envs extend ENV --ttl 48h`).
pub fn extend(layout: &Layout, env: &str, ttl: &str) -> Result<String> {
    let secs = parse_ttl(ttl)?;
    let _lock = platform_fs::Lock::on_dir(&layout.root)?;
    let mut reg = layout.registry()?;
    let expires = format_utc(now() + secs);
    match reg.environments.get_mut(env) {
        Some(entry) => entry.expires = expires.clone(),
        None => {
            return Err(Error::Usage(format!(
                "environment {env:?} has no time to live (it is not short-lived); `tofu-envs new NAME --ttl` makes one that has"
            )))
        }
    }
    layout.save_registry(&reg)?;
    Ok(expires)
}
