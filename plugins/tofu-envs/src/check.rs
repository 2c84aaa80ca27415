//! `tofu-envs check`: stricter than tofu (hashicorp/terraform#31280). Undeclared names, required
//! variables without a value, values tofu would refuse or silently change, secrets in plain files,
//! and sealed files that are not sealed or do not verify. Every finding says where and what to do.

use std::path::PathBuf;

pub use crate::finding::Finding;
use crate::layout::{Layout, Stack};
use crate::sources::{self, Sealed, SourceKind};
use crate::validation;
use crate::variables::{self, Variable};
pub use platform_layout::closest as suggestion;

/// Checks one stack in one environment.
pub fn check_stack(
    layout: &Layout,
    stack: &Stack,
    env: &str,
    env_vars: &[(String, String)],
) -> Vec<Finding> {
    check_stack_with(
        layout,
        stack,
        env,
        env_vars,
        &variables::read_dir(&stack.dir),
    )
}

/// Checks one stack in one environment against its variables, read once for every environment.
fn check_stack_with(
    layout: &Layout,
    stack: &Stack,
    env: &str,
    env_vars: &[(String, String)],
    vars: &crate::Result<Vec<Variable>>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let finding = |file: PathBuf,
                   line: usize,
                   column: usize,
                   variable: Option<&str>,
                   message: String,
                   hint: String| Finding {
        file,
        line,
        column,
        stack: stack.name.clone(),
        env: env.to_string(),
        variable: variable.map(str::to_string),
        message,
        hint,
        skipped: false,
    };
    let vars = match vars {
        Ok(v) => v,
        Err(crate::Error::Syntax {
            path,
            line,
            column,
            message,
        }) => {
            out.push(finding(
                sources::relative(layout, path),
                *line,
                *column,
                None,
                format!("the stack's variables cannot be read: {message}"),
                "fix the syntax; tofu would reject the stack too".into(),
            ));
            return out;
        }
        Err(e) => {
            out.push(finding(
                sources::relative(layout, &stack.dir),
                0,
                0,
                None,
                format!("cannot read the stack's variables: {e}"),
                "fix the .tf files (tofu-envs fmt reports syntax errors)".into(),
            ));
            return out;
        }
    };
    let declared = |name: &str| vars.iter().find(|v| v.name == name);
    let srcs = sources::collect(layout, stack, env, env_vars);
    for (file, e) in &srcs.errors {
        out.push(finding(
            file.clone(),
            e.line,
            e.column,
            None,
            format!("{}: {}", e.summary, e.detail),
            "a var file holds literal `name = value` assignments".into(),
        ));
    }
    let sealed_path = sources::relative(layout, &stack.sealed_file(env));
    if let Sealed::Broken(why) = &srcs.sealed {
        out.push(finding(
            sealed_path.clone(),
            1,
            1,
            None,
            why.clone(),
            format!("secret-seal encrypt -i {}", sealed_path.display()),
        ));
    }
    for src in &srcs.sources {
        let Some(file) = &src.file else { continue };
        if src.kind == SourceKind::TerragruntInputs {
            continue;
        }
        for e in &src.entries {
            let Some(var) = declared(&e.name) else {
                let hint = match suggestion(&e.name, vars.iter().map(|v| v.name.as_str())) {
                    Some(s) => format!("did you mean {s:?}?"),
                    None => format!(
                        "declare it in {}/variables.tf or remove it",
                        stack.display()
                    ),
                };
                out.push(finding(
                    file.clone(),
                    e.line,
                    e.column,
                    Some(&e.name),
                    "undeclared variable: tofu would ignore this value with only a warning".into(),
                    hint,
                ));
                continue;
            };
            if var.sensitive && src.kind != SourceKind::SealedFile {
                out.push(finding(
                    file.clone(),
                    e.line,
                    e.column,
                    Some(&e.name),
                    "a sensitive variable is set in a plain file".into(),
                    format!(
                        "move it to {} and seal it (secret-seal encrypt -i)",
                        sealed_path.display()
                    ),
                ));
            }
            if let Some(value) = &e.value {
                let mut mismatches = Vec::new();
                var.ty.check(value, "", &mut mismatches);
                if matches!(value.value, crate::value::Value::Null) && !var.nullable {
                    out.push(finding(
                        file.clone(),
                        e.line,
                        e.column,
                        Some(&e.name),
                        "null is not allowed: the variable is declared nullable = false".into(),
                        "give a value or remove the line".into(),
                    ));
                }
                let well_typed = mismatches.is_empty();
                for m in mismatches {
                    let (line, column) = if m.line > 0 {
                        (m.line, m.column)
                    } else {
                        (e.line, e.column)
                    };
                    let shown = if var.sensitive {
                        String::new()
                    } else {
                        format!(" (value {})", value.value.to_hcl())
                    };
                    let at = if m.path.is_empty() {
                        String::new()
                    } else {
                        format!(" at {}", m.path)
                    };
                    out.push(finding(
                        file.clone(),
                        line,
                        column,
                        Some(&e.name),
                        format!("invalid value{at}: {}{shown}", m.message),
                        format!(
                            "declared as {} at {}:{}",
                            var.ty.display(),
                            sources::relative(layout, &var.file).display(),
                            var.line
                        ),
                    ));
                }
                // The env's own values, of the declared type: their validations, as plan runs them.
                let env_value = matches!(src.kind, SourceKind::EnvFile | SourceKind::SealedFile);
                if env_value && well_typed {
                    for v in &var.validations {
                        let at = format!(
                            "validation at {}:{}",
                            sources::relative(layout, &var.file).display(),
                            v.line
                        );
                        let (message, skipped) = match validation::evaluate(v, &var.name, &value.value) {
                            validation::Outcome::Pass => continue,
                            validation::Outcome::Fail(Some(why)) => (format!("{} ({why})", v.error_message), false),
                            validation::Outcome::Fail(None) => (v.error_message.clone(), false),
                            validation::Outcome::Skipped(what) => (
                                format!("validation skipped: it uses {what}, which tofu-envs does not evaluate (tofu plan will)"),
                                true,
                            ),
                        };
                        let mut f =
                            finding(file.clone(), e.line, e.column, Some(&e.name), message, at);
                        f.skipped = skipped;
                        out.push(f);
                    }
                }
            }
        }
    }
    for var in vars.iter().filter(|v| v.required()) {
        let given = srcs
            .sources
            .iter()
            .any(|s| s.entries.iter().any(|e| e.name == var.name));
        if !given {
            out.push(missing(layout, stack, env, var, &sealed_path));
        }
    }
    out
}

fn missing(
    layout: &Layout,
    stack: &Stack,
    env: &str,
    var: &Variable,
    sealed: &std::path::Path,
) -> Finding {
    let hint = if var.sensitive {
        format!("add it to {} (sealed)", sealed.display())
    } else {
        format!(
            "add `{} = ...` to {}",
            var.name,
            sources::relative(layout, &stack.plain_file(env)).display()
        )
    };
    Finding {
        file: sources::relative(layout, &var.file),
        line: var.line,
        column: var.column,
        stack: stack.name.clone(),
        env: env.to_string(),
        variable: Some(var.name.clone()),
        message: format!("required variable has no value in environment {env:?} and no default"),
        hint,
        skipped: false,
    }
}

/// The data keys of the sealed files only a key service opens, asked for in batches before the
/// files are checked one by one (a thousand files sealed for Vault are then a few requests).
fn prefetch_key_service_keys(stacks: &[&Stack], envs: &[String]) {
    let files: Vec<std::path::PathBuf> = stacks
        .iter()
        .flat_map(|s| {
            envs.iter()
                .map(|e| s.dir.join(format!("env/{e}.secrets.tfvars.json")))
        })
        .collect();
    let metadata = platform_fs::parallel::map(&files, 64, |path| {
        let bytes = std::fs::read(path).ok()?;
        let sealed = secret_seal::Sealed::parse(secret_seal::Format::Json, &bytes).ok()?;
        let needs_service = sealed.metadata.recipients().any(|k| k.kind() == "hc_vault");
        needs_service.then_some(sealed.metadata)
    });
    secret_seal::keys::vault::prefetch(metadata.iter().flatten());
}

/// Checks environments × stacks; `envs` empty means every environment.
pub fn check(
    layout: &Layout,
    envs: &[String],
    stacks: &[&Stack],
    env_vars: &[(String, String)],
) -> Vec<Finding> {
    let mut out = Vec::new();
    // The team list concerns every team and both platform stacks: checked once, with them.
    if stacks
        .iter()
        .any(|s| s.name.starts_with("teams/") || s.name.starts_with("platform/"))
    {
        out.extend(crate::team::findings(layout));
    }
    prefetch_key_service_keys(stacks, envs);
    // Each stack's variables are read once; stacks are checked on every core (opening a sealed
    // file is an X25519 agreement: a thousand files are most of the work).
    let per_stack = platform_fs::parallel::map(stacks, 1, |stack| {
        let vars = variables::read_dir(&stack.dir);
        envs.iter()
            .map(|env| check_stack_with(layout, stack, env, env_vars, &vars))
            .collect::<Vec<_>>()
    });
    for (e, _) in envs.iter().enumerate() {
        for findings in &per_stack {
            out.extend(findings[e].iter().cloned());
        }
    }
    out
}
