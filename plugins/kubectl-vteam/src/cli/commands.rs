//! The subcommands: list, use, ns, current, exec and shell, status.

use super::*;

pub(super) fn list(ctx: &Ctx, output: Format) -> Result<i32> {
    let teams = ctx.teams()?;
    let current = ctx.chain.current_context().unwrap_or(None);
    let mut out = std::io::stdout().lock();
    match output {
        Format::Name => {
            for t in &teams.teams {
                writeln!(out, "{}", t.key(teams.qualified))?;
            }
        }
        Format::Json => {
            let rows: Vec<serde_json::Value> = teams
                .teams
                .iter()
                .map(|t| {
                    serde_json::json!({
                        "team": t.key(teams.qualified),
                        "name": t.name,
                        "env": t.env,
                        "sources": t.sources,
                        "server": t.server,
                        "namespace": t.namespace,
                        "hostNamespace": t.host_namespace,
                        "context": t.context,
                        "kubeconfig": t.kubeconfig,
                        "current": current.as_deref() == Some(t.context.as_str()),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        Format::Table => {
            if teams.teams.is_empty() {
                if ctx.layout.is_some() {
                    eprintln!(
                        "no teams for environment {}: only the default environment ({}) lists the layout's teams; another one lists the teams its vcluster state names (apply stacks/platform/vcluster for it), or add --from-cluster",
                        ctx.envs.join(","),
                        platform_layout::DEFAULT_ENV
                    );
                } else {
                    eprintln!(
                        "no teams found: run inside the repository (stacks/teams/*), pass --root DIR, or add --from-cluster"
                    );
                }
                return Ok(0);
            }
            let color = platform_cli::colour::on_stdout();
            let rows: Vec<Vec<String>> = teams
                .teams
                .iter()
                .map(|t| {
                    let mark = if current.as_deref() == Some(t.context.as_str()) {
                        "*"
                    } else {
                        ""
                    };
                    vec![
                        mark.to_string(),
                        t.key(teams.qualified),
                        t.env.clone(),
                        t.sources_label(),
                        t.server.clone().unwrap_or_else(|| "-".into()),
                        t.namespace.clone(),
                    ]
                })
                .collect();
            let header = ["CURRENT", "TEAM", "ENV", "SOURCE", "SERVER", "NAMESPACE"];
            for (i, line) in platform_cli::table(&header, &rows).into_iter().enumerate() {
                let current_row = line.starts_with('*');
                let line = if i == 0 {
                    paint(&line, Style::Bold, color)
                } else if current_row {
                    paint(&line, Style::Green, color)
                } else {
                    line
                };
                writeln!(out, "{}", line.trim_end())?;
            }
        }
    }
    Ok(0)
}

pub(super) fn use_cmd(ctx: &Ctx, team: Option<String>) -> Result<i32> {
    if team.as_deref() == Some("-") {
        let s = switch::use_previous(&ctx.chain)?;
        report(&s, None);
        return Ok(0);
    }
    let teams = ctx.teams()?;
    let key = match team {
        Some(t) => t,
        None => match pick(&teams)? {
            Some(t) => t,
            None => return Ok(1),
        },
    };
    let t = teams.find(&key)?;
    let s = switch::use_team(&ctx.chain, t, &namespace_for(ctx, t))?;
    report(&s, Some(&t.key(teams.qualified)));
    Ok(0)
}

/// As kubens: alone, the current namespace; `-`, the one before the last change; else that
/// namespace, checked as Kubernetes checks a namespace name before anything is written.
pub(super) fn ns(ctx: &Ctx, wanted: Option<&str>) -> Result<i32> {
    let context = match &ctx.cli.context {
        Some(c) => c.clone(),
        None => ctx
            .chain
            .current_context()?
            .ok_or_else(|| kubectl_vteam::error::Error::NoCurrentContext(ctx.chain.describe()))?,
    };
    let current = ctx
        .chain
        .context_namespace(&context)?
        .flatten()
        .unwrap_or_else(|| "default".into());
    let Some(wanted) = wanted else {
        println!("{current}");
        return Ok(0);
    };
    let previous = store::Previous::for_namespace(ctx.chain.target(), &context)?;
    let target = if wanted == "-" {
        previous.get().ok_or_else(|| {
            anyhow!("no previous namespace recorded for context \"{context}\"; `ns -` works after an `ns NAME`")
        })?
    } else {
        kubectl_vteam::kubeconfig::check_namespace(wanted)?;
        wanted.to_string()
    };
    let s = switch::set_namespace(&ctx.chain, Some(&context), &target)?;
    if target != current {
        previous.set(&current)?;
    }
    report(&s, None);
    Ok(0)
}

fn report(s: &Switched, team: Option<&str>) {
    let what = match team {
        Some(t) => format!("team {t} (context \"{}\")", s.context),
        None => format!("context \"{}\"", s.context),
    };
    let ns = s
        .namespace
        .as_deref()
        .map(|n| format!(", namespace \"{n}\""))
        .unwrap_or_default();
    match s.outcome {
        Outcome::Written => eprintln!("Switched to {what}{ns} in {}.", s.file.display()),
        Outcome::Unchanged => eprintln!("Already on {what}{ns}; {} unchanged.", s.file.display()),
    }
}

/// The interactive picker: fzf when installed (as kubectx does), else a numbered list that
/// narrows on typed letters (in order, not necessarily adjacent).
pub(super) fn pick(teams: &Teams) -> Result<Option<String>> {
    let keys: Vec<String> = teams.teams.iter().map(|t| t.key(teams.qualified)).collect();
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        bail!(
            "which team? `kubectl vteam use TEAM` (teams: {})",
            if keys.is_empty() {
                "none found".into()
            } else {
                keys.join(", ")
            }
        );
    }
    if keys.is_empty() {
        bail!("no teams found: run inside the repository, pass --root DIR, or add --from-cluster");
    }
    if let Ok(mut fzf) = Command::new("fzf")
        .args(["--height=40%", "--reverse", "--prompt=team> "])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        if let Some(mut stdin) = fzf.stdin.take() {
            stdin.write_all(keys.join("\n").as_bytes())?;
        }
        let out = fzf.wait_with_output()?;
        let choice = String::from_utf8_lossy(&out.stdout).trim().to_string();
        return Ok((!choice.is_empty()).then_some(choice));
    }
    let mut shown: Vec<&String> = keys.iter().collect();
    let stdin = std::io::stdin();
    loop {
        for (i, k) in shown.iter().enumerate() {
            eprintln!("{:>3}  {k}", i + 1);
        }
        eprint!("team (number or letters, empty to cancel): ");
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let answer = line.trim();
        if answer.is_empty() {
            return Ok(None);
        }
        if let Ok(n) = answer.parse::<usize>() {
            if (1..=shown.len()).contains(&n) {
                return Ok(Some(shown[n - 1].clone()));
            }
        }
        let narrowed: Vec<&String> = shown
            .iter()
            .copied()
            .filter(|k| fuzzy_match(k, answer))
            .collect();
        match narrowed.len() {
            1 => return Ok(Some(narrowed[0].clone())),
            0 => eprintln!("no team matches `{answer}`"),
            _ => shown = narrowed,
        }
    }
}

fn fuzzy_match(candidate: &str, typed: &str) -> bool {
    let mut chars = candidate.chars().map(|c| c.to_ascii_lowercase());
    typed
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .all(|t| chars.any(|c| c == t))
}

pub(super) fn current(ctx: &Ctx) -> Result<i32> {
    let kubeconfig = ctx.chain.sections()?;
    let context = kubeconfig
        .current_context()?
        .ok_or_else(|| anyhow!("no current context in {}", ctx.chain.describe()))?;
    let teams = ctx.team_names()?;
    match teams.by_context(&context) {
        Some(t) => {
            let ns = kubeconfig.context_namespace(&context)?.flatten();
            println!("{}", t.key(teams.qualified));
            eprintln!(
                "context \"{context}\", env {}, namespace \"{}\"",
                t.env,
                ns.unwrap_or_else(|| "default".into())
            );
        }
        None => {
            println!("{context}");
            eprintln!("(not a team's context)");
        }
    }
    Ok(0)
}

pub(super) fn exec(ctx: &Ctx, team: Option<String>, all: bool, command: &[String]) -> Result<i32> {
    let teams = ctx.teams()?;
    ignore_interrupts();
    if !all {
        let t = teams.find(team.as_deref().unwrap_or_default())?;
        return Ok(run::run_one(&target(ctx, &teams, t)?, command)?);
    }
    let mut targets = Vec::new();
    let mut skipped = Vec::new();
    for t in &teams.teams {
        match target(ctx, &teams, t) {
            Ok(x) => targets.push(x),
            Err(e) => skipped.push((t.key(teams.qualified), format!("{e:#}"))),
        }
    }
    if targets.is_empty() && skipped.is_empty() {
        bail!("no teams found: run inside the repository, pass --root DIR, or add --from-cluster");
    }
    let outcomes = run::run_all(&targets, command)?;
    let color = platform_cli::colour::on_stderr();
    let mut failed = !skipped.is_empty();
    eprintln!("{}", paint("summary:", Style::Bold, color));
    for o in &outcomes {
        match &o.result {
            Ok(0) => eprintln!("  {}  exit 0", o.key),
            Ok(code) => {
                failed = true;
                eprintln!(
                    "  {}  {}",
                    o.key,
                    paint(&format!("exit {code}"), Style::Red, color)
                );
            }
            Err(e) => {
                failed = true;
                eprintln!("  {}  {}", o.key, paint(e, Style::Red, color));
            }
        }
    }
    for (key, why) in &skipped {
        eprintln!(
            "  {key}  {}",
            paint(&format!("skipped: {why}"), Style::Red, color)
        );
    }
    Ok(if failed { 1 } else { 0 })
}

pub(super) fn status(ctx: &Ctx, output: Format) -> Result<i32> {
    let teams = ctx.teams()?;
    let mut probes: Vec<(usize, String)> = Vec::new();
    let mut results: Vec<Option<Health>> = vec![None; teams.teams.len()];
    for (i, t) in teams.teams.iter().enumerate() {
        match t.config() {
            Ok(c) => probes.push((i, c.standalone(&t.context, &t.namespace))),
            Err(e) => {
                results[i] = Some(Health::Unreachable {
                    reason: format!("{e}"),
                })
            }
        }
    }
    let (idx, yaml): (Vec<usize>, Vec<String>) = probes.into_iter().unzip();
    for (i, h) in idx
        .into_iter()
        .zip(cluster::probe_all(yaml, ctx.cli.request_timeout))
    {
        results[i] = Some(h);
    }
    let results: Vec<Health> = results
        .into_iter()
        .map(|h| h.expect("every team probed"))
        .collect();
    let down = results.iter().filter(|h| !h.is_up()).count();
    let mut out = std::io::stdout().lock();
    if output == Format::Json {
        let rows: Vec<serde_json::Value> = teams
            .teams
            .iter()
            .zip(&results)
            .map(|(t, h)| {
                let mut v = serde_json::to_value(h).unwrap_or_default();
                v["team"] = t.key(teams.qualified).into();
                v["server"] = t.server.clone().into();
                v
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
    } else {
        let color = platform_cli::colour::on_stdout();
        let header = ["TEAM", "SERVER", "STATE", "LATENCY", "DETAIL"];
        let rows = teams.teams.iter().zip(&results).map(|(t, h)| {
            let (state, latency, detail) = match h {
                Health::Reachable {
                    version,
                    latency_ms,
                } => ("reachable", format!("{latency_ms}ms"), version.clone()),
                Health::Unauthorized { code, latency_ms } => (
                    "unauthorized",
                    format!("{latency_ms}ms"),
                    format!("HTTP {code}: the kubeconfig's credentials were refused"),
                ),
                Health::Unreachable { reason } => ("unreachable", "-".into(), reason.clone()),
            };
            vec![
                t.key(teams.qualified),
                t.server.clone().unwrap_or_else(|| "-".into()),
                state.to_string(),
                latency,
                detail,
            ]
        });
        let rows: Vec<Vec<String>> = rows.collect();
        for (i, line) in platform_cli::table(&header, &rows).into_iter().enumerate() {
            let style = if i == 0 {
                Style::Bold
            } else if results[i - 1].is_up() {
                Style::Green
            } else {
                Style::Red
            };
            let line = paint(&line, style, color);
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    if down > 0 {
        eprintln!("{down} of {} API servers down", results.len());
        return Ok(1);
    }
    Ok(0)
}

/// `publish`: each team's kubeconfig file, as the vcluster stack wrote it, into Vault.
pub(super) fn publish(ctx: &Ctx, names: &[String], all: bool) -> Result<i32> {
    let store = ctx.vault()?.ok_or_else(|| {
        anyhow!(
            "say where in Vault: --vault MOUNT/PATH or VTEAM_VAULT (e.g. secret/platform/teams)"
        )
    })?;
    // The teams' own files: discovered as if nothing were in Vault yet.
    let local = Teams::discover(&teams::Options {
        layout: ctx.layout.as_ref(),
        envs: &ctx.envs,
        cluster: None,
        vault: None,
        allow_exec: false,
        details: false,
    })?;
    let chosen: Vec<&Team> = match all {
        true => local.teams.iter().collect(),
        false => names
            .iter()
            .map(|n| local.find(n))
            .collect::<Result<_, _>>()?,
    };
    for team in chosen {
        let Some(teams::Origin::File(path)) = &team.kubeconfig else {
            bail!(kubectl_vteam::Error::NoKubeconfig(
                team.name.clone(),
                format!("apply stacks/platform/vcluster for env {} first; it writes the file publish reads", team.env)
            ));
        };
        let bytes = std::fs::read_to_string(path).map_err(|source| kubectl_vteam::Error::Read {
            path: path.clone(),
            source,
        })?;
        let bytes = zeroize::Zeroizing::new(bytes);
        let at = store.publish(&team.env, &team.name, &bytes)?;
        eprintln!(
            "published {} ({}) from {} to {at}",
            team.name,
            team.env,
            path.display()
        );
    }
    Ok(0)
}

/// `credential`: what kubectl's exec plugin prints, read from Vault at each call.
pub(super) fn credential(ctx: &Ctx, team: &str) -> Result<i32> {
    let store = ctx
        .vault()?
        .ok_or_else(|| anyhow!("say where in Vault: --vault MOUNT/PATH or VTEAM_VAULT"))?;
    let env = ctx
        .envs
        .first()
        .cloned()
        .unwrap_or_else(platform_layout::current_env);
    let yaml = zeroize::Zeroizing::new(store.kubeconfig(&env, team)?);
    let at = store.path(&env, team);
    let config = kubectl_vteam::kubeconfig::TeamConfig::parse(&yaml, &format!("Vault {at}"), None)?;
    let out = kubectl_vteam::vault::exec_credential(&config, &format!("Vault {at}"))?;
    platform_cli::print_bytes(out.as_bytes())?;
    Ok(0)
}
