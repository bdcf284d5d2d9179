//! Ending an incident with action items still open: the commander keeps them open on the
//! ended incident (a task still to finish, such as a customer update), carries them to the
//! post-incident review as corrective actions, or drops them. Both the TUI's confirmation
//! and the CLI's `--keep-actions` / `--carry-actions` / `--drop-actions` ask through these,
//! so the two name the same items and send the same commands.

use super::{ActionItem, ActionState, Command, CorrectiveKind, Incident, Timestamp};

/// What becomes of the open action items when an incident is resolved or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// They stay open on the ended incident, to be done or dropped there (until it closes:
    /// a closed incident's items are final).
    Keep,
    /// Each is copied into the review as a corrective action; the items stay as they are.
    Carry,
    /// They are dropped just before the ending.
    Drop,
}

/// The commands a [`Settlement`] sends around the ending: `before` it (a closed incident
/// refuses changes to its items) and `after` it (the review accepts them in every status).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettlementCommands {
    pub before: Vec<Command>,
    pub after: Vec<Command>,
}

/// How long a carried item has in the review: the review sets a real date; two weeks is
/// the span the corrective-action form suggests (`14d`).
pub const CARRIED_DUE_DAYS: i64 = 14;

impl Incident {
    /// The open action items a resolve or close would leave behind and that are not in the
    /// review yet. An item counts as carried when a corrective action has its very text, so
    /// a close after a resolve that carried them does not ask again, nor copy them twice.
    pub fn actions_to_settle(&self) -> Vec<&ActionItem> {
        self.actions
            .iter()
            .filter(|item| item.state == ActionState::Open)
            .filter(|item| !self.corrective_actions.iter().any(|c| c.text == item.text))
            .collect()
    }

    /// The commands that settle [`Incident::actions_to_settle`] as chosen. `actor` owns a
    /// carried item that has no owner when nobody commands.
    pub fn settle_actions(
        &self,
        how: Settlement,
        actor: &str,
        now: Timestamp,
    ) -> SettlementCommands {
        match how {
            Settlement::Keep => SettlementCommands::default(),
            Settlement::Carry => SettlementCommands {
                before: vec![],
                after: self.carry_to_review(actor, now),
            },
            Settlement::Drop => SettlementCommands {
                before: self.drop_actions_to_settle(),
                after: vec![],
            },
        }
    }

    /// The commands that copy [`Incident::actions_to_settle`] into the review: one corrective
    /// action each, with the item's text, its owner (else the commander, else `actor`), due
    /// [`CARRIED_DUE_DAYS`] after `now`. The items themselves stay as they are.
    fn carry_to_review(&self, actor: &str, now: Timestamp) -> Vec<Command> {
        let due_at = now + chrono::Duration::days(CARRIED_DUE_DAYS);
        self.actions_to_settle()
            .into_iter()
            .map(|item| Command::AddCorrectiveAction {
                text: item.text.clone(),
                kind: CorrectiveKind::Corrective,
                owner: item
                    .owner
                    .clone()
                    .or_else(|| self.roles.commander.clone())
                    .unwrap_or_else(|| actor.to_string()),
                due_at,
                ticket: None,
            })
            .collect()
    }

    /// The commands that drop [`Incident::actions_to_settle`].
    fn drop_actions_to_settle(&self) -> Vec<Command> {
        self.actions_to_settle()
            .into_iter()
            .map(|item| Command::DropAction { action: item.id })
            .collect()
    }
}
