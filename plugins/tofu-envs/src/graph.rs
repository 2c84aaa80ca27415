//! The order stacks run in: their dependencies (terragrunt `dependency` blocks, terramate
//! `after`), for `run --all`, `gc --destroy` and `atlantis`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::layout::Layout;

/// Dependencies between stacks: terragrunt `dependency` blocks and terramate `after`.
pub fn dependencies(layout: &Layout) -> Vec<Vec<usize>> {
    let index_of = |dir: &Path| {
        let dir = std::path::absolute(dir).ok()?;
        let dir = normalize(&dir);
        layout.stacks.iter().position(|s| normalize(&s.dir) == dir)
    };
    layout
        .stacks
        .iter()
        .map(|s| {
            let mut deps = Vec::new();
            if let Ok(text) = std::fs::read_to_string(s.dir.join("terragrunt.hcl")) {
                if let Ok(body) = platform_layout::parse_hcl(&text) {
                    for b in body
                        .blocks()
                        .filter(|b| b.identifier.as_str() == "dependency")
                    {
                        if let Some(hcl::Expression::String(p)) = b
                            .body
                            .attributes()
                            .find(|a| a.key.as_str() == "config_path")
                            .map(|a| &a.expr)
                        {
                            deps.extend(index_of(&s.dir.join(p)));
                        }
                    }
                }
            }
            if let Ok(text) = std::fs::read_to_string(s.dir.join("stack.tm.hcl")) {
                if let Ok(body) = platform_layout::parse_hcl(&text) {
                    for b in body.blocks().filter(|b| b.identifier.as_str() == "stack") {
                        if let Some(hcl::Expression::Array(items)) = b
                            .body
                            .attributes()
                            .find(|a| a.key.as_str() == "after")
                            .map(|a| &a.expr)
                        {
                            for i in items {
                                if let hcl::Expression::String(p) = i {
                                    let dir = match p.strip_prefix('/') {
                                        Some(abs) => layout.root.join(abs),
                                        None => s.dir.join(p),
                                    };
                                    deps.extend(index_of(&dir));
                                }
                            }
                        }
                    }
                }
            }
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect()
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Stacks in dependency order (ties by name), for `--all` and `atlantis`.
pub fn order(deps: &[Vec<usize>]) -> Result<Vec<usize>> {
    let mut done = vec![false; deps.len()];
    let mut out = Vec::new();
    while out.len() < deps.len() {
        let next = (0..deps.len())
            .find(|&i| !done[i] && deps[i].iter().all(|&d| done[d]))
            .ok_or_else(|| {
                Error::Usage(
                    "the stacks' dependencies form a cycle (terragrunt dependency blocks or terramate `after`)"
                        .into(),
                )
            })?;
        done[next] = true;
        out.push(next);
    }
    Ok(out)
}
