//! The platform's team list, `stacks/teams.tfvars`: one place naming every team, its vcluster's
//! node port and owner. Both platform stacks read it (as `teams.auto.tfvars`, a link to it);
//! kubectl-vteam lists its teams; `tofu-envs team add/rm` edit it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{Error, Result};

/// The team list, relative to the repository root.
pub const TEAM_LIST: &str = "stacks/teams.tfvars";

/// Names a team cannot take: Kubernetes' own namespaces, and words the layout already uses.
pub const RESERVED_TEAM_NAMES: &[&str] = &[
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "platform",
    "teams",
    "all",
    "modules",
    "templates",
    "vcluster",
];

/// What a team name may be, said the way errors say it.
pub const TEAM_NAME_RULE: &str =
    "a DNS label of at most 54 characters: lowercase letters, digits and dashes, starting with a letter and not ending with a dash";

/// Whether `name` can name a team. It becomes a namespace (`vcluster-<team>`, at most 63
/// characters, hence 54), a Helm release, a context and part of Atlantis project names.
pub fn valid_team_name(name: &str) -> bool {
    (1..=54).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// One team of the list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TeamEntry {
    pub node_port: Option<u32>,
    pub owner: Option<String>,
    /// The host namespace of its vcluster, when not `vcluster-<team>`.
    pub namespace: Option<String>,
}

#[derive(Deserialize)]
struct TeamFile {
    #[serde(default)]
    teams: BTreeMap<String, TeamEntry>,
}

pub fn team_list_path(root: &Path) -> PathBuf {
    root.join(TEAM_LIST)
}

/// The team list; `None` when the repository has none (an older layout: teams then come from
/// the team stacks alone). A list that cannot be read is an error, never an empty list.
pub fn team_list(root: &Path) -> Result<Option<BTreeMap<String, TeamEntry>>> {
    let path = team_list_path(root);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Read { path, source }),
    };
    parse_team_list(&text)
        .map(Some)
        .map_err(|message| Error::TeamList { path, message })
}

/// Parses the text of a team list (`teams = { NAME = { node_port = N, owner = "..." } }`).
pub fn parse_team_list(text: &str) -> std::result::Result<BTreeMap<String, TeamEntry>, String> {
    crate::hcl_from_str::<TeamFile>(text)
        .map(|f| f.teams)
        .map_err(|e| e.to_string())
}
