//! Key bindings: the defaults of the war room (from the table in `actions`), remappable from
//! `[tui.keys]` in the config, and listed by the help overlay.

mod actions;

pub use actions::{ACTIONS, Action, ActionInfo, Changes, HINT_ORDER};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

/// A key as written in the config: `a`, `A`, `space`, `tab`, `ctrl-c`, `f1`, `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    // Field order is sort order: plain keys list before their ctrl- variants.
    ctrl: bool,
    code: KeyCodeName,
}

/// The subset of key codes worth binding, ordered so the help lists them predictably.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCodeName {
    Char(char),
    F(u8),
    Tab,
    BackTab,
    Enter,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
}

impl Key {
    pub const fn char(c: char) -> Key {
        Key {
            code: KeyCodeName::Char(c),
            ctrl: false,
        }
    }

    /// The binding a terminal event means, if any (shifted letters arrive as uppercase).
    pub fn from_event(event: &KeyEvent) -> Option<Key> {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let code = match event.code {
            KeyCode::Char(c) => KeyCodeName::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            KeyCode::F(n) => KeyCodeName::F(n),
            KeyCode::Tab => KeyCodeName::Tab,
            KeyCode::BackTab => KeyCodeName::BackTab,
            KeyCode::Enter => KeyCodeName::Enter,
            KeyCode::Up => KeyCodeName::Up,
            KeyCode::Down => KeyCodeName::Down,
            KeyCode::PageUp => KeyCodeName::PageUp,
            KeyCode::PageDown => KeyCodeName::PageDown,
            KeyCode::Home => KeyCodeName::Home,
            KeyCode::End => KeyCodeName::End,
            _ => return None,
        };
        Some(Key { code, ctrl })
    }

    pub fn parse(text: &str) -> Result<Key, String> {
        let invalid = || {
            format!(
                "'{text}' is not a key (use a character, space, tab, enter, up, down, pageup, pagedown, home, end, f1-f12, or ctrl-<letter>)"
            )
        };
        let (ctrl, rest) = match text
            .strip_prefix("ctrl-")
            .or_else(|| text.strip_prefix("C-"))
        {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() && c != ' ' => KeyCodeName::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "space" => KeyCodeName::Char(' '),
                "tab" => KeyCodeName::Tab,
                "backtab" => KeyCodeName::BackTab,
                "enter" => KeyCodeName::Enter,
                "up" => KeyCodeName::Up,
                "down" => KeyCodeName::Down,
                "pageup" => KeyCodeName::PageUp,
                "pagedown" => KeyCodeName::PageDown,
                "home" => KeyCodeName::Home,
                "end" => KeyCodeName::End,
                f if f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCodeName::F(n),
                    _ => return Err(invalid()),
                },
                _ => return Err(invalid()),
            },
        };
        if ctrl && !matches!(code, KeyCodeName::Char(c) if c.is_ascii_alphabetic()) {
            return Err(invalid());
        }
        Ok(Key { code, ctrl })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        match self.code {
            KeyCodeName::Char(' ') => f.write_str("space"),
            KeyCodeName::Char(c) => write!(f, "{c}"),
            KeyCodeName::F(n) => write!(f, "f{n}"),
            KeyCodeName::Tab => f.write_str("tab"),
            KeyCodeName::BackTab => f.write_str("shift-tab"),
            KeyCodeName::Enter => f.write_str("enter"),
            KeyCodeName::Up => f.write_str("up"),
            KeyCodeName::Down => f.write_str("down"),
            KeyCodeName::PageUp => f.write_str("pageup"),
            KeyCodeName::PageDown => f.write_str("pagedown"),
            KeyCodeName::Home => f.write_str("home"),
            KeyCodeName::End => f.write_str("end"),
        }
    }
}

/// Keys to actions. Several keys may share an action (`j` and down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    bindings: BTreeMap<Key, Action>,
}

impl Default for KeyMap {
    fn default() -> Self {
        let mut bindings = BTreeMap::new();
        for row in ACTIONS {
            for key in row.keys {
                #[expect(
                    clippy::expect_used,
                    reason = "the table's keys are literals; a test binds them all"
                )]
                bindings.insert(Key::parse(key).expect("default keys parse"), row.action);
            }
        }
        KeyMap { bindings }
    }
}

impl KeyMap {
    /// The defaults with the config's `action = "key"` (or `["k1", "k2"]`) overrides applied:
    /// an overridden action loses its default keys. A key that another action still holds
    /// (by default, or from another override) is refused rather than taken from it: a remap
    /// must never silently leave an action without its key.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<KeyMap, String> {
        let mut map = KeyMap::default();
        let mut remapped = Vec::with_capacity(overrides.len());
        for name in overrides.keys() {
            let action = ACTIONS
                .iter()
                .find(|row| row.name == name)
                .map(|row| row.action)
                .ok_or_else(|| format!("[tui.keys]: unknown action '{name}'"))?;
            remapped.push(action);
        }
        map.bindings.retain(|_, bound| !remapped.contains(bound));
        for ((name, keys), action) in overrides.iter().zip(remapped) {
            for key in keys {
                let key = Key::parse(key).map_err(|e| format!("[tui.keys] {name}: {e}"))?;
                match map.bindings.insert(key, action) {
                    Some(other) if other != action => {
                        let other_name = other.config_name();
                        return Err(format!(
                            "[tui.keys] {name}: \"{key}\" is already \"{}\" (remap \
                             {other_name} as well, or choose another key)",
                            other_name.replace('_', " ")
                        ));
                    }
                    _ => {}
                }
            }
        }
        Ok(map)
    }

    pub fn action(&self, event: &KeyEvent) -> Option<Action> {
        Key::from_event(event).and_then(|key| self.bindings.get(&key).copied())
    }

    /// The first key bound to an action (plain before ctrl-), for hints.
    pub fn primary(&self, action: Action) -> Option<Key> {
        self.bindings
            .iter()
            .find(|(_, bound)| **bound == action)
            .map(|(key, _)| *key)
    }

    /// The keys bound to an action, for the help: `a`, `up/k`.
    pub fn keys_for(&self, action: Action) -> String {
        let keys: Vec<String> = self
            .bindings
            .iter()
            .filter(|(_, bound)| **bound == action)
            .map(|(key, _)| key.to_string())
            .collect();
        keys.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn the_documented_defaults_are_bound() {
        let map = KeyMap::default();
        let expect = [
            ('a', Action::Acknowledge),
            ('C', Action::Close),
            ('X', Action::Cancel),
            (' ', Action::ToggleAction),
            (']', Action::NextIncident),
            (':', Action::CommandLine),
        ];
        for (c, action) in expect {
            let shift = if c.is_ascii_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            assert_eq!(
                map.action(&press(KeyCode::Char(c), shift)),
                Some(action),
                "{c:?}"
            );
        }
        assert_eq!(
            map.action(&press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            map.action(&press(KeyCode::Tab, KeyModifiers::NONE)),
            Some(Action::Focus)
        );
        // Every key of the table is bound to its action, and none to two.
        for row in ACTIONS {
            for key in row.keys {
                let bound = map.bindings.get(&Key::parse(key).unwrap());
                assert_eq!(bound, Some(&row.action), "{key}");
            }
        }
        let keys: usize = ACTIONS.iter().map(|row| row.keys.len()).sum();
        assert_eq!(map.bindings.len(), keys);
    }

    #[test]
    fn overrides_replace_an_actions_keys() {
        let overrides = BTreeMap::from([(
            "acknowledge".to_string(),
            vec!["f2".to_string(), "ctrl-a".to_string()],
        )]);
        let map = KeyMap::with_overrides(&overrides).unwrap();
        assert_eq!(map.keys_for(Action::Acknowledge), "f2/ctrl-a");
        assert_eq!(
            map.action(&press(KeyCode::Char('a'), KeyModifiers::NONE)),
            None
        );
        // A key freed by remapping its action may be taken by another.
        let swap = BTreeMap::from([
            ("acknowledge".to_string(), vec!["A".to_string()]),
            ("declare_from_alert".to_string(), vec!["a".to_string()]),
        ]);
        let map = KeyMap::with_overrides(&swap).unwrap();
        assert_eq!(
            map.action(&press(KeyCode::Char('A'), KeyModifiers::SHIFT)),
            Some(Action::Acknowledge)
        );
        assert_eq!(map.keys_for(Action::DeclareFromAlert), "a");
    }

    #[test]
    fn a_key_another_action_holds_is_refused() {
        let collides = |pairs: &[(&str, &str)]| {
            let overrides = pairs
                .iter()
                .map(|(action, key)| (action.to_string(), vec![key.to_string()]))
                .collect();
            KeyMap::with_overrides(&overrides).unwrap_err()
        };
        assert_eq!(
            collides(&[("acknowledge", "A")]),
            "[tui.keys] acknowledge: \"A\" is already \"declare from alert\" (remap \
             declare_from_alert as well, or choose another key)"
        );
        // One of several default keys counts too, and so does another override's key.
        assert!(collides(&[("note", "k")]).starts_with("[tui.keys] note: \"k\" is already \"up\""));
        let error = collides(&[("acknowledge", "f2"), ("mitigate", "f2")]);
        assert!(
            error.starts_with("[tui.keys] mitigate: \"f2\" is already \"acknowledge\""),
            "{error}"
        );
        let same = BTreeMap::from([("quit".to_string(), vec!["q".to_string(), "q".to_string()])]);
        assert_eq!(
            KeyMap::with_overrides(&same)
                .unwrap()
                .keys_for(Action::Quit),
            "q"
        );
    }

    #[test]
    fn bad_overrides_name_the_action_and_the_key() {
        let unknown = BTreeMap::from([("explode".to_string(), vec!["e".to_string()])]);
        assert_eq!(
            KeyMap::with_overrides(&unknown).unwrap_err(),
            "[tui.keys]: unknown action 'explode'"
        );
        let bad = BTreeMap::from([("quit".to_string(), vec!["ctrl-1".to_string()])]);
        assert!(
            KeyMap::with_overrides(&bad)
                .unwrap_err()
                .starts_with("[tui.keys] quit: 'ctrl-1' is not a key")
        );
    }
}
