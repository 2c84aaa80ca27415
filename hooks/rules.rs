//! What each hook refuses, and how to fix it. Every finding names the file, the line (or key
//! path) and the command that fixes it.

use std::path::Path;

use hcl_format::Mode;
use regex::Regex;
use serde::Serialize;

use crate::staged::{Repo, Staged};
use crate::Hook;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub hook: Hook,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The command or change that fixes it.
    pub fix: String,
}

impl Finding {
    fn new(
        hook: Hook,
        file: &str,
        line: usize,
        column: usize,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Finding {
            hook,
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            fix: fix.into(),
        }
    }
}

/// `tofu-fmt` / `terragrunt-fmt`: staged content formatted exactly as `tofu fmt` /
/// `terragrunt hcl fmt` would. `fix` rewrites the working-tree file, only when it equals what is
/// staged (so unstaged work is never touched); the commit is still stopped, to re-stage it.
pub fn fmt(hook: Hook, repo: &Repo, files: &[Staged], fix: bool) -> Vec<Finding> {
    let want = if hook == Hook::TofuFmt {
        Mode::Tofu
    } else {
        Mode::Terragrunt
    };
    let mut out = Vec::new();
    for f in files {
        // A link is not HCL: what it points to is judged where it is staged.
        if f.symlink || hcl_format::Mode::for_path(Path::new(&f.path)) != Some(want) {
            continue;
        }
        let Some(text) = f.text() else {
            out.push(Finding::new(
                hook,
                &f.path,
                1,
                1,
                "not valid UTF-8",
                "save the file as UTF-8",
            ));
            continue;
        };
        // As `tofu fmt -check FILE` judges the file on disk: hclwrite's bytes, no newline added.
        let formatted = match hcl_format::format_file_report(text, want) {
            Ok(report) if !report.lossy.is_empty() => {
                // `tofu fmt -check` refuses the file, and its own rewrite would corrupt it:
                // only the user can fix it, as the message says.
                out.extend(report.lossy.into_iter().map(|l| {
                    Finding::new(
                        hook,
                        &f.path,
                        l.line,
                        l.column,
                        "`tofu fmt -check` refuses this file",
                        l.message,
                    )
                }));
                continue;
            }
            Ok(report) => report.text,
            Err(e) => {
                out.push(Finding::new(
                    hook,
                    &f.path,
                    e.line,
                    e.column,
                    format!("{}: {}", e.summary, e.detail),
                    "fix the syntax; tofu would reject the file",
                ));
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        let line = first_differing_line(text, &formatted);
        let command = crate::fix::hint(&f.path);
        if fix && repo.worktree_matches_index(f) {
            match platform_fs::write(&repo.root.join(&f.path), formatted.as_bytes(), 0o644) {
                Ok(()) => out.push(Finding::new(
                    hook,
                    &f.path,
                    line,
                    1,
                    "was not formatted; formatted it in the working tree",
                    format!("git add {}", f.path),
                )),
                Err(e) => out.push(Finding::new(
                    hook,
                    &f.path,
                    line,
                    1,
                    format!("not formatted, and rewriting it failed: {e}"),
                    command,
                )),
            }
        } else {
            let why = if fix {
                " (not rewritten: the working copy has unstaged changes)"
            } else {
                ""
            };
            out.push(Finding::new(
                hook,
                &f.path,
                line,
                1,
                format!("not formatted as `tofu fmt` formats it, from this line{why}"),
                command,
            ));
        }
    }
    out
}

struct Patterns {
    private_key: Regex,
    secret_name: Regex,
}

fn patterns() -> Patterns {
    Patterns {
        // A real key, not the words: age's bech32 body, or a PEM/OpenSSH/PGP private key header.
        private_key: Regex::new(r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}|-----BEGIN ([A-Z]+ )*PRIVATE KEY( BLOCK)?-----").expect("valid"),
        secret_name: Regex::new(r"(^|/)([^/]*\.)?secrets?\.[^/]+$").expect("valid"),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// `secrets-sealed`: no plaintext secret in the commit.
pub fn secrets(repo: &Repo, files: &[Staged]) -> Vec<Finding> {
    let p = patterns();
    let hook = Hook::SecretsSealed;
    let mut out = Vec::new();
    for f in files {
        let path = f.path.as_str();
        let name = path.rsplit('/').next().unwrap_or(path);
        if name.ends_with(".tfstate")
            || name.contains(".tfstate.")
            || path.split('/').any(|c| c == ".terraform")
        {
            out.push(Finding::new(
                hook,
                path,
                1,
                1,
                "state and .terraform/ content hold secrets and do not belong in git",
                format!("git rm --cached {path}, and add it to .gitignore"),
            ));
            continue;
        }
        let text = String::from_utf8_lossy(&f.content);
        if let Some(m) = p.private_key.find(&text) {
            out.push(Finding::new(hook, path, line_of(&text, m.start()), 1, "a private key", format!("git rm --cached {path}; keep keys out of the repository (age public keys go in .sops.yaml)")));
            continue;
        }
        if let Some(line) = kubeconfig_credentials(&text) {
            out.push(Finding::new(hook, path, line, 1, "a kubeconfig with credentials (client-key-data or token)", format!("git rm --cached {path}; kubeconfigs are generated (kubectl vteam use), not committed")));
            continue;
        }
        if name.ends_with(".tfvars") {
            out.extend(sensitive_in_tfvars(repo, f));
            if !p.secret_name.is_match(path) {
                continue;
            }
        }
        let rule = match repo_rule(repo, path) {
            Ok(rule) => rule,
            Err(broken) => {
                // Fail closed: without the rules nobody knows what must be sealed, so the commit
                // stops until .sops.yaml is fixed (secret-seal and sops refuse it too).
                if !out.iter().any(|o: &Finding| o.file == broken.file) {
                    out.push(broken);
                }
                None
            }
        };
        if p.secret_name.is_match(path) || rule.is_some() {
            out.extend(must_be_sealed(f, rule));
        }
    }
    out
}

/// What the repository's `.sops.yaml` says must be encrypted in `path`: None when no rule
/// covers it, and a finding on the `.sops.yaml` when it cannot be read.
fn repo_rule(repo: &Repo, path: &str) -> Result<Option<secret_seal::Rule>, Finding> {
    let file = repo.root.join(path);
    let Some(config) = secret_seal::config::find_for(&file) else {
        return Ok(None);
    };
    let loaded = secret_seal::config::Config::load(&config).map_err(|e| {
        let shown = config
            .strip_prefix(&repo.root)
            .unwrap_or(&config)
            .to_string_lossy()
            .replace('\\', "/");
        Finding::new(
            Hook::SecretsSealed,
            &shown,
            1,
            1,
            format!("cannot be read, so what must be sealed is unknown: {e}"),
            format!("fix {shown}; `secret-seal encrypt` refuses it too"),
        )
    })?;
    Ok(loaded
        .rule_for(&file)
        .ok()
        .map(|r| r.rule.clone().unwrap_or_default()))
}

/// `rule`, the repository's, decides which values must be encrypted; the file's own rule (which
/// whoever sealed it chose) only when no repository rule covers the file.
fn must_be_sealed(f: &Staged, rule: Option<secret_seal::Rule>) -> Vec<Finding> {
    let hook = Hook::SecretsSealed;
    let fix = crate::fix::seal_hint(&f.path);
    let format = secret_seal::Format::from_path(Path::new(&f.path));
    let sealed = match secret_seal::Sealed::parse(format, &f.content) {
        Ok(s) => s,
        Err(secret_seal::Error::NotEncrypted) => {
            return vec![Finding::new(
                hook,
                &f.path,
                1,
                1,
                "a secrets file that is not sealed",
                fix,
            )]
        }
        Err(e) => {
            return vec![Finding::new(
                hook,
                &f.path,
                1,
                1,
                format!("not a valid sealed file: {e}"),
                fix,
            )]
        }
    };
    let mut metadata = sealed.metadata.clone();
    if let Some(rule) = rule {
        metadata.rule = rule;
    }
    let mut out: Vec<Finding> = secret_seal::seal::unsealed_values(&sealed.tree, &metadata)
        .into_iter()
        .map(|key| {
            Finding::new(
                hook,
                &f.path,
                key_line(f, &key),
                1,
                format!("{key} is in plain text in a sealed file"),
                fix.clone(),
            )
        })
        .collect();
    if out.is_empty() {
        // The MAC is checked when a key is at hand: a hand-edited sealed file is refused.
        match sealed.read_for_user(true) {
            // A merge the driver could not settle keeps both sides of a value between conflict
            // markers inside the ciphertext, out of sight of anyone without the key.
            Ok(tree) => {
                let left: Vec<String> = tree
                    .branches
                    .iter()
                    .flat_map(secret_seal::merge::unresolved)
                    .collect();
                if !left.is_empty() {
                    out.push(Finding::new(
                        hook,
                        &f.path,
                        key_line(f, &left[0]),
                        1,
                        format!(
                            "{} still hold(s) both sides of a merge conflict",
                            left.join(", ")
                        ),
                        format!(
                            "secret-seal edit {} (keep one side of each), then git add {}",
                            f.path, f.path
                        ),
                    ));
                }
            }
            Err(
                secret_seal::Error::NoDataKey { .. }
                | secret_seal::Error::KeyFile { .. }
                | secret_seal::Error::Key(_),
            ) => {}
            Err(e) => out.push(Finding::new(
                hook,
                &f.path,
                1,
                1,
                format!("does not verify: {e}"),
                "restore it from git, or re-create it with secret-seal".to_string(),
            )),
        }
    }
    out
}

/// The line where the first key of a `["a"]["b"]` path appears.
fn key_line(f: &Staged, key_path: &str) -> usize {
    let first = key_path
        .trim_start_matches("[\"")
        .split("\"]")
        .next()
        .unwrap_or("");
    let text = String::from_utf8_lossy(&f.content);
    text.find(first).map_or(1, |o| line_of(&text, o))
}

/// The user fields of a kubeconfig that are credentials.
const CREDENTIAL_FIELDS: [&str; 3] = ["client-key-data", "token", "password"];

/// A kubeconfig that carries credentials, in any syntax kubectl reads (block or flow YAML,
/// JSON), under any file name; the line of the first one.
fn kubeconfig_credentials(text: &str) -> Option<usize> {
    // Cheap first: no `users` and no credential field name, no kubeconfig with credentials.
    if !text.contains("users") || !CREDENTIAL_FIELDS.iter().any(|f| text.contains(f)) {
        return None;
    }
    let format = match text.trim_start().starts_with('{') {
        true => secret_seal::Format::Json,
        false => secret_seal::Format::Yaml,
    };
    let tree = secret_seal::store::load_plain(format, text.as_bytes()).ok()?;
    let field = tree.branches.iter().find_map(|doc| {
        let secret_seal::Value::Seq(users) = doc.get("users")? else {
            return None;
        };
        users.iter().find_map(|u| {
            let secret_seal::Value::Map(u) = u else {
                return None;
            };
            let Some(secret_seal::Value::Map(user)) = u.get("user") else {
                return None;
            };
            CREDENTIAL_FIELDS.into_iter().find(|f| {
                user.get(f).is_some_and(|v| {
                    !matches!(v, secret_seal::Value::Null)
                        && v.as_str().is_none_or(|s| !s.trim().is_empty())
                })
            })
        })
    })?;
    let at = text.find(field).unwrap_or(0);
    Some(line_of(text, at))
}

/// The stack a var file belongs to: `stacks/x/env/dev.tfvars` -> `stacks/x`.
fn stack_dir_of(path: &str) -> &str {
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    dir.strip_suffix("/env").unwrap_or(dir)
}

/// A plain tfvars must not set a variable its stack declares `sensitive`.
fn sensitive_in_tfvars(repo: &Repo, f: &Staged) -> Vec<Finding> {
    let Some(text) = f.text() else {
        return Vec::new();
    };
    let Ok(assignments) = tofu_envs::value::parse_tfvars(text) else {
        return Vec::new();
    };
    let stack = repo.root.join(stack_dir_of(&f.path));
    let Ok(vars) = tofu_envs::variables::read_dir(&stack) else {
        return Vec::new();
    };
    let sealed = f
        .path
        .strip_suffix(".tfvars")
        .map_or_else(String::new, |p| format!("{p}.secrets.tfvars.json"));
    assignments
        .iter()
        .filter(|a| vars.iter().any(|v| v.sensitive && v.name == a.name))
        .map(|a| {
            Finding::new(
                Hook::SecretsSealed,
                &f.path,
                a.line,
                a.column,
                format!(
                    "{} is declared sensitive but set in a plain tfvars file",
                    a.name
                ),
                format!("move it to {sealed} and seal it: secret-seal encrypt -i {sealed}"),
            )
        })
        .collect()
}

/// `tfvars-valid`: `tofu-envs check` on the environments whose files are staged, judged on the
/// staged content (copied with the stack's files into a scratch layout).
pub fn tfvars(repo: &Repo, files: &[Staged]) -> Vec<Finding> {
    let env_file = Regex::new(r"^(?P<prefix>(.*/)?)stacks/(?P<stack>.+)/env/(?P<env>[^/]+?)(\.secrets\.tfvars\.json|\.tfvars)$").expect("valid");
    let mut groups: Vec<(String, String, String)> = files
        .iter()
        .filter_map(|f| {
            env_file.captures(&f.path).map(|c| {
                (
                    c["prefix"].to_string(),
                    c["stack"].to_string(),
                    c["env"].to_string(),
                )
            })
        })
        .collect();
    groups.sort();
    groups.dedup();
    let mut out = Vec::new();
    for (prefix, stack, env) in groups {
        match check_staged(repo, files, &prefix, &stack, &env) {
            Ok(findings) => out.extend(findings),
            Err(e) => out.push(Finding::new(
                Hook::TfvarsValid,
                &format!("{prefix}stacks/{stack}"),
                1,
                1,
                format!("cannot check: {e:#}"),
                "",
            )),
        }
    }
    out
}

fn check_staged(
    repo: &Repo,
    staged: &[Staged],
    prefix: &str,
    stack: &str,
    env: &str,
) -> anyhow::Result<Vec<Finding>> {
    let scratch = tempfile::tempdir()?;
    let platform = repo.root.join(prefix);
    let stack_dir = platform.join("stacks").join(stack);
    let copy = |rel: &str, dst: &Path| -> anyhow::Result<()> {
        let repo_rel = format!("{prefix}{rel}");
        let content = match staged.iter().find(|s| s.path == repo_rel) {
            Some(s) if !s.symlink => Some(s.content.clone()),
            _ => repo.read_followed(&repo_rel)?,
        };
        if let Some(c) = content {
            std::fs::create_dir_all(dst.parent().expect("has a parent"))?;
            std::fs::write(dst, c)?;
        }
        Ok(())
    };
    for name in ["root.hcl", "terragrunt.hcl", ".sops.yaml"] {
        copy(name, &scratch.path().join(name))?;
    }
    for entry in std::fs::read_dir(&stack_dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".tf")
            || name.ends_with(".tofu")
            || name.ends_with(".tfvars")
            || name.ends_with(".tfvars.json")
            || name == "terragrunt.hcl"
        {
            copy(
                &format!("stacks/{stack}/{name}"),
                &scratch.path().join("stacks").join(stack).join(&name),
            )?;
        }
    }
    for file in [
        format!("{env}.tfvars"),
        format!("{env}.secrets.tfvars.json"),
    ] {
        copy(
            &format!("stacks/{stack}/env/{file}"),
            &scratch
                .path()
                .join("stacks")
                .join(stack)
                .join("env")
                .join(&file),
        )?;
    }
    let layout = tofu_envs::layout::Layout::load(scratch.path()).map_err(anyhow::Error::msg)?;
    let Some(st) = layout.stacks.iter().find(|s| s.name == stack) else {
        return Ok(Vec::new());
    };
    let env_vars: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("TF_VAR_"))
        .collect();
    Ok(tofu_envs::check::check_stack(&layout, st, env, &env_vars)
        .into_iter()
        // A validation tofu-envs cannot evaluate is no reason to refuse a commit.
        .filter(|f| !f.skipped)
        .map(|f| {
            let message = match &f.variable {
                Some(v) => format!("{v}: {}", f.message),
                None => f.message.clone(),
            };
            let file = format!("{prefix}{}", f.file.display());
            // tofu-envs names secret-seal; where the hook runs, the hooks binary seals it.
            let hint = if f.hint.starts_with("secret-seal encrypt -i ") {
                crate::fix::hint(&file)
            } else {
                f.hint
            };
            Finding::new(Hook::TfvarsValid, &file, f.line, f.column, message, hint)
        })
        .collect())
}

/// The 1-based line where `formatted` first differs from `text`: the first line that changes, or,
/// when every line they share is the same, the first line one has and the other does not.
fn first_differing_line(text: &str, formatted: &str) -> usize {
    let (a, b): (Vec<&str>, Vec<&str>) = (text.lines().collect(), formatted.lines().collect());
    a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(
        a.len()
            .min(b.len())
            .saturating_sub(usize::from(a.len() == b.len())),
    ) + 1
}
