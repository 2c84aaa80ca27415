//! `tofu-envs team`: a team across every layer in one command. `add` writes the team's stack
//! from `templates/team-stack` (plus `templates/services/<service>`), its entry in the team list
//! both platform stacks read (`stacks/teams.tfvars`), env files for every environment with fresh
//! sealed secrets, and `atlantis.yaml` where the repository has one. `rm` undoes it while no
//! state holds the team's resources. `list` shows each team's layers.
//!
//! Everything is checked and rendered in memory first; the stack appears with one rename, and a
//! failure after it puts back every file as it was.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::hcl::Mode;
use crate::layout::{Layout, Stack};

pub const TEMPLATE_DIR: &str = "templates/team-stack";
pub const SERVICES_DIR: &str = "templates/services";
/// Where a team's vcluster API server may listen: the Kubernetes NodePort range.
pub const NODE_PORTS: std::ops::RangeInclusive<u32> = 30000..=32767;
/// New teams take the lowest free port from here (the bundled teams start at 30443).
const FIRST_PORT: u32 = 30443;

pub struct AddOptions {
    pub services: Vec<String>,
    pub owner: Option<String>,
    pub node_port: Option<u32>,
}

/// What `add` wrote.
#[derive(Debug)]
pub struct Added {
    pub stack: PathBuf,
    pub files: Vec<PathBuf>,
    pub node_port: u32,
    pub environments: Vec<String>,
    pub atlantis: bool,
}

/// One file of the team's stack, relative to the stack directory, rendered.
struct Rendered {
    rel: PathBuf,
    bytes: Zeroizing<Vec<u8>>,
}

pub fn add(layout: &Layout, name: &str, opts: &AddOptions) -> Result<Added> {
    check_name(layout, name)?;
    let templates = layout.root.join(TEMPLATE_DIR);
    if !templates.is_dir() {
        return Err(Error::Usage(format!(
            "no {TEMPLATE_DIR}/ in {}: a team's stack is made from it (see the bundled repository's)",
            layout.root.display()
        )));
    }
    let services = services(layout, &opts.services)?;
    if let Some(owner) = &opts.owner {
        if owner.is_empty() || owner.contains(['"', '\\', '\n', '$', '%']) {
            return Err(Error::Usage(format!(
                "invalid --owner {owner:?}: an e-mail address or a name, without quotes, backslashes, `$` or `%`"
            )));
        }
    }
    let list_path = platform_layout::team_list_path(&layout.root);
    let list_text = read_team_list(&list_path)?;
    let teams = platform_layout::parse_team_list(&list_text).map_err(Error::invalid(&list_path))?;
    if teams.contains_key(name) {
        return Err(taken(name, "it is in the team list"));
    }
    let node_port = node_port(&teams, opts.node_port)?;
    let envs: Vec<String> = match layout.environments() {
        e if e.is_empty() => vec![platform_layout::DEFAULT_ENV.to_string()],
        e => e.into_iter().collect(),
    };

    let words = Words::new(name, opts.owner.as_deref(), &services);
    let mut files = render_stack(&templates, &services, &words)?;
    let stack_dir = layout.root.join("stacks/teams").join(name);
    files.extend(env_files(&templates, &stack_dir, &files, &envs, &words)?);
    let new_list = with_team(&list_text, name, node_port, opts.owner.as_deref())
        .map_err(Error::invalid(&list_path))?;

    let _lock = platform_fs::Lock::on_dir(&layout.root)?;
    place_stack(&stack_dir, &files)?;
    let undo = |e: Error| {
        let _ = std::fs::remove_dir_all(&stack_dir);
        e
    };
    platform_fs::write(&list_path, new_list.as_bytes(), 0o644).map_err(|e| undo(e.into()))?;
    let atlantis = regenerate_atlantis(&layout.root).map_err(|e| {
        let _ = platform_fs::write(&list_path, list_text.as_bytes(), 0o644);
        undo(e)
    })?;
    let mut written: Vec<PathBuf> = files.iter().map(|f| stack_dir.join(&f.rel)).collect();
    written.push(list_path);
    Ok(Added {
        stack: stack_dir,
        files: written,
        node_port,
        environments: envs,
        atlantis,
    })
}

/// Refuses a name that is not a DNS label, reserved, or taken by a stack or a stack id.
fn check_name(layout: &Layout, name: &str) -> Result<()> {
    if !platform_layout::valid_team_name(name) {
        return Err(Error::Usage(format!(
            "invalid team name {name:?}: use {}",
            platform_layout::TEAM_NAME_RULE
        )));
    }
    if platform_layout::RESERVED_TEAM_NAMES.contains(&name) {
        return Err(Error::Usage(format!(
            "team name {name:?} is reserved (it names a Kubernetes namespace or a part of the layout); pick another"
        )));
    }
    if layout.root.join("stacks/teams").join(name).exists() {
        return Err(taken(name, &format!("stacks/teams/{name} exists")));
    }
    let id = format!("teams-{name}");
    if let Some(stack) = layout
        .stacks
        .iter()
        .find(|s| terramate_id(&s.dir).as_deref() == Some(id.as_str()))
    {
        return Err(taken(
            name,
            &format!("{}/stack.tm.hcl has the id {id:?}", stack.display()),
        ));
    }
    Ok(())
}

fn taken(name: &str, why: &str) -> Error {
    Error::Usage(format!(
        "team {name:?} already exists: {why}; pick another name, or `tofu-envs team rm {name}` first"
    ))
}

/// The `id` of a stack's terramate `stack` block.
fn terramate_id(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("stack.tm.hcl")).ok()?;
    crate::hcl::check(&text).ok()?;
    let body = hcl::parse(&text).ok()?;
    let block = body.blocks().find(|b| b.identifier() == "stack")?;
    let attr = block.body().attributes().find(|a| a.key() == "id")?;
    match attr.expr() {
        hcl::Expression::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// The services asked for, each a directory under templates/services.
fn services(layout: &Layout, asked: &[String]) -> Result<Vec<(String, PathBuf)>> {
    let base = layout.root.join(SERVICES_DIR);
    let known: BTreeSet<String> = std::fs::read_dir(&base)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut out: Vec<(String, PathBuf)> = Vec::new();
    for s in asked {
        if !known.contains(s) {
            let known = if known.is_empty() {
                format!("{SERVICES_DIR}/ has none")
            } else {
                format!(
                    "known: {}",
                    known.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            };
            return Err(Error::Usage(format!(
                "no service {s:?} in {SERVICES_DIR}/ ({known})"
            )));
        }
        if !out.iter().any(|(n, _)| n == s) {
            out.push((s.clone(), base.join(s)));
        }
    }
    Ok(out)
}

fn read_team_list(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::Usage(format!(
                "no team list {}: both platform stacks read the teams from it (teams = {{ NAME = {{ node_port = N }} }})",
                path.display()
            ))
        } else {
            Error::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// The asked port if free, else the lowest free one from 30443 (then from 30000).
fn node_port(
    teams: &BTreeMap<String, platform_layout::TeamEntry>,
    asked: Option<u32>,
) -> Result<u32> {
    let used: BTreeMap<u32, &str> = teams
        .iter()
        .filter_map(|(n, t)| t.node_port.map(|p| (p, n.as_str())))
        .collect();
    if let Some(p) = asked {
        if !NODE_PORTS.contains(&p) {
            return Err(Error::Usage(format!(
                "--node-port {p} is outside the NodePort range {}-{}",
                NODE_PORTS.start(),
                NODE_PORTS.end()
            )));
        }
        if let Some(team) = used.get(&p) {
            return Err(Error::Usage(format!("--node-port {p} is taken by {team}")));
        }
        return Ok(p);
    }
    (FIRST_PORT..=*NODE_PORTS.end())
        .chain(*NODE_PORTS.start()..FIRST_PORT)
        .find(|p| !used.contains_key(p))
        .ok_or_else(|| {
            Error::Usage(format!(
                "no free node port: all {} NodePorts ({}-{}) are taken by teams in {}; remove a team first",
                NODE_PORTS.end() - NODE_PORTS.start() + 1,
                NODE_PORTS.start(),
                NODE_PORTS.end(),
                platform_layout::TEAM_LIST
            ))
        })
}

/// What the templates' `{{...}}` stand for.
struct Words {
    pairs: Vec<(&'static str, String)>,
    owner: bool,
}

impl Words {
    fn new(team: &str, owner: Option<&str>, services: &[(String, PathBuf)]) -> Words {
        let mut in_words = vec!["nginx".to_string()];
        in_words.extend(services.iter().map(|(s, _)| service_title(s)));
        let services = match in_words.as_slice() {
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
            [] => String::new(),
        };
        Words {
            pairs: vec![
                ("{{team}}", team.to_string()),
                ("{{team_snake}}", team.replace('-', "_")),
                ("{{owner}}", owner.unwrap_or_default().to_string()),
                ("{{services}}", services),
            ],
            owner: owner.is_some(),
        }
    }

    /// The template with its words filled in; a line naming `{{owner}}` goes when there is none.
    fn fill(&self, text: &str, env: Option<&str>) -> String {
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            if !self.owner && line.contains("{{owner}}") {
                continue;
            }
            let mut line = line.to_string();
            for (k, v) in &self.pairs {
                line = line.replace(k, v);
            }
            if let Some(env) = env {
                line = line.replace("{{env}}", env);
            }
            out.push_str(&line);
        }
        out
    }
}

fn service_title(s: &str) -> String {
    match s {
        "postgres" | "postgresql" => "PostgreSQL".into(),
        "redis" => "Redis".into(),
        other => other.to_string(),
    }
}

/// The stack's files: each template file filled in, each service's file of the same name
/// appended to it (a service's `main.tf` goes after the stack's), formatted as `tofu fmt` does.
fn render_stack(
    templates: &Path,
    services: &[(String, PathBuf)],
    words: &Words,
) -> Result<Vec<Rendered>> {
    let mut texts: BTreeMap<PathBuf, String> = BTreeMap::new();
    for file in template_files(templates)? {
        let text = std::fs::read_to_string(templates.join(&file)).map_err(Error::read(&file))?;
        texts.insert(file, words.fill(&text, None));
    }
    for (_, dir) in services {
        for file in template_files(dir)? {
            let text = std::fs::read_to_string(dir.join(&file)).map_err(Error::read(&file))?;
            let text = words.fill(&text, None);
            texts
                .entry(file)
                .and_modify(|t| {
                    t.push('\n');
                    t.push_str(&text);
                })
                .or_insert(text);
        }
    }
    texts
        .into_iter()
        .map(|(rel, text)| {
            let bytes = formatted(&rel, &text)?;
            Ok(Rendered {
                rel,
                bytes: Zeroizing::new(bytes.into_bytes()),
            })
        })
        .collect()
}

/// The files of a template directory, relative to it: everything but its README and `env/`.
fn template_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(Error::read(dir))? {
        let e = e.map_err(Error::read(dir))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().is_file() && !name.starts_with('.') && name != "README.md" {
            out.push(PathBuf::from(name));
        }
    }
    out.sort();
    Ok(out)
}

/// A rendered HCL file as `tofu fmt` writes it; a template that renders to something tofu could
/// not parse is refused with the template's name.
fn formatted(rel: &Path, text: &str) -> Result<String> {
    let name = rel.to_string_lossy();
    let mode = if name.ends_with(".tf") || name.ends_with(".tfvars") || name.ends_with(".tofu") {
        Mode::Tofu
    } else if name.ends_with(".hcl") {
        Mode::Terragrunt
    } else {
        return Ok(text.to_string());
    };
    crate::hcl::format(text, mode).map_err(|e| Error::Invalid {
        path: PathBuf::from(TEMPLATE_DIR).join(rel),
        message: format!("the template does not render to valid HCL: {e}"),
    })
}

/// `env/<env>.tfvars` from the template's `env/ENV.tfvars`, and `env/<env>.secrets.tfvars.json`
/// with a fresh random value for every required sensitive variable, sealed at once.
fn env_files(
    templates: &Path,
    stack_dir: &Path,
    stack_files: &[Rendered],
    envs: &[String],
    words: &Words,
) -> Result<Vec<Rendered>> {
    let plain_template = std::fs::read_to_string(templates.join("env/ENV.tfvars")).ok();
    let variables = stack_files
        .iter()
        .find(|f| f.rel == Path::new("variables.tf"))
        .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
        .unwrap_or_default();
    let secrets: Vec<String> =
        crate::variables::read_source(&variables, &stack_dir.join("variables.tf"))?
            .into_iter()
            .filter(|v| v.sensitive && v.required())
            .map(|v| v.name)
            .collect();
    let stack = Stack {
        name: String::new(),
        dir: stack_dir.to_path_buf(),
    };
    let mut out = Vec::new();
    for env in envs {
        if let Some(t) = &plain_template {
            let rel = PathBuf::from(format!("env/{env}.tfvars"));
            let text = formatted(&rel, &words.fill(t, Some(env)))?;
            out.push(Rendered {
                rel,
                bytes: Zeroizing::new(text.into_bytes()),
            });
        }
        if !secrets.is_empty() {
            let mut values = secret_seal::Branch::default();
            for name in &secrets {
                values.push(
                    name.clone(),
                    secret_seal::Value::Str(crate::fresh::secret_for(&variables, name)),
                );
            }
            let path = stack.sealed_file(env);
            let bytes = crate::envs::sealed_bytes(&path, values)?;
            out.push(Rendered {
                rel: PathBuf::from(format!("env/{env}.secrets.tfvars.json")),
                bytes: Zeroizing::new(bytes),
            });
        }
    }
    Ok(out)
}

/// Writes the stack into a hidden directory beside its place, then renames it there: the team's
/// stack appears whole or not at all.
fn place_stack(stack_dir: &Path, files: &[Rendered]) -> Result<()> {
    let parent = stack_dir.parent().expect("stacks/teams/<team>");
    platform_fs::create_dir_all(parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".team-new-")
        .tempdir_in(parent)
        .map_err(Error::read(parent))?;
    for f in files {
        let path = staging.path().join(&f.rel);
        if let Some(dir) = path.parent() {
            platform_fs::create_dir_all(dir)?;
        }
        platform_fs::write(&path, &f.bytes, 0o644)?;
    }
    // 0755 like a directory git checks out (tempdir makes 0700).
    set_mode(staging.path(), 0o755)?;
    let staged = staging.keep();
    std::fs::rename(&staged, stack_dir).map_err(|source| {
        let _ = std::fs::remove_dir_all(&staged);
        Error::write(stack_dir)(source)
    })
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(Error::write(path))
}

/// The team list's text with `name` added last in `teams = { ... }`, comments and layout kept.
pub fn with_team(
    text: &str,
    name: &str,
    node_port: u32,
    owner: Option<&str>,
) -> std::result::Result<String, String> {
    let close = teams_object(text)?.end - 1;
    let mut entry = format!("  {name} = {{\n    node_port = {node_port}\n");
    if let Some(owner) = owner {
        entry.push_str(&format!("    owner = \"{owner}\"\n"));
    }
    entry.push_str("  }\n");
    let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
    let mut out = String::with_capacity(text.len() + entry.len() + 1);
    if text[line_start..close].trim().is_empty() {
        out.push_str(&text[..line_start]);
    } else {
        // `teams = {}` or a closing brace after a value: the entry goes on lines of its own.
        out.push_str(&text[..close]);
        out.push('\n');
    }
    out.push_str(&entry);
    out.push_str(&text[close..]);
    crate::hcl::format(&out, Mode::Tofu).map_err(|e| e.to_string())
}

/// The team list's text without `name`: the lines of its entry go, the rest stays as it was.
pub fn without_team(text: &str, name: &str) -> std::result::Result<String, String> {
    use hcl_edit::Span;
    let body = hcl_edit::parser::parse_body(text).map_err(|e| e.to_string())?;
    let teams = teams_attribute(&body)?;
    let object = teams.value.as_object().ok_or("`teams` is not an object")?;
    let (key, value) = object
        .iter()
        .find(|(k, _)| object_key(k).as_deref() == Some(name))
        .ok_or_else(|| format!("no team {name:?} in the list"))?;
    let start = key.span().ok_or("no position for the team's entry")?.start;
    let end = value
        .expr()
        .span()
        .ok_or("no position for the team's entry")?
        .end;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    // The rest of the entry's last line: nothing, a comma, or a comment of its own.
    let rest = text[end..line_end].trim();
    let rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    let whole_lines = text[line_start..start].trim().is_empty()
        && (rest.is_empty() || rest.starts_with('#') || rest.starts_with("//"));
    let out = if whole_lines {
        format!("{}{}", &text[..line_start], &text[line_end..])
    } else {
        // Entries side by side on one line (`{ a = {...}, b = {...} }`): the entry alone goes.
        let after = text[end..].trim_start_matches([' ', '\t']);
        let after = after.strip_prefix(',').unwrap_or(after);
        format!(
            "{}{}",
            &text[..start],
            after.trim_start_matches([' ', '\t'])
        )
    };
    crate::hcl::format(&out, Mode::Tofu).map_err(|e| e.to_string())
}

fn teams_attribute(
    body: &hcl_edit::structure::Body,
) -> std::result::Result<&hcl_edit::structure::Attribute, String> {
    body.get_attribute("teams")
        .ok_or_else(|| "no `teams = { ... }` in the team list".to_string())
}

/// The byte range of the `teams = { ... }` object, braces included.
fn teams_object(text: &str) -> std::result::Result<std::ops::Range<usize>, String> {
    use hcl_edit::Span;
    let body = hcl_edit::parser::parse_body(text).map_err(|e| e.to_string())?;
    let teams = teams_attribute(&body)?;
    if teams.value.as_object().is_none() {
        return Err("`teams` is not an object (teams = { NAME = { node_port = N } })".into());
    }
    teams
        .value
        .span()
        .ok_or_else(|| "no position for `teams`".to_string())
}

fn object_key(key: &hcl_edit::expr::ObjectKey) -> Option<String> {
    match key {
        hcl_edit::expr::ObjectKey::Ident(i) => Some(i.as_str().to_string()),
        hcl_edit::expr::ObjectKey::Expression(hcl_edit::expr::Expression::String(s)) => {
            Some(s.as_str().to_string())
        }
        _ => None,
    }
}

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

/// Where state holds the team's resources: its stack's state in any environment (root.hcl's
/// backend, or a local one in the stack), and instances keyed by the team in the platform
/// stacks' state. A state file that cannot be read counts as live: removing is refused.
fn live_state(layout: &Layout, name: &str, stack_dir: &Path) -> Result<Vec<String>> {
    let mut envs: BTreeSet<String> = layout.environments();
    if let Ok(rd) = std::fs::read_dir(layout.root.join(".terraform-state")) {
        envs.extend(
            rd.flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned()),
        );
    }
    let mut own: Vec<PathBuf> = envs
        .iter()
        .map(|env| platform_layout::state_file(&layout.root, stack_dir, env))
        .collect();
    own.push(stack_dir.join("terraform.tfstate"));
    if let Ok(rd) = std::fs::read_dir(stack_dir.join("terraform.tfstate.d")) {
        own.extend(rd.flatten().map(|e| e.path().join("terraform.tfstate")));
    }
    let mut live = Vec::new();
    let shown = |p: &Path| crate::sources::relative(layout, p).display().to_string();
    for path in own {
        match state_resources(&path) {
            Ok(Some(resources)) if !resources.is_empty() => live.push(format!(
                "{} ({} resource(s))",
                shown(&path),
                resources.len()
            )),
            Ok(_) => {}
            Err(why) => live.push(format!("{} (unreadable: {why})", shown(&path))),
        }
    }
    for platform in layout
        .stacks
        .iter()
        .filter(|s| s.name.starts_with("platform/"))
    {
        for env in &envs {
            let path = platform_layout::state_file(&layout.root, &platform.dir, env);
            match state_resources(&path) {
                Ok(Some(resources)) => {
                    let keyed: Vec<String> = resources
                        .iter()
                        .filter(|(_, keys)| keys.iter().any(|k| k == name))
                        .map(|(addr, _)| format!("{addr}[\"{name}\"]"))
                        .collect();
                    if !keyed.is_empty() {
                        live.push(format!("{} ({})", shown(&path), keyed.join(", ")));
                    }
                }
                Ok(None) => {}
                Err(why) => live.push(format!("{} (unreadable: {why})", shown(&path))),
            }
        }
    }
    Ok(live)
}

/// A managed resource's address and the string keys of its instances (`for_each` over teams).
type StateResource = (String, Vec<String>);

/// The managed resources of a state file with the string keys of their instances; None when
/// there is no file.
fn state_resources(path: &Path) -> std::result::Result<Option<Vec<StateResource>>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let state: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let resources = state["resources"]
        .as_array()
        .ok_or("no resources array (not a tofu state file)")?;
    Ok(Some(
        resources
            .iter()
            .filter(|r| r["mode"] != "data")
            .map(|r| {
                let addr = [&r["module"], &r["type"], &r["name"]]
                    .iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                let keys = r["instances"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i["index_key"].as_str().map(str::to_string))
                    .collect();
                (addr, keys)
            })
            .collect(),
    ))
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

/// What `check` says of the team list: a team stack that is not in it (it would get no vcluster
/// and no port), a broken list, ports out of range or shared, names no namespace can carry.
pub fn findings(layout: &Layout) -> Vec<crate::check::Finding> {
    let path = platform_layout::team_list_path(&layout.root);
    let rel = PathBuf::from(platform_layout::TEAM_LIST);
    let finding = |line: usize, stack: &str, message: String, hint: String| crate::check::Finding {
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
fn copied_secrets(layout: &Layout) -> Vec<crate::check::Finding> {
    let mut seen: BTreeMap<String, (String, PathBuf)> = BTreeMap::new();
    let mut out = Vec::new();
    for stack in layout
        .stacks
        .iter()
        .filter(|s| s.name.starts_with("teams/"))
    {
        for env in stack.environments() {
            let path = stack.sealed_file(&env);
            let Some(mac) = std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|v| v["sops"]["mac"].as_str().map(str::to_string))
            else {
                continue;
            };
            let rel = crate::sources::relative(layout, &path);
            match seen.get(&mac) {
                Some((other, other_file)) if *other != stack.name => {
                    out.push(crate::check::Finding {
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

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "# the teams\nteams = {\n  # the first\n  team-a = {\n    node_port = 30443\n    owner     = \"a@example.com\"\n  }\n  team-b = { node_port = 30444 } # inline\n}\n";

    #[test]
    fn a_team_added_then_removed_leaves_the_list_as_it_was() {
        let added = with_team(LIST, "team-c", 30445, Some("c@example.com")).unwrap();
        assert!(
            added.ends_with("  team-b = { node_port = 30444 } # inline\n  team-c = {\n    node_port = 30445\n    owner     = \"c@example.com\"\n  }\n}\n"),
            "{added}"
        );
        assert_eq!(without_team(&added, "team-c").unwrap(), LIST);
    }

    #[test]
    fn removing_keeps_the_other_entries_and_their_comments() {
        let out = without_team(LIST, "team-b").unwrap();
        assert_eq!(out, "# the teams\nteams = {\n  # the first\n  team-a = {\n    node_port = 30443\n    owner     = \"a@example.com\"\n  }\n}\n");
        let out = without_team(LIST, "team-a").unwrap();
        assert!(
            out.contains("# the first\n")
                && out.contains("  team-b = { node_port = 30444 } # inline\n"),
            "{out}"
        );
        assert!(!out.contains("30443"), "{out}");
    }

    #[test]
    fn an_empty_or_one_line_list_takes_a_team() {
        let out = with_team("teams = {}\n", "team-a", 30443, None).unwrap();
        assert_eq!(
            out,
            "teams = {\n  team-a = {\n    node_port = 30443\n  }\n}\n"
        );
        let one_line =
            "teams = { team-a = { node_port = 30443 }, team-b = { node_port = 30444 } }\n";
        let out = without_team(one_line, "team-a").unwrap();
        assert_eq!(
            platform_layout::parse_team_list(&out)
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["team-b"]
        );
        let out = with_team(one_line, "team-c", 30445, None).unwrap();
        assert_eq!(
            platform_layout::parse_team_list(&out).unwrap().len(),
            3,
            "{out}"
        );
    }

    #[test]
    fn a_list_without_teams_is_refused() {
        assert!(with_team("other = 1\n", "team-a", 30443, None)
            .unwrap_err()
            .contains("no `teams = { ... }`"));
        assert!(with_team("teams = [\"a\"]\n", "team-a", 30443, None)
            .unwrap_err()
            .contains("not an object"));
        assert!(without_team(LIST, "team-z")
            .unwrap_err()
            .contains("no team \"team-z\""));
    }

    #[test]
    fn ports_go_lowest_free_first_and_never_twice() {
        let teams = platform_layout::parse_team_list(LIST).unwrap();
        assert_eq!(node_port(&teams, None).unwrap(), 30445);
        assert_eq!(node_port(&teams, Some(30000)).unwrap(), 30000);
        assert!(node_port(&teams, Some(30444)).is_err());
        assert!(node_port(&teams, Some(29999)).is_err());
    }
}
