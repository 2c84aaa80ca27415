//! `team rm`: the team's stack and its entry in the team list go, refused while any state (read
//! where its backend keeps it) still holds the team's resources.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::list_file::{read_team_list, without_team};
use super::regenerate_atlantis;
use crate::error::{Error, Result};
use crate::layout::{Layout, Stack};
use platform_state::Place;

/// What `rm` removed.
#[derive(Debug)]
pub struct Removed {
    pub stack: Option<PathBuf>,
    pub listed: bool,
    pub atlantis: bool,
}

/// Removes a team's stack and its entry in the team list, refusing while any state still holds
/// the team's resources (its stack's, or its vcluster in the platform stacks').
pub fn remove(layout: &Layout, name: &str) -> Result<Removed> {
    let list_path = platform_layout::team_list_path(&layout.root);
    let list_text = read_team_list(&list_path)?;
    let teams = platform_layout::parse_team_list(&list_text).map_err(Error::invalid(&list_path))?;
    let stack_dir = layout.root.join("stacks/teams").join(name);
    let has_stack = platform_layout::valid_team_name(name) && stack_dir.is_dir();
    let listed = teams.contains_key(name);
    if !listed && !has_stack {
        let known: Vec<&str> = teams.keys().map(String::as_str).collect();
        let hint = platform_layout::closest(name, known.iter().copied())
            .map(|s| format!("did you mean {s:?}? "))
            .unwrap_or_default();
        return Err(Error::Usage(format!(
            "no team {name:?}: {hint}teams are {}",
            known.join(", ")
        )));
    }
    let live = live_state(layout, name, &stack_dir)?;
    if !live.is_empty() {
        return Err(Error::Usage(format!(
            "team {name:?} still has resources in state: {}; destroy them first (tofu-envs run ENV stacks/teams/{name} -- destroy, then apply the vcluster stack without the team), then run `tofu-envs team rm {name}` again",
            live.join(", ")
        )));
    }
    let new_list = if listed {
        Some(without_team(&list_text, name).map_err(Error::invalid(&list_path))?)
    } else {
        None
    };

    let _lock = platform_fs::Lock::on_dir(&layout.root)?;
    // The stack leaves in one rename (to a hidden name beside it), so a failure below can bring
    // it back whole.
    let parked = if has_stack {
        let parked = stack_dir.with_file_name(format!(".team-rm-{name}-{}", std::process::id()));
        std::fs::rename(&stack_dir, &parked).map_err(Error::write(&stack_dir))?;
        Some(parked)
    } else {
        None
    };
    let restore = |e: Error| {
        if let Some(p) = &parked {
            let _ = std::fs::rename(p, &stack_dir);
        }
        e
    };
    if let Some(new) = &new_list {
        platform_fs::write(&list_path, new.as_bytes(), 0o644).map_err(|e| restore(e.into()))?;
    }
    let atlantis = regenerate_atlantis(&layout.root).map_err(|e| {
        let _ = platform_fs::write(&list_path, list_text.as_bytes(), 0o644);
        restore(e)
    })?;
    if let Some(p) = &parked {
        std::fs::remove_dir_all(p).map_err(Error::write(p))?;
    }
    Ok(Removed {
        stack: has_stack.then_some(stack_dir),
        listed,
        atlantis,
    })
}

/// Where state holds the team's resources: its stack's state in any environment (wherever the
/// backend keeps it), and instances keyed by the team in the platform stacks' state. A state
/// that cannot be read counts as live: removing is refused.
fn live_state(layout: &Layout, name: &str, stack_dir: &std::path::Path) -> Result<Vec<String>> {
    let mut envs: BTreeSet<String> = layout.environments();
    if let Ok(rd) = std::fs::read_dir(layout.root.join(".terraform-state")) {
        envs.extend(
            rd.flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned()),
        );
    }
    if let Ok(rd) = std::fs::read_dir(stack_dir.join("terraform.tfstate.d")) {
        envs.extend(
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned()),
        );
    }
    let own = Stack {
        name: format!("teams/{name}"),
        dir: stack_dir.to_path_buf(),
    };
    let mut seen = BTreeSet::new();
    let mut live = Vec::new();
    let mut report = |place: Place, keyed_by: Option<&str>| {
        let shown = place.shown(&layout.root);
        if !seen.insert(shown.clone()) {
            return;
        }
        match (place.read(), keyed_by) {
            (Ok(None), _) => {}
            (Ok(Some(state)), None) => match state.live().count() {
                0 => {}
                n => live.push(format!("{shown} ({n} resource(s))")),
            },
            (Ok(Some(state)), Some(team)) => {
                let keyed: Vec<String> = state
                    .live()
                    .filter(|r| r.string_keys().any(|k| k == team))
                    .map(|r| format!("{}[\"{team}\"]", r.address()))
                    .collect();
                if !keyed.is_empty() {
                    live.push(format!("{shown} ({})", keyed.join(", ")));
                }
            }
            (Err(e), _) => live.push(format!("{shown} (unreadable: {})", e.reason())),
        }
    };
    for env in &envs {
        for place in platform_state::state::places(&layout.root, &own, env) {
            report(place, None);
        }
    }
    for platform in layout
        .stacks
        .iter()
        .filter(|s| s.name.starts_with("platform/"))
    {
        for env in &envs {
            for place in platform_state::state::places(&layout.root, platform, env) {
                report(place, Some(name));
            }
        }
    }
    Ok(live)
}
