//! What `check` says of the teams: the team list against the team stacks, node ports, names,
//! and sealed files copied from one team to another.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::NODE_PORTS;
use crate::finding::Finding;
use crate::layout::Layout;

/// What `check` says of the team list: a team stack that is not in it (it would get no vcluster
/// and no port), a broken list, ports out of range or shared, names no namespace can carry.
pub fn findings(layout: &Layout) -> Vec<Finding> {
    let path = platform_layout::team_list_path(&layout.root);
    let rel = PathBuf::from(platform_layout::TEAM_LIST);
    let finding = |line: usize, stack: &str, message: String, hint: String| Finding {
        file: rel.clone(),
        line,
        column: 1,
        stack: stack.to_string(),
        env: String::new(),
        variable: Some("teams".into()),
        message,
        hint,
        skipped: false,
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        // An older layout without a team list: the platform stacks keep their own.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            return vec![finding(
                0,
                "",
                format!("cannot read the team list: {e}"),
                String::new(),
            )]
        }
    };
    let teams = match platform_layout::parse_team_list(&text) {
        Ok(t) => t,
        Err(e) => {
            return vec![finding(
                1,
                "",
                format!("the team list does not parse: {e}"),
                "teams = { NAME = { node_port = N, owner = \"...\" } }".into(),
            )]
        }
    };
    let line_of = |name: &str| {
        text.lines()
            .position(|l| l.trim_start().starts_with(name) && l.contains('='))
            .map_or(1, |i| i + 1)
    };
    let mut out = Vec::new();
    for team in platform_layout::team_stacks(&layout.root) {
        if !teams.contains_key(&team) {
            out.push(finding(
                1,
                &format!("teams/{team}"),
                format!("stacks/teams/{team} is not in the team list: the platform stacks give it no vcluster and no node port"),
                format!("add `{team} = {{ node_port = N }}` to teams, or remove the stack; `tofu-envs team add` does every step for a new team"),
            ));
        }
    }
    out.extend(copied_secrets(layout));
    let mut ports: BTreeMap<u32, &str> = BTreeMap::new();
    for (name, t) in &teams {
        let line = line_of(name);
        if !platform_layout::valid_team_name(name) {
            out.push(finding(
                line,
                "",
                format!("team name {name:?} cannot name a vcluster"),
                format!("use {}", platform_layout::TEAM_NAME_RULE),
            ));
        }
        match t.node_port {
            None => out.push(finding(
                line,
                "",
                format!("team {name:?} has no node_port"),
                "its vcluster's API server needs one: `node_port = N` (30000-32767)".into(),
            )),
            Some(p) if !NODE_PORTS.contains(&p) => out.push(finding(
                line,
                "",
                format!("team {name:?}: node_port {p} is outside the NodePort range 30000-32767"),
                String::new(),
            )),
            Some(p) => {
                if let Some(other) = ports.insert(p, name) {
                    out.push(finding(
                        line,
                        "",
                        format!("teams {other:?} and {name:?} have the same node_port {p}"),
                        "each vcluster needs a port of its own".into(),
                    ));
                }
            }
        }
    }
    out
}

/// Sealed files of two teams with the same MAC: one is a copy of the other, so both teams hold
/// the same secrets (a stack copied by hand). Values are not needed to see it.
fn copied_secrets(layout: &Layout) -> Vec<Finding> {
    let mut seen: BTreeMap<String, (String, PathBuf)> = BTreeMap::new();
    let mut out = Vec::new();
    for stack in layout
        .stacks
        .iter()
        .filter(|s| s.name.starts_with("teams/"))
    {
        for env in stack.environments() {
            let path = stack.sealed_file(&env);
            // The MAC as secret-seal reads the metadata (no key needed for it).
            let Some(mac) = std::fs::read(&path)
                .ok()
                .and_then(|b| secret_seal::Sealed::parse(secret_seal::Format::Json, &b).ok())
                .map(|sealed| sealed.metadata.mac)
                .filter(|mac| !mac.is_empty())
            else {
                continue;
            };
            let rel = crate::sources::relative(layout, &path);
            match seen.get(&mac) {
                Some((other, other_file)) if *other != stack.name => {
                    out.push(Finding {
                        file: rel.clone(),
                        line: 1,
                        column: 1,
                        stack: stack.name.clone(),
                        env: env.clone(),
                        variable: None,
                        message: format!(
                            "a copy of {}: {} holds {other}'s secrets",
                            other_file.display(),
                            stack.name
                        ),
                        hint: "give the team secrets of its own with `secret-seal edit`; `tofu-envs team add` makes fresh ones".into(),
                        skipped: false,
                    });
                }
                Some(_) => {}
                None => {
                    seen.insert(mac, (stack.name.clone(), rel));
                }
            }
        }
    }
    out
}
