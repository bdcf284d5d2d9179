//! The composer's components as a picker: every component the status page lists
//! (`[status] components`), each left out of the update or given a status from Statuspage's
//! list. ↑/↓ (or k/j) move between components, ←/→ (or space) change the status. Only listed
//! names can be chosen, so the backend never has to refuse a typo (`unknown_component`).

use crate::domain::ComponentStatus;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::collections::BTreeMap;

/// What the form shows under the fields while the picker has the focus.
pub const HINT: &str = "↑/↓ or j/k: component · ←/→ or space: its status (— leaves it out)";

/// The statuses in the order a person steps through them, as Statuspage lists them; before
/// the first comes "not in this update".
pub const STATUSES: [ComponentStatus; 5] = [
    ComponentStatus::Operational,
    ComponentStatus::DegradedPerformance,
    ComponentStatus::PartialOutage,
    ComponentStatus::MajorOutage,
    ComponentStatus::UnderMaintenance,
];

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentPicker {
    /// Each listed component, in the config's order, with its status in this update (`None`:
    /// the update does not name it).
    pub rows: Vec<(String, Option<ComponentStatus>)>,
    /// The row the arrows are on.
    pub cursor: usize,
    /// The choice as a typed field would read it (`api=partial_outage, …`), kept in step by
    /// every change, so the form reads the picker as it reads text.
    text: String,
}

impl ComponentPicker {
    /// The listed components, each with the status `named` gives it (the last public update's).
    /// Names the page does not list are left out: the backend would refuse them.
    pub fn new(listed: &[String], named: &BTreeMap<String, ComponentStatus>) -> ComponentPicker {
        let mut picker = ComponentPicker {
            rows: listed
                .iter()
                .map(|name| (name.clone(), named.get(name).copied()))
                .collect(),
            cursor: 0,
            text: String::new(),
        };
        picker.write_text();
        picker
    }

    /// `api=partial_outage, web=operational`: the named components only.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every named component back to operational, as a resolved update has them.
    pub fn restore(&mut self) {
        for (_, status) in &mut self.rows {
            if status.is_some() {
                *status = Some(ComponentStatus::Operational);
            }
        }
        self.write_text();
    }

    /// Takes the keys that move between components and change a status; says whether it took
    /// the key. ↑ on the first component and ↓ on the last are left to the form, to move to
    /// the field before or after.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        let last = self.rows.len().saturating_sub(1);
        match key.code {
            KeyCode::Up if self.cursor > 0 => self.cursor -= 1,
            KeyCode::Down if self.cursor < last => self.cursor += 1,
            KeyCode::Char('k') => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Char('j') => self.cursor = (self.cursor + 1).min(last),
            KeyCode::Left => self.step(STATUSES.len()),
            KeyCode::Right | KeyCode::Char(' ') => self.step(1),
            _ => return false,
        }
        true
    }

    /// Moves the status under the cursor `by` places round "none, then each status".
    fn step(&mut self, by: usize) {
        let Some((_, status)) = self.rows.get_mut(self.cursor) else {
            return;
        };
        let places = STATUSES.len() + 1;
        let now = status
            .and_then(|s| STATUSES.iter().position(|t| *t == s))
            .map_or(0, |i| i + 1);
        let next = (now + by) % places;
        *status = next.checked_sub(1).map(|i| STATUSES[i]);
        self.write_text();
    }

    fn write_text(&mut self) {
        let named: Vec<String> = self
            .rows
            .iter()
            .filter_map(|(name, status)| status.map(|s| format!("{name}={s}")))
            .collect();
        self.text = named.join(", ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;

    fn press(picker: &mut ComponentPicker, code: KeyCode) -> bool {
        picker.on_key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn the_status_steps_round_every_statuspage_status_and_back_to_none() {
        let named = [("web".to_string(), ComponentStatus::MajorOutage)].into();
        let mut picker = ComponentPicker::new(&["api".into(), "web".into()], &named);
        assert_eq!(picker.text(), "web=major_outage");
        let mut seen = vec![];
        for _ in 0..STATUSES.len() + 1 {
            press(&mut picker, KeyCode::Char(' '));
            seen.push(picker.rows[0].1);
        }
        assert_eq!(seen[..5], STATUSES.map(Some));
        assert_eq!(seen[5], None);
        press(&mut picker, KeyCode::Left);
        assert_eq!(picker.rows[0].1, Some(ComponentStatus::UnderMaintenance));
        assert_eq!(
            picker.text(),
            "api=under_maintenance, web=major_outage",
            "the config's order"
        );
    }

    #[test]
    fn the_arrows_leave_the_ends_to_the_form_and_j_k_stay_inside() {
        let mut picker = ComponentPicker::new(&["api".into(), "web".into()], &BTreeMap::new());
        assert!(!press(&mut picker, KeyCode::Up));
        assert!(press(&mut picker, KeyCode::Down));
        assert_eq!(picker.cursor, 1);
        assert!(!press(&mut picker, KeyCode::Down));
        assert!(press(&mut picker, KeyCode::Char('j')));
        assert_eq!(picker.cursor, 1);
        assert!(press(&mut picker, KeyCode::Char('k')));
        assert!(press(&mut picker, KeyCode::Char('k')));
        assert_eq!(picker.cursor, 0);
        assert!(!press(&mut picker, KeyCode::Char('q')));
    }

    #[test]
    fn restoring_sets_the_named_components_operational_and_leaves_the_others_out() {
        let named = [("web".to_string(), ComponentStatus::PartialOutage)].into();
        let mut picker = ComponentPicker::new(&["api".into(), "web".into()], &named);
        picker.restore();
        assert_eq!(picker.rows[0].1, None);
        assert_eq!(picker.text(), "web=operational");
    }

    #[test]
    fn names_the_page_does_not_list_are_dropped() {
        let named = [("gone".to_string(), ComponentStatus::PartialOutage)].into();
        let picker = ComponentPicker::new(&["api".into()], &named);
        assert_eq!(picker.text(), "");
    }
}
