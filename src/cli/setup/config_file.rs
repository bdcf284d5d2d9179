//! The one config file `warroom setup` (and `warroom config init` with URLs) writes: the
//! backend, Prometheus and Alertmanager URLs, the status page's components and the detected
//! panels with their thresholds, edited into the file people already have, every comment
//! and key of theirs kept, or into the documented default.
//!
//! Running it again updates and never duplicates: a URL is replaced where it is, a detected
//! panel replaces the panel of the same title in place (its other keys and the comments a
//! person wrote above it kept), and components a person chose are left alone.

use crate::config::PanelConfig;
use crate::panels::detect::toml::{comment, panel_table};
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, Value, value};

/// What to write.
#[derive(Debug, Clone, Default)]
pub struct Edits<'a> {
    pub backend: Option<&'a str>,
    pub token: Option<&'a str>,
    pub prometheus: Option<&'a str>,
    pub alertmanager: Option<&'a str>,
    /// Candidates for `[status] components`; written only when the file names none.
    pub components: &'a [String],
    pub panels: &'a [DetectedPanel],
}

/// A panel to write, with the comment lines that say where it came from and why its lines
/// are where they are.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectedPanel {
    pub panel: PanelConfig,
    pub comment: Vec<String>,
}

/// The new text, and what changed in it, for people (`[prometheus] url`, `panel "Request
/// rate"`); nothing changed when it is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub text: String,
    pub changed: Vec<String>,
    /// What was left as a person wrote it although setup would have changed it.
    pub kept: Vec<String>,
}

/// The starts of the comment lines setup writes above a panel: replaced on every run, while
/// any other comment there is a person's and stays.
const OWN_COMMENTS: [&str; 6] = [
    "Detected by `warroom",
    "$service is the `",
    "Every query was checked",
    "Note: ",
    "Thresholds: ",
    "`warroom setup` updates warn",
];

/// `current` with `edits` applied.
pub fn apply(current: &str, edits: &Edits) -> Result<Written, String> {
    let document: DocumentMut = current
        .parse()
        .map_err(|e: toml_edit::TomlError| format!("it is not TOML warroom can edit: {e}"))?;
    let mut editor = Editor::new(document);
    if let Some(url) = edits.backend {
        editor.set("backend", "url", value(url))?;
    }
    if let Some(token) = edits.token {
        editor.set("backend", "token", value(token))?;
    }
    if let Some(url) = edits.prometheus {
        editor.set("prometheus", "url", value(url))?;
    }
    if let Some(url) = edits.alertmanager {
        editor.set("alertmanager", "url", value(url))?;
    }
    if !edits.components.is_empty() {
        editor.components(edits.components)?;
    }
    editor.panels(edits.panels)?;
    Ok(editor.finish())
}

/// The introduction above a table setup adds.
fn introduction(table: &str) -> &'static str {
    match table {
        "backend" => "Where the TUI and the CLI find the shared backend.",
        "prometheus" => "Prometheus, for the metric panels.",
        "alertmanager" => "Alertmanager, for the firing-alerts pane.",
        "status" => "The public status page `warroom serve` serves at /status.",
        _ => "",
    }
}

struct Editor {
    document: DocumentMut,
    /// The comments at the end of the file: they go above the first table added, so that
    /// they stay where the person wrote them.
    before: String,
    changed: Vec<String>,
    kept: Vec<String>,
}

impl Editor {
    fn new(mut document: DocumentMut) -> Editor {
        let before = document.trailing().as_str().unwrap_or_default().to_string();
        document.set_trailing("");
        Editor {
            document,
            before,
            changed: Vec::new(),
            kept: Vec::new(),
        }
    }

    fn finish(mut self) -> Written {
        if !self.before.is_empty() {
            self.document.set_trailing(std::mem::take(&mut self.before));
        }
        Written {
            text: self.document.to_string(),
            changed: self.changed,
            kept: self.kept,
        }
    }

    /// The prefix of something added at the end: the file's closing comments, then ours.
    fn added(&mut self, lines: &str) -> String {
        format!("{}{lines}", std::mem::take(&mut self.before))
    }

    /// The table `name`, added at the end (introduced) if the file has none.
    fn table(&mut self, name: &str) -> Result<&mut Table, String> {
        if !self.document.contains_key(name) {
            let mut table = Table::new();
            let prefix = self.added(&format!(
                "\n# {}\n# Added by `warroom setup`.\n",
                introduction(name)
            ));
            table.decor_mut().set_prefix(prefix);
            self.document.insert(name, Item::Table(table));
        }
        self.document
            .get_mut(name)
            .and_then(Item::as_table_mut)
            .ok_or_else(|| format!("[{name}] is not a table, so warroom cannot edit it"))
    }

    /// `[table] key = new`, keeping the comments around the old value.
    fn set(&mut self, table: &str, key: &str, new: Item) -> Result<(), String> {
        let target = self.table(table)?;
        let Item::Value(new) = new else {
            return Ok(());
        };
        if !replace(target, key, new) {
            return Ok(());
        }
        self.changed.push(format!("[{table}] {key}"));
        Ok(())
    }

    /// `[status] components`, unless the file already lists some: the names customers read
    /// are a person's choice once made.
    fn components(&mut self, candidates: &[String]) -> Result<(), String> {
        let status = self.table("status")?;
        if status.contains_key("components") {
            return Ok(());
        }
        let names: Array = candidates.iter().map(String::as_str).collect();
        status.insert("components", value(names));
        if let Some(mut key) = status.key_mut("components") {
            key.leaf_decor_mut().set_prefix(
                "# Candidates from the services Prometheus knows: the names customers read on \
                 /status.\n# Edit them; `warroom setup` leaves this list alone once it exists.\n",
            );
        }
        self.changed.push("[status] components".into());
        Ok(())
    }

    /// Each detected panel replaces the `[[panels]]` entry of the same title in place, or is
    /// added after the others.
    fn panels(&mut self, detected: &[DetectedPanel]) -> Result<(), String> {
        if detected.is_empty() {
            return Ok(());
        }
        if !self.document.contains_key("panels") {
            self.document
                .insert("panels", Item::ArrayOfTables(ArrayOfTables::new()));
        }
        let mut before = std::mem::take(&mut self.before);
        let tables = self
            .document
            .get_mut("panels")
            .and_then(Item::as_array_of_tables_mut)
            .ok_or("`panels` is not a list of [[panels]] tables, so warroom cannot edit it")?;
        let titles: Vec<&str> = detected.iter().map(|d| d.panel.title.as_str()).collect();
        // A person's own main panel stays the main one.
        let theirs_main = tables.iter().any(|table| {
            table.get("main").and_then(Item::as_bool) == Some(true)
                && !table
                    .get("title")
                    .and_then(Item::as_str)
                    .is_some_and(|title| titles.contains(&title))
        });
        for DetectedPanel { panel, comment } in detected {
            let mut wanted = panel_table(&PanelConfig {
                main: panel.main && !theirs_main,
                ..panel.clone()
            });
            let existing = tables
                .iter_mut()
                .find(|table| table.get("title").and_then(Item::as_str) == Some(&panel.title));
            let changed = match existing {
                Some(table) => {
                    let updated = update(table, &wanted, comment);
                    if updated.kept_lines {
                        self.kept.push(format!(
                            "panel {:?}: its warn and crit are yours (no {MANAGED:?} line above \
                             it), kept",
                            panel.title
                        ));
                    }
                    updated.changed
                }
                None => {
                    let prefix =
                        format!("{}{}", std::mem::take(&mut before), self::comment(comment));
                    wanted.decor_mut().set_prefix(prefix);
                    tables.push(wanted);
                    true
                }
            };
            if changed {
                self.changed.push(format!("panel {:?}", panel.title));
            }
        }
        self.before = before;
        Ok(())
    }
}

/// The comment line that marks a panel's warn and crit as setup's to update.
pub const MANAGED: &str =
    "`warroom setup` updates warn and crit while this line is here; delete it to keep your own.";

/// What updating one panel did.
#[derive(Debug, Default)]
struct Updated {
    changed: bool,
    /// Its warn and crit were a person's, and were kept.
    kept_lines: bool,
}

/// Brings `table` to `wanted`'s values and comment. Its warn and crit follow `wanted` only
/// while setup manages them (the [`MANAGED`] line is above the table, or it has neither):
/// lines a person tuned are never overwritten.
fn update(table: &mut Table, wanted: &Table, lines: &[String]) -> Updated {
    let old = table
        .decor()
        .prefix()
        .and_then(|p| p.as_str())
        .unwrap_or_default()
        .to_string();
    let managed =
        old.contains(MANAGED) || !(table.contains_key("warn") || table.contains_key("crit"));
    let mut updated = Updated {
        changed: false,
        kept_lines: !managed,
    };
    for (key, item) in wanted.iter() {
        let Some(new) = item.as_value() else {
            continue;
        };
        if managed || !LINES.contains(&key) {
            updated.changed |= replace(table, key, new.clone());
        }
    }
    for key in LINES
        .iter()
        .filter(|key| managed && !wanted.contains_key(key))
    {
        updated.changed |= table.remove(key).is_some();
    }
    let theirs: String = old
        .lines()
        .filter(|line| {
            let text = line.trim_start().trim_start_matches('#').trim_start();
            !line.trim().is_empty() && !OWN_COMMENTS.iter().any(|own| text.starts_with(own))
        })
        .map(|line| format!("{line}\n"))
        .collect();
    // Setup's explanation of the lines goes with the lines.
    let ours: Vec<String> = lines
        .iter()
        .filter(|line| managed || !(line.starts_with("Thresholds: ") || line.as_str() == MANAGED))
        .cloned()
        .collect();
    let prefix = match comment(&ours).strip_prefix('\n') {
        Some(ours) => format!("\n{theirs}{ours}"),
        None => format!("\n{theirs}"),
    };
    if prefix != old {
        table.decor_mut().set_prefix(prefix);
        updated.changed = true;
    }
    updated
}

/// The keys of a panel's lines.
const LINES: [&str; 2] = ["warn", "crit"];

/// `table[key] = new`, keeping the comments around the key and the old value (a new
/// `Key` would lose the comment lines above it); whether the value changed.
fn replace(table: &mut Table, key: &str, mut new: Value) -> bool {
    match table.get_mut(key) {
        Some(Item::Value(old)) if same(old, &new) => false,
        Some(item) => {
            if let Some(old) = item.as_value() {
                *new.decor_mut() = old.decor().clone();
            }
            *item = Item::Value(new);
            true
        }
        None => {
            table.insert(key, Item::Value(new));
            true
        }
    }
}

/// Equal values, whatever their comments and spacing.
fn same(old: &Value, new: &Value) -> bool {
    let bare = |v: &Value| {
        let mut v = v.clone();
        v.decor_mut().clear();
        v.to_string()
    };
    bare(old) == bare(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{self, Config};

    fn panel(title: &str, warn: Option<f64>, main: bool) -> DetectedPanel {
        DetectedPanel {
            panel: PanelConfig {
                title: title.into(),
                expr: format!(
                    "sum(rate({}_total[1m]))",
                    title.to_lowercase().replace(' ', "_")
                ),
                unit: "ratio".into(),
                warn,
                crit: warn.map(|w| w * 2.0),
                legend: None,
                range: "1h".into(),
                refresh: None,
                evidence_step: None,
                main,
            },
            comment: vec![format!("Thresholds: from {warn:?}."), MANAGED.to_string()],
        }
    }

    fn edits<'a>(panels: &'a [DetectedPanel], components: &'a [String]) -> Edits<'a> {
        Edits {
            backend: Some("http://10.0.0.5:7700"),
            token: None,
            prometheus: Some("http://prom:9090"),
            alertmanager: Some("http://am:9093"),
            components,
            panels,
        }
    }

    #[test]
    fn the_default_becomes_one_working_config_and_a_second_run_changes_nothing() {
        let panels = [
            panel("Errors", Some(0.01), true),
            panel("Rate", None, false),
        ];
        let components = ["checkout".to_string(), "billing".to_string()];
        let first = apply(config::DEFAULT_CONFIG, &edits(&panels, &components)).unwrap();
        let loaded = Config::parse(&first.text, "c.toml").unwrap();
        assert_eq!(loaded.backend.url, "http://10.0.0.5:7700");
        assert_eq!(loaded.prometheus.unwrap().url, "http://prom:9090");
        assert_eq!(loaded.alertmanager.unwrap().url, "http://am:9093");
        assert_eq!(loaded.status.components, components);
        assert_eq!(loaded.panels.len(), 2);
        assert!(loaded.panels[0].main && loaded.panels[0].warn == Some(0.01));
        assert!(
            first.text.contains("# Thresholds: from Some(0.01)."),
            "{}",
            first.text
        );
        // The default's documentation is all still there.
        for line in config::DEFAULT_CONFIG
            .lines()
            .filter(|l| l.starts_with('#'))
        {
            assert!(first.text.contains(line), "lost {line:?}");
        }

        let second = apply(&first.text, &edits(&panels, &components)).unwrap();
        assert_eq!(second.changed, Vec::<String>::new());
        assert_eq!(second.text, first.text);
    }

    #[test]
    fn a_rerun_updates_in_place_and_keeps_what_people_wrote() {
        let mine = "# my war room\n[backend]\nurl = \"http://old:7700\" # the shared one\n\n\
                    [status]\ncomponents = [\"API\"]\n\n\
                    # my own note about errors\n[[panels]]\ntitle = \"Errors\"\nexpr = \"up\"\nrange = \"6h\"\n\
                    main = true\n\n[[panels]]\ntitle = \"Mine\"\nexpr = \"up\"\n\n# the end\n";
        let panels = [
            panel("Errors", Some(0.02), true),
            panel("Rate", None, false),
        ];
        let written = apply(mine, &edits(&panels, &["checkout".to_string()])).unwrap();
        let text = &written.text;
        assert!(
            text.starts_with(
                "# my war room\n[backend]\nurl = \"http://10.0.0.5:7700\" # the shared one\n"
            ),
            "{text}"
        );
        let loaded = Config::parse(text, "c.toml").unwrap();
        assert_eq!(loaded.status.components, ["API"]);
        let titles: Vec<_> = loaded.panels.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles, ["Errors", "Mine", "Rate"]);
        assert_eq!(
            loaded.panels[0].range, "6h",
            "a key setup does not write is kept"
        );
        assert_eq!(loaded.panels[0].warn, Some(0.02));
        assert!(text.contains(&format!("# my own note about errors\n# Thresholds: from Some(0.02).\n# {MANAGED}\n[[panels]]\ntitle = \"Errors\"")), "{text}");
        assert!(text.contains("# the end"), "{text}");
        assert_eq!(
            written.changed,
            [
                "[backend] url",
                "[prometheus] url",
                "[alertmanager] url",
                "panel \"Errors\"",
                "panel \"Rate\""
            ]
        );

        // New thresholds replace setup's comment, never the person's.
        let later = [panel("Errors", Some(0.03), true)];
        let again = apply(text, &edits(&later, &[])).unwrap().text;
        assert!(
            again
                .contains(&format!("# my own note about errors\n# Thresholds: from Some(0.03).\n# {MANAGED}\n[[panels]]")),
            "{again}"
        );
        assert!(!again.contains("Some(0.02)"), "{again}");
    }

    #[test]
    fn lines_a_person_tuned_are_kept() {
        let mine = "# tuned by hand\n[[panels]]\ntitle = \"Errors\"\nexpr = \"up\"\nwarn = 0.1\n";
        let panels = [panel("Errors", Some(0.02), true)];
        let written = apply(mine, &edits(&panels, &[])).unwrap();
        let loaded = Config::parse(&written.text, "c.toml").unwrap();
        assert_eq!(
            (loaded.panels[0].warn, loaded.panels[0].crit),
            (Some(0.1), None)
        );
        assert_ne!(loaded.panels[0].expr, "up", "the query is setup's");
        assert!(!written.text.contains("Thresholds:"), "{}", written.text);
        assert_eq!(written.kept.len(), 1, "{:?}", written.kept);

        // Lines setup manages follow the history, to none at all.
        let managed = apply(config::DEFAULT_CONFIG, &edits(&panels, &[]))
            .unwrap()
            .text;
        let none = [panel("Errors", None, true)];
        let text = apply(&managed, &edits(&none, &[])).unwrap().text;
        let loaded = Config::parse(&text, "c.toml").unwrap();
        assert_eq!((loaded.panels[0].warn, loaded.panels[0].crit), (None, None));
    }

    #[test]
    fn their_main_panel_stays_main_and_broken_files_are_refused() {
        let mine = "[[panels]]\ntitle = \"Mine\"\nexpr = \"up\"\nmain = true\n";
        let panels = [panel("Errors", Some(0.01), true)];
        let text = apply(mine, &edits(&panels, &[])).unwrap().text;
        let loaded = Config::parse(&text, "c.toml").unwrap();
        assert!(loaded.panels[0].main && !loaded.panels[1].main, "{text}");

        assert!(
            apply("[backend\n", &edits(&[], &[]))
                .unwrap_err()
                .contains("not TOML")
        );
        let error = apply("backend = 3\n", &edits(&[], &[])).unwrap_err();
        assert_eq!(error, "[backend] is not a table, so warroom cannot edit it");
    }
}
