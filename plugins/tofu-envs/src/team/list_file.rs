//! The team list (`stacks/teams.tfvars`) edited where it stands: an entry added last or taken
//! out, every other byte (comments, layout) kept, the result formatted as `tofu fmt` would.

use std::path::Path;

use hcl_format::Mode;

use crate::error::{Error, Result};

/// Why the team list's text cannot be edited.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error("{0}")]
    Parse(String),
    #[error("no `teams = {{ ... }}` in the team list")]
    NoTeams,
    #[error("`teams` is not an object (teams = {{ NAME = {{ node_port = N }} }})")]
    NotAnObject,
    #[error("no team {0:?} in the list")]
    NoSuchTeam(String),
    #[error("no position for the team's entry")]
    NoPosition,
    #[error(transparent)]
    Format(#[from] hcl_format::SyntaxError),
}

pub(super) fn read_team_list(path: &Path) -> Result<String> {
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

/// The team list's text with `name` added last in `teams = { ... }`, comments and layout kept.
pub fn with_team(
    text: &str,
    name: &str,
    node_port: u32,
    owner: Option<&str>,
) -> std::result::Result<String, ListError> {
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
    Ok(hcl_format::format(&out, Mode::Tofu)?)
}

/// The team list's text without `name`: the lines of its entry go, the rest stays as it was.
pub fn without_team(text: &str, name: &str) -> std::result::Result<String, ListError> {
    use hcl_edit::Span;
    let body = hcl_edit::parser::parse_body(text).map_err(|e| ListError::Parse(e.to_string()))?;
    let teams = teams_attribute(&body)?;
    let object = teams.value.as_object().ok_or(ListError::NotAnObject)?;
    let (key, value) = object
        .iter()
        .find(|(k, _)| object_key(k).as_deref() == Some(name))
        .ok_or_else(|| ListError::NoSuchTeam(name.to_string()))?;
    let start = key.span().ok_or(ListError::NoPosition)?.start;
    let end = value.expr().span().ok_or(ListError::NoPosition)?.end;
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
    Ok(hcl_format::format(&out, Mode::Tofu)?)
}

fn teams_attribute(
    body: &hcl_edit::structure::Body,
) -> std::result::Result<&hcl_edit::structure::Attribute, ListError> {
    body.get_attribute("teams").ok_or(ListError::NoTeams)
}

/// The byte range of the `teams = { ... }` object, braces included.
fn teams_object(text: &str) -> std::result::Result<std::ops::Range<usize>, ListError> {
    use hcl_edit::Span;
    let body = hcl_edit::parser::parse_body(text).map_err(|e| ListError::Parse(e.to_string()))?;
    let teams = teams_attribute(&body)?;
    if teams.value.as_object().is_none() {
        return Err(ListError::NotAnObject);
    }
    teams.value.span().ok_or(ListError::NoPosition)
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const LIST: &str = "# the teams\nteams = {\n  # the first\n  team-a = {\n    node_port = 30443\n    owner     = \"a@example.com\"\n  }\n  team-b = { node_port = 30444 } # inline\n}\n";

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
            .to_string()
            .contains("no `teams = { ... }`"));
        assert!(with_team("teams = [\"a\"]\n", "team-a", 30443, None)
            .unwrap_err()
            .to_string()
            .contains("not an object"));
        assert!(without_team(LIST, "team-z")
            .unwrap_err()
            .to_string()
            .contains("no team \"team-z\""));
    }
}
