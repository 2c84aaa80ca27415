//! `tofu-envs team`: a team across every layer in one command. `add` writes the team's stack
//! from `templates/team-stack` (plus `templates/services/<service>`), its entry in the team list
//! both platform stacks read (`stacks/teams.tfvars`), env files for every environment with fresh
//! sealed secrets, and `atlantis.yaml` where the repository has one. `rm` undoes it while no
//! state holds the team's resources. `list` shows each team's layers.
//!
//! Everything is checked and rendered in memory first; the stack appears with one rename, and a
//! failure after it puts back every file as it was.

mod add;
mod findings;
mod list_file;
mod remove;

pub use add::{add, AddOptions, Added};
pub use findings::findings;
pub use list_file::{with_team, without_team, ListError};
pub use remove::{remove, Removed};

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use crate::error::Result;
use crate::layout::{Layout, Stack};

pub const TEMPLATE_DIR: &str = "templates/team-stack";
pub const SERVICES_DIR: &str = "templates/services";
/// Where a team's vcluster API server may listen: the Kubernetes NodePort range.
pub const NODE_PORTS: std::ops::RangeInclusive<u32> = 30000..=32767;
/// New teams take the lowest free port from here (the bundled teams start at 30443).
pub(crate) const FIRST_PORT: u32 = 30443;

/// atlantis.yaml anew, for the environments it had, where the repository has one.
fn regenerate_atlantis(root: &Path) -> Result<bool> {
    let path = root.join(crate::atlantis::FILE);
    let Ok(old) = std::fs::read_to_string(&path) else {
        return Ok(false);
    };
    let layout = Layout::load(root)?;
    let had: BTreeSet<&str> = old
        .lines()
        .filter_map(|l| l.trim().strip_prefix("workflow: tofu-envs-"))
        .collect();
    let envs: Vec<String> = layout
        .environments()
        .into_iter()
        .filter(|e| had.is_empty() || had.contains(e.as_str()))
        .collect();
    let new = crate::atlantis::generate(&layout, &envs)?;
    if new != old {
        platform_fs::write(&path, new.as_bytes(), 0o644)?;
    }
    Ok(true)
}

/// One team as `team list` shows it: each layer it is in.
#[derive(Debug, Clone, Serialize)]
pub struct TeamRow {
    pub team: String,
    /// In the team list (both platform stacks: a node port on the host, a vcluster).
    pub listed: bool,
    pub node_port: Option<u32>,
    pub owner: Option<String>,
    /// stacks/teams/<team>, when it exists.
    pub stack: Option<String>,
    /// The environments the team's stack has files for.
    pub environments: Vec<String>,
}

pub fn list(layout: &Layout) -> Result<Vec<TeamRow>> {
    let teams = platform_layout::team_list(&layout.root)?.unwrap_or_default();
    let mut names: BTreeSet<String> = teams.keys().cloned().collect();
    names.extend(platform_layout::team_stacks(&layout.root));
    Ok(names
        .into_iter()
        .map(|team| {
            let entry = teams.get(&team);
            let stack = layout
                .stacks
                .iter()
                .find(|s| s.name == format!("teams/{team}"));
            TeamRow {
                listed: entry.is_some(),
                node_port: entry.and_then(|e| e.node_port),
                owner: entry.and_then(|e| e.owner.clone()),
                stack: stack.map(Stack::display),
                environments: stack
                    .map(|s| s.environments().into_iter().collect())
                    .unwrap_or_default(),
                team,
            }
        })
        .collect())
}
