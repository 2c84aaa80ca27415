//! `team add`: the team's stack rendered from the templates, its entry in the team list, env
//! files for every environment with fresh sealed secrets, and atlantis.yaml; checked and rendered
//! in memory first, the stack placed with one rename, every file put back on a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::list_file::{read_team_list, with_team};
use super::{regenerate_atlantis, FIRST_PORT, NODE_PORTS, SERVICES_DIR, TEMPLATE_DIR};
use crate::error::{Error, Result};
use crate::layout::{Layout, Stack};
use hcl_format::Mode;

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
    hcl_format::check(&text).ok()?;
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
    hcl_format::format(text, mode).map_err(|e| Error::Invalid {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_go_lowest_free_first_and_never_twice() {
        let teams = platform_layout::parse_team_list(super::super::list_file::tests::LIST).unwrap();
        assert_eq!(node_port(&teams, None).unwrap(), 30445);
        assert_eq!(node_port(&teams, Some(30000)).unwrap(), 30000);
        assert!(node_port(&teams, Some(30444)).is_err());
        assert!(node_port(&teams, Some(29999)).is_err());
    }
}
