//! Detected panels as config TOML: printed for people to paste, or written into their config
//! file with every comment and key they had kept as it was.

use super::{Detection, Proposal};
use crate::config::PanelConfig;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

/// Why the panels cannot be written into a config file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("it is not TOML warroom can edit: {0}")]
    NotToml(String),
    #[error(
        "it already has [[panels]]; nothing was changed. Remove them to replace them, or copy \
         what `warroom panels detect` prints"
    )]
    HasPanels,
}

/// The `[[panels]]` of `detection`, each match introduced by a comment saying what was found.
pub fn render(detection: &Detection) -> String {
    let mut document = DocumentMut::new();
    document.insert("panels", Item::ArrayOfTables(panels(detection)));
    document.to_string().trim_start().to_string()
}

/// `config` with the detected panels added at its end, and `[prometheus] url` when the file
/// has no `[prometheus]` and a URL is given. A file that has panels is left alone: replacing
/// them would lose someone's work.
pub fn write_into(
    config: &str,
    detection: &Detection,
    prometheus_url: Option<&str>,
) -> Result<String, WriteError> {
    let mut document: DocumentMut = config
        .parse()
        .map_err(|e: toml_edit::TomlError| WriteError::NotToml(e.to_string()))?;
    if document.contains_key("panels") {
        return Err(WriteError::HasPanels);
    }
    // Comments after the last key belong to the document's end; moved in front of what is
    // added, they stay where the user wrote them.
    let mut before = document.trailing().as_str().unwrap_or_default().to_string();
    document.set_trailing("");
    if let Some(url) = prometheus_url.filter(|_| !document.contains_key("prometheus")) {
        let mut table = Table::new();
        table.insert("url", value(url));
        table.decor_mut().set_prefix(format!(
            "{before}\n# Added by `warroom panels detect --write`.\n"
        ));
        before.clear();
        document.insert("prometheus", Item::Table(table));
    }
    let mut added = panels(detection);
    if let Some(first) = added.get_mut(0) {
        let prefix = first
            .decor()
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or("");
        let prefix = format!("{before}{prefix}");
        first.decor_mut().set_prefix(prefix);
    }
    document.insert("panels", Item::ArrayOfTables(added));
    Ok(document.to_string())
}

fn panels(detection: &Detection) -> ArrayOfTables {
    let mut tables = ArrayOfTables::new();
    for proposal in &detection.proposals {
        for (index, panel) in proposal.panels.iter().enumerate() {
            let mut table = panel_table(panel);
            if index == 0 {
                table.decor_mut().set_prefix(introduction(proposal));
            }
            tables.push(table);
        }
    }
    tables
}

/// The comment over a match's first panel.
fn introduction(proposal: &Proposal) -> String {
    comment(&introduction_lines(proposal))
}

/// The lines of that comment. Label values come from the network: they are written escaped,
/// so no value can end the comment and add TOML of its own.
pub fn introduction_lines(proposal: &Proposal) -> Vec<String> {
    let convention = proposal.convention;
    let mut lines = vec![format!(
        "Detected by `warroom panels detect`: {} ({}).",
        convention.name, convention.requests
    )];
    if let Some(label) = proposal.binding.service {
        let seen: Vec<String> = proposal.services.iter().map(|s| format!("{s:?}")).collect();
        lines.push(format!(
            "$service is the `{label}` label (seen: {}).",
            seen.join(", ")
        ));
    }
    if let Some(service) = &proposal.checked_with {
        lines.push(format!(
            "Every query was checked to draw data for {service:?}."
        ));
    } else {
        lines.push("Every query was checked to draw data over all services.".into());
    }
    lines.extend(proposal.notes.iter().map(|note| format!("Note: {note}.")));
    lines
}

/// Comment lines as a table's prefix: a blank line, then `# line` each.
pub fn comment(lines: &[String]) -> String {
    let mut prefix = String::from("\n");
    for line in lines {
        prefix.push_str("# ");
        prefix.push_str(line);
        prefix.push('\n');
    }
    prefix
}

/// A panel as a `[[panels]]` table.
pub fn panel_table(panel: &PanelConfig) -> Table {
    let mut table = Table::new();
    table.insert("title", value(&panel.title));
    table.insert("expr", value(&panel.expr));
    table.insert("unit", value(&panel.unit));
    if let Some(warn) = panel.warn {
        table.insert("warn", value(warn));
    }
    if let Some(crit) = panel.crit {
        table.insert("crit", value(crit));
    }
    if let Some(legend) = &panel.legend {
        table.insert("legend", value(legend));
    }
    if panel.main {
        table.insert("main", value(true));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panels::detect::conventions::CONVENTIONS;
    use crate::panels::detect::propose::{self, Binding};

    fn detection() -> Detection {
        let binding = Binding {
            status: "code",
            service: Some("service"),
            route: Some("endpoint"),
        };
        Detection {
            proposals: vec![Proposal {
                convention: &CONVENTIONS[0],
                panels: propose::panels(&CONVENTIONS[0], &binding, true, true, ""),
                binding,
                services: vec!["checkout".into(), "evil\n[[panels]]".into()],
                checked_with: Some("checkout".into()),
                notes: vec![],
            }],
            passed_over: vec![],
            api_calls: 7,
        }
    }

    /// What the application reads of the file, enough to check the panels round-trip.
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        panels: Vec<PanelConfig>,
        prometheus: Option<std::collections::BTreeMap<String, String>>,
    }

    #[test]
    fn printed_panels_read_back_as_the_proposal() {
        let text = render(&detection());
        let file: File = toml_edit::de::from_str(&text).unwrap();
        let expected: Vec<PanelConfig> = detection().panels();
        assert_eq!(file.panels, expected, "{text}");
        assert!(
            text.starts_with("# Detected by `warroom panels detect`"),
            "{text}"
        );
        assert!(
            text.contains(r#"(seen: "checkout", "evil\n[[panels]]")"#),
            "{text}"
        );
    }

    #[test]
    fn writing_keeps_every_comment_and_key_in_place() {
        let config = "# my settings\n[backend]\nurl = \"http://10.0.0.1:7700\" # the shared one\n\n\
                      [tui.keys]\n# acknowledge = \"A\"\n\n# The panels: see the docs.\n";
        let written = write_into(config, &detection(), Some("http://prom:9090")).unwrap();
        assert!(written.starts_with(config), "{written}");
        let file: File = toml_edit::de::from_str(&written).unwrap();
        assert_eq!(file.panels, detection().panels());
        assert_eq!(file.prometheus.unwrap()["url"], "http://prom:9090");
    }

    #[test]
    fn a_prometheus_table_is_kept_and_panels_are_never_replaced() {
        let config = "[prometheus]\nurl = \"http://mine:9090\"\n";
        let written = write_into(config, &detection(), Some("http://other:9090")).unwrap();
        let file: File = toml_edit::de::from_str(&written).unwrap();
        assert_eq!(file.prometheus.unwrap()["url"], "http://mine:9090");

        let config = "[[panels]]\ntitle = \"Mine\"\nexpr = \"up\"\n";
        assert_eq!(
            write_into(config, &detection(), None),
            Err(WriteError::HasPanels)
        );
        assert!(matches!(
            write_into("[backend\n", &detection(), None),
            Err(WriteError::NotToml(_))
        ));
    }
}
