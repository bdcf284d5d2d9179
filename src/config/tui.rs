//! `[tui]`: colours, ASCII and remapped keys of the full-screen client, as written.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The full-screen client.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TuiSection {
    /// `never`, `16`, `256` or `truecolor`; `--color` and `NO_COLOR` win. Checked by the TUI.
    pub color: Option<String>,
    /// ASCII borders and charts even on a UTF-8 terminal.
    pub ascii: bool,
    /// OSC 8 hyperlinks for runbook and alert source URLs: `auto`, `always` or `never`.
    /// Checked by the TUI.
    pub hyperlinks: Option<String>,
    /// Remapped keys: `action = "key"` or `action = ["key", "key"]`.
    pub keys: BTreeMap<String, Keys>,
    /// The least severe new incident that rings the bell, or `off`. Default `P1`.
    pub attention: Option<String>,
    /// Whether the wall display rings and shows the banner too. Default off.
    pub wall_attention: bool,
    /// The public update composer's templates, `name = "text"`. Checked by the TUI.
    pub templates: BTreeMap<String, String>,
}

/// One key or several.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Keys {
    One(String),
    Many(Vec<String>),
}

impl TuiSection {
    /// Remapped keys, each action with its list of keys. Checked by the TUI.
    pub fn key_overrides(&self) -> BTreeMap<String, Vec<String>> {
        self.keys
            .iter()
            .map(|(action, keys)| {
                let keys = match keys {
                    Keys::One(key) => vec![key.clone()],
                    Keys::Many(keys) => keys.clone(),
                };
                (action.clone(), keys)
            })
            .collect()
    }
}
