//! `tofu-envs team add|list|rm`.

use tofu_envs::layout::Layout;

use super::output::emit;
use super::{Failure, TeamCommand};

pub(super) fn team(layout: &Layout, command: TeamCommand) -> Result<i32, Failure> {
    use tofu_envs::team;
    let shown = |p: &std::path::Path| {
        tofu_envs::sources::relative(layout, p)
            .display()
            .to_string()
    };
    match command {
        TeamCommand::Add {
            name,
            with,
            owner,
            node_port,
        } => {
            let added = team::add(
                layout,
                &name,
                &team::AddOptions {
                    services: with,
                    owner,
                    node_port,
                },
            )?;
            for f in &added.files {
                println!("wrote {}", shown(f));
            }
            if added.atlantis {
                println!("wrote {}", tofu_envs::atlantis::FILE);
            }
            println!(
                "\nteam {name}: vcluster API server on node port {}, environments {}",
                added.node_port,
                added.environments.join(", ")
            );
            println!("next steps:");
            println!(
                "  1. review and edit {} (its env/*.tfvars; secrets with `secret-seal edit`)",
                shown(&added.stack)
            );
            println!("  2. tofu-envs check && git add -A && git commit -m 'Add team {name}'; open a pull request (Atlantis plans it)");
            println!("  3. once applied: kubectl vteam use {name}");
            Ok(0)
        }
        TeamCommand::List { output } => {
            let rows = team::list(layout)?;
            emit(
                output,
                &rows,
                &["TEAM", "NODE PORT", "OWNER", "STACK", "ENVIRONMENTS"],
                |r| {
                    vec![
                        r.team.clone(),
                        match (r.listed, r.node_port) {
                            (true, Some(p)) => p.to_string(),
                            (true, None) => "(none)".into(),
                            (false, _) => "NOT LISTED".into(),
                        },
                        r.owner.clone().unwrap_or_else(|| "-".into()),
                        r.stack.clone().unwrap_or_else(|| "-".into()),
                        if r.environments.is_empty() {
                            "-".into()
                        } else {
                            r.environments.join(",")
                        },
                    ]
                },
            )?;
            Ok(0)
        }
        TeamCommand::Rm { name } => {
            let removed = team::remove(layout, &name)?;
            if let Some(s) = &removed.stack {
                println!("removed {}", shown(s));
            }
            if removed.listed {
                println!("removed {name} from {}", platform_layout::TEAM_LIST);
            }
            if removed.atlantis {
                println!("wrote {}", tofu_envs::atlantis::FILE);
            }
            Ok(0)
        }
    }
}
