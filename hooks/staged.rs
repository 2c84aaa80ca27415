//! What is being committed: files as they are in the git index (read with git2), so a file with
//! unstaged edits is judged by its staged version.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

pub struct Repo {
    repo: git2::Repository,
    index: git2::Index,
    /// The working tree root.
    pub root: PathBuf,
}

/// A file to judge: its path relative to the repository root (with `/`) and its staged bytes.
#[derive(Debug, Clone)]
pub struct Staged {
    pub path: String,
    pub content: Vec<u8>,
    /// A symbolic link: `content` is the path it points to, not a file's text.
    pub symlink: bool,
}

impl Staged {
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.content).ok()
    }
}

impl Repo {
    pub fn discover(start: &Path) -> Result<Repo> {
        let repo = git2::Repository::discover(start)
            .with_context(|| format!("{} is not inside a git repository", start.display()))?;
        let root = repo
            .workdir()
            .context("a bare repository has no working tree to check")?
            .to_path_buf();
        let index = repo.index().context("reading the git index")?;
        Ok(Repo { repo, index, root })
    }

    /// Paths added, modified, copied or renamed in the index relative to HEAD.
    pub fn staged_paths(&self) -> Result<Vec<String>> {
        let head = self.repo.head().ok().and_then(|h| h.peel_to_tree().ok());
        let diff = self
            .repo
            .diff_tree_to_index(head.as_ref(), Some(&self.index), None)
            .context("comparing the index with HEAD")?;
        let mut paths: Vec<String> = diff
            .deltas()
            .filter(|d| !matches!(d.status(), git2::Delta::Deleted))
            .filter_map(|d| {
                d.new_file()
                    .path()
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
            })
            .collect();
        paths.sort();
        paths.dedup();
        Ok(paths)
    }

    /// The staged content of `path`, or the working tree's when the file is not in the index.
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.read_entry(path)?.map(|(content, _)| content))
    }

    /// The staged content of `path` with staged symbolic links followed (the team list a stack
    /// reads as `teams.auto.tfvars -> ../../teams.tfvars`), as tofu would read it from a checkout.
    /// A link that leaves the repository, or a chain of more than 8, reads as absent.
    pub fn read_followed(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let mut path = path.to_string();
        for _ in 0..8 {
            match self.read_entry(&path)? {
                Some((target, true)) => {
                    let target = String::from_utf8_lossy(&target).into_owned();
                    match resolve_link(&path, &target) {
                        Some(p) => path = p,
                        None => return Ok(None),
                    }
                }
                Some((content, false)) => return Ok(Some(content)),
                None => return Ok(None),
            }
        }
        Ok(None)
    }

    /// The staged content of `path` and whether it is a symbolic link (git mode 120000).
    fn read_entry(&self, path: &str) -> Result<Option<(Vec<u8>, bool)>> {
        const SYMLINK: u32 = 0o120000;
        if let Some(entry) = self.index.get_path(Path::new(path), 0) {
            let blob = self
                .repo
                .find_blob(entry.id)
                .with_context(|| format!("reading the staged {path}"))?;
            return Ok(Some((
                blob.content().to_vec(),
                entry.mode & 0o170000 == SYMLINK,
            )));
        }
        let on_disk = self.root.join(path);
        let symlink = std::fs::symlink_metadata(&on_disk).is_ok_and(|m| m.file_type().is_symlink());
        match std::fs::read(&on_disk) {
            Ok(b) => Ok(Some((b, symlink))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {path}")),
        }
    }

    /// A path as given on the command line (relative to `cwd`) made relative to the root.
    pub fn relative(&self, cwd: &Path, arg: &str) -> String {
        let abs = std::path::absolute(cwd.join(arg)).unwrap_or_else(|_| cwd.join(arg));
        let root = std::path::absolute(&self.root).unwrap_or_else(|_| self.root.clone());
        abs.strip_prefix(&root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| arg.replace('\\', "/"))
    }

    /// The files to judge: the arguments (pre-commit passes them) or every staged file.
    pub fn files(&self, cwd: &Path, args: &[String]) -> Result<Vec<Staged>> {
        let paths: Vec<String> = if args.is_empty() {
            self.staged_paths()?
        } else {
            args.iter().map(|a| self.relative(cwd, a)).collect()
        };
        let mut out = Vec::new();
        for path in paths {
            if let Some((content, symlink)) = self.read_entry(&path)? {
                out.push(Staged {
                    path,
                    content,
                    symlink,
                });
            }
        }
        Ok(out)
    }

    /// Whether the working-tree file is exactly what is staged (safe to rewrite it).
    pub fn worktree_matches_index(&self, file: &Staged) -> bool {
        std::fs::read(self.root.join(&file.path)).is_ok_and(|w| w == file.content)
    }
}

/// Where a link at `link` (relative to the root) pointing to `target` leads, relative to the
/// root; None for an absolute target or one above the root.
fn resolve_link(link: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = link.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::resolve_link;

    #[test]
    fn links_resolve_inside_the_repository_only() {
        assert_eq!(
            resolve_link(
                "stacks/platform/vcluster/teams.auto.tfvars",
                "../../teams.tfvars"
            )
            .as_deref(),
            Some("stacks/teams.tfvars")
        );
        assert_eq!(resolve_link("a/b", "./c").as_deref(), Some("a/c"));
        assert_eq!(resolve_link("a/b", "../../c"), None);
        assert_eq!(resolve_link("a/b", "/etc/passwd"), None);
    }
}
