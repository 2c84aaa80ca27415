//! Switching the user's kubeconfig: `use TEAM`, `use -`, `ns NAMESPACE`.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::kubeconfig::doc::{Doc, Edits};
use crate::kubeconfig::rewrite::Change;
use crate::kubeconfig::store::{self, Locked, Outcome, Previous};
use crate::kubeconfig::Chain;
use crate::teams::Team;

/// What a switch did.
#[derive(Debug)]
pub struct Switched {
    pub context: String,
    pub namespace: Option<String>,
    pub file: PathBuf,
    pub outcome: Outcome,
}

/// Merges the team's cluster, user and context into the file kubectl writes new entries to and
/// makes it current there; writes nothing when the file already says exactly that.
pub fn use_team(chain: &Chain, team: &Team, namespace: &str) -> Result<Switched> {
    let config = team.config()?;
    let context = team.context.as_str();
    let body = crate::kubeconfig::context_body(context, namespace);
    let whole = Change {
        name: context,
        entries: Some((&config.cluster, &config.user, body)),
        current: context,
    };
    let (file, outcome) = switch_to(chain, &whole, |doc| {
        config.merge_edits(doc, context, namespace)
    })?;
    Ok(Switched {
        context: context.to_string(),
        namespace: Some(namespace.to_string()),
        file,
        outcome,
    })
}

/// Goes back to the context that was current before the last switch.
pub fn use_previous(chain: &Chain) -> Result<Switched> {
    let previous = Previous::for_kubeconfig(chain.target())?;
    let context = previous
        .get()
        .ok_or_else(|| Error::NoPrevious(chain.target().to_path_buf()))?;
    // The context must still be defined somewhere in the chain; its namespace comes with it.
    let namespace = chain
        .context_namespace(&context)?
        .ok_or_else(|| Error::UnknownContext(context.clone(), chain.describe()))?;
    let whole = Change {
        name: &context,
        entries: None,
        current: &context,
    };
    let (file, outcome) = switch_to(chain, &whole, |_| Ok(Edits::default()))?;
    Ok(Switched {
        context,
        namespace,
        file,
        outcome,
    })
}

/// Makes `context` current in the file kubectl writes to ([`Chain::target`]), with the edits
/// `entries` makes there, and remembers the context that was current before, for `use -`.
/// (kubectl 1.32 writes `current-context` there too, even when a later file of a multi-file
/// KUBECONFIG is the one that set it; the first file that sets it wins when it reads.)
/// A file the in-place editor does not take (JSON, flow style) is changed by `whole` instead,
/// rewritten as kubectl rewrites it.
fn switch_to(
    chain: &Chain,
    whole: &Change<'_>,
    entries: impl FnOnce(&Doc) -> Result<Edits>,
) -> Result<(PathBuf, Outcome)> {
    let context = whole.current;
    let mut before = None;
    let in_place = edit_file(chain.target(), |doc| {
        before = doc.current_context();
        let mut edits = entries(doc)?;
        if doc.current_context().as_deref() != Some(context) {
            doc.set_current_context(&mut edits, context);
        }
        Ok(edits)
    });
    let (file, outcome) = match in_place {
        Err(Error::NotBlockYaml { .. }) => rewrite_file(chain.target(), whole, &mut before)?,
        other => other?,
    };
    // The file written is the first that exists: without its own current-context, the later
    // files' decided which context was current.
    if before.is_none() {
        let later = chain
            .files
            .iter()
            .skip_while(|f| f.as_path() != chain.target())
            .skip(1)
            .cloned()
            .collect::<Vec<_>>();
        if !later.is_empty() {
            before = Chain { files: later }.current_context()?;
        }
    }
    if let Some(before) = before.filter(|b| b != context) {
        Previous::for_kubeconfig(chain.target())?.set(&before)?;
    }
    Ok((file, outcome))
}

/// Under the file's lock: `whole` applied to the file read whole, written back when it changed.
fn rewrite_file(
    path: &std::path::Path,
    whole: &Change<'_>,
    before: &mut Option<String>,
) -> Result<(PathBuf, Outcome)> {
    let locked = Locked::acquire(path)?;
    let contents = locked.read()?;
    let src = locked.text(&contents)?;
    let label = locked.path().display().to_string();
    let rewritten = crate::kubeconfig::rewrite::apply(src, &label, whole)?;
    *before = rewritten.current_before;
    match rewritten.text {
        None => Ok((locked.path().to_path_buf(), Outcome::Unchanged)),
        Some(text) => {
            locked.replace(&[text.as_str()])?;
            remember_checked(&Previous::for_checked(path)?, locked.path(), None);
            Ok((locked.path().to_path_buf(), Outcome::Written))
        }
    }
}

const NEW_KUBECONFIG: &str = "apiVersion: v1\nkind: Config\npreferences: {}\n";

/// Under the file's lock: read it, apply `edit`, write when anything changed.
fn edit_file(
    path: &std::path::Path,
    edit: impl FnOnce(&Doc) -> Result<Edits>,
) -> Result<(PathBuf, Outcome)> {
    let locked = Locked::acquire(path)?;
    let contents = locked.read()?;
    let mut src = locked.text(&contents)?;
    if src.trim().is_empty() {
        // A new kubeconfig gets the header kubectl writes.
        src = NEW_KUBECONFIG;
    }
    let label = locked.path().display().to_string();
    let doc = Doc::parse(src, &label)?;
    // The whole file is parsed once to be sure kubectl can load it, and not again while it is
    // the version this tool wrote or checked (a switch on a 5 MB file stays a few ms).
    let checked = Previous::for_checked(path)?;
    let known = checked.get();
    let stamp = store::stamp(locked.path());
    if stamp.is_none() || stamp != known {
        doc.check_loads()?;
    }
    let mut edits = edit(&doc)?;
    let outcome = if edits.is_empty() {
        Outcome::Unchanged
    } else {
        locked.replace(&edits.pieces(src))?;
        Outcome::Written
    };
    remember_checked(&checked, locked.path(), known.as_deref());
    Ok((locked.path().to_path_buf(), outcome))
}

/// Records the stamp of `file`, which this tool just checked or wrote (kubectl can load it),
/// unless it is the one already recorded: a switch to the current team writes nothing.
fn remember_checked(checked: &Previous, file: &std::path::Path, known: Option<&str>) {
    if let Some(now) = store::stamp(file).filter(|s| Some(s.as_str()) != known) {
        let _ = checked.set(&now);
    }
}

/// Sets the namespace of `context` (default: the current one) in the file that defines it, as
/// `kubectl config set-context --current --namespace` does, without listing namespaces (which
/// a team member's RBAC often forbids: kubectx#83).
pub fn set_namespace(chain: &Chain, context: Option<&str>, namespace: &str) -> Result<Switched> {
    let context = match context {
        Some(c) => c.to_string(),
        None => chain
            .current_context()?
            .ok_or_else(|| Error::NoCurrentContext(chain.describe()))?,
    };
    for file in &chain.files {
        if !file.exists() {
            continue;
        }
        let locked = Locked::acquire(file)?;
        let contents = locked.read()?;
        let src = locked.text(&contents)?;
        let label = locked.path().display().to_string();
        let doc = Doc::parse(src, &label)?;
        doc.check_loads()?;
        let mut edits = Edits::default();
        if !doc.set_context_namespace(&mut edits, &context, namespace)? {
            continue;
        }
        let outcome = if edits.is_empty() {
            Outcome::Unchanged
        } else {
            locked.replace(&edits.pieces(src))?;
            Outcome::Written
        };
        return Ok(Switched {
            context,
            namespace: Some(namespace.to_string()),
            file: locked.path().to_path_buf(),
            outcome,
        });
    }
    Err(Error::UnknownContext(context, chain.describe()))
}
