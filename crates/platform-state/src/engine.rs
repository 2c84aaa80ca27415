//! Which program runs a stack: terragrunt where the stack has a terragrunt.hcl and terragrunt is
//! installed, else tofu (`TOFU_BINARY`, `tofu`, then `terraform`); and the tofu or terraform that
//! does the work underneath.

use std::path::{Path, PathBuf};

use platform_layout::Stack;

use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub enum Engine {
    Terragrunt(PathBuf),
    Tofu(PathBuf),
}

impl Engine {
    pub fn program(&self) -> &Path {
        match self {
            Engine::Terragrunt(p) | Engine::Tofu(p) => p,
        }
    }
}

/// A program as a shell finds it: a name is looked up on PATH (executable files only), a path
/// is taken as it is.
pub fn find_program(name: &str) -> Option<PathBuf> {
    which::which(name).ok()
}

/// terragrunt where the stack has a terragrunt.hcl and terragrunt is installed; otherwise
/// `TOFU_BINARY`, else `tofu`, else `terraform`.
pub fn for_stack(stack: &Stack) -> Result<Engine> {
    if stack.terragrunt_file().is_some() {
        let tg = std::env::var("TERRAGRUNT_BINARY").unwrap_or_else(|_| "terragrunt".into());
        if let Some(p) = find_program(&tg) {
            return Ok(Engine::Terragrunt(p));
        }
    }
    tofu().map(Engine::Tofu)
}

/// tofu itself: `TOFU_BINARY`, else `tofu`, else `terraform`.
pub fn tofu() -> Result<PathBuf> {
    let candidates: Vec<String> = match std::env::var("TOFU_BINARY") {
        Ok(b) if !b.is_empty() => vec![b],
        _ => vec!["tofu".into(), "terraform".into()],
    };
    candidates
        .iter()
        .find_map(|c| find_program(c))
        .ok_or_else(|| {
            Error::Engine(
                "neither tofu nor terraform is on PATH: install one, or set TOFU_BINARY".into(),
            )
        })
}

/// The tofu or terraform that will do the work: the engine itself, or the one terragrunt runs
/// (`TG_TF_PATH`, `TERRAGRUNT_TFPATH`, else tofu, else terraform, as terragrunt picks it).
pub fn underlying(engine: &Engine) -> Option<PathBuf> {
    match engine {
        Engine::Tofu(p) => Some(p.clone()),
        Engine::Terragrunt(_) => ["TG_TF_PATH", "TERRAGRUNT_TFPATH"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|p| !p.is_empty()))
            .and_then(|p| find_program(&p))
            .or_else(|| find_program("tofu"))
            .or_else(|| find_program("terraform")),
    }
}
