//! Everything a key can do on the desk, in one table ([`ACTIONS`]): the action, its name in
//! `[tui.keys]`, its default keys, what the help (`?`) says it does, its word on the hint bar,
//! and whether it changes the incident. The keymap, the help and the hint bar all read this
//! table, so an action added here is bound, listed and hinted in one place.

/// Everything a key can do outside an overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Acknowledge,
    Investigate,
    Mitigate,
    Resolve,
    Close,
    Cancel,
    Severity,
    Role,
    Note,
    Decision,
    /// The public status-page update composer.
    PublicUpdate,
    NewAction,
    ToggleAction,
    Declare,
    DeclareFromAlert,
    Pin,
    ImpactStart,
    NextIncident,
    PreviousIncident,
    Focus,
    Filter,
    CommandLine,
    Help,
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    Review,
    Followups,
    /// Every open incident, to switch to one.
    IncidentList,
    /// The incident summary to the clipboard, through OSC 52.
    CopySummary,
    /// The message log: every notice in full, with its time.
    Messages,
    /// The earlier incident the recurrence line names ("this happened before: INC-12").
    OpenEarlier,
}

/// What an action changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changes {
    /// An incident (or it opens what would): off on the wall and for viewers.
    Incident,
    /// Only what this screen shows.
    Screen,
}

/// One row of [`ACTIONS`].
#[derive(Debug, Clone, Copy)]
pub struct ActionInfo {
    pub action: Action,
    /// The name in `[tui.keys]`.
    pub name: &'static str,
    /// The keys bound to it unless the config remaps it, as the config writes them.
    pub keys: &'static [&'static str],
    /// What the help says it does.
    pub describe: &'static str,
    /// Its word on the hint bar, for the actions the bar offers (in [`HINT_ORDER`]).
    pub hint: Option<&'static str>,
    pub changes: Changes,
}

const fn row(
    action: Action,
    name: &'static str,
    keys: &'static [&'static str],
    describe: &'static str,
    hint: Option<&'static str>,
    changes: Changes,
) -> ActionInfo {
    ActionInfo {
        action,
        name,
        keys,
        describe,
        hint,
        changes,
    }
}

/// Every action, in the order the help lists them (and of [`Action`]'s variants).
#[rustfmt::skip]
pub const ACTIONS: [ActionInfo; 34] = {
    use Action::*;
    use Changes::{Incident, Screen};
    [
        // action, [tui.keys] name, default keys, the help's words, the hint bar's word, changes
        row(Acknowledge, "acknowledge", &["a"], "acknowledge", Some("ack"), Incident),
        row(Investigate, "investigate", &["i"], "investigating", Some("investigate"), Incident),
        row(Mitigate, "mitigate", &["m"], "mitigated", Some("mitigate"), Incident),
        row(Resolve, "resolve", &["r"], "resolved (confirms)", Some("resolve"), Incident),
        row(Close, "close", &["C"], "close (confirms)", Some("close"), Incident),
        row(Cancel, "cancel", &["X"], "false alarm (confirms)", Some("false alarm"), Incident),
        row(Severity, "severity", &["s"], "severity picker", Some("severity"), Incident),
        row(Role, "role", &["o"], "assign or relieve a role", Some("role"), Incident),
        row(Note, "note", &["n"], "note or internal update", Some("note"), Incident),
        row(Decision, "decision", &["d"], "decision", Some("decision"), Incident),
        row(PublicUpdate, "public_update", &["u"], "public status-page update", Some("public"), Incident),
        row(NewAction, "new_action", &["t"], "new action item", Some("action"), Incident),
        row(ToggleAction, "toggle_action", &["space"], "action item done/undone", Some("done"), Incident),
        row(Declare, "declare", &["D"], "declare a new incident", Some("declare"), Incident),
        row(DeclareFromAlert, "declare_from_alert", &["A"], "declare from the alert", Some("from alert"), Incident),
        row(Pin, "pin", &["p"], "pin panel values", Some("pin"), Incident),
        row(ImpactStart, "impact_start", &["I"], "impact start from metrics", Some("impact"), Incident),
        row(NextIncident, "next_incident", &["]"], "next incident", Some("next"), Screen),
        row(PreviousIncident, "previous_incident", &["["], "previous incident", Some("prev"), Screen),
        row(Focus, "focus", &["tab"], "focus the next pane", Some("focus"), Screen),
        row(Filter, "filter", &["/"], "filter the timeline", Some("filter"), Screen),
        row(CommandLine, "command_line", &[":"], "command line, e.g. :sev P0", Some("cmd"), Incident),
        row(Help, "help", &["?", "f1"], "this help", None, Screen),
        row(Quit, "quit", &["q", "ctrl-c"], "quit", None, Screen),
        row(Up, "up", &["up", "k"], "scroll or select up", None, Screen),
        row(Down, "down", &["down", "j"], "scroll or select down", None, Screen),
        row(PageUp, "page_up", &["pageup"], "scroll a page up", None, Screen),
        row(PageDown, "page_down", &["pagedown"], "scroll a page down", None, Screen),
        row(Review, "review", &["R"], "review: 5 whys, corrective actions", Some("review"), Screen),
        row(Followups, "followups", &["F"], "corrective actions, all incidents", Some("followups"), Screen),
        row(IncidentList, "incident_list", &["l"], "incidents, open and past", Some("list"), Screen),
        row(CopySummary, "copy_summary", &["y"], "copy the incident summary", Some("copy"), Screen),
        row(Messages, "messages", &["M"], "messages in full, with times", Some("messages"), Screen),
        row(OpenEarlier, "open_earlier", &["enter"], "earlier incident (⟳ line)", None, Screen),
    ]
};

// Each row sits at its action's place, so that `Action::info` is a lookup: checked when the
// program is compiled.
const _: () = {
    let mut index = 0;
    while index < ACTIONS.len() {
        assert!(ACTIONS[index].action as usize == index);
        index += 1;
    }
};

/// The hint bar's order, in order of use: writing things down and the command line (they
/// must survive 80 columns), the transitions, then the rest, rarest last; the bar shows as
/// many as its width holds. Every action has a word for the bar and is here once, except
/// moving (arrows and pages, which every list takes), help and quit, which are always on
/// the bar's right, and opening the earlier incident, which the recurrence line offers
/// where there is one.
pub const HINT_ORDER: [Action; 27] = [
    Action::Note,
    Action::Decision,
    Action::NewAction,
    Action::CommandLine,
    Action::Acknowledge,
    Action::Investigate,
    Action::Mitigate,
    Action::Resolve,
    Action::Severity,
    Action::Role,
    Action::ToggleAction,
    Action::PublicUpdate,
    Action::Review,
    Action::Pin,
    Action::ImpactStart,
    Action::IncidentList,
    Action::Messages,
    Action::Declare,
    Action::NextIncident,
    Action::Focus,
    Action::Filter,
    Action::DeclareFromAlert,
    Action::Followups,
    Action::CopySummary,
    Action::PreviousIncident,
    Action::Close,
    Action::Cancel,
];

impl Action {
    /// The action's row of the table.
    pub fn info(self) -> &'static ActionInfo {
        &ACTIONS[self as usize]
    }

    /// The name used in `[tui.keys]`.
    pub fn config_name(self) -> &'static str {
        self.info().name
    }

    /// What the help overlay says it does.
    pub fn describe(self) -> &'static str {
        self.info().describe
    }

    /// Whether the key changes the incident (and so is off on the wall and for viewers).
    pub fn mutates(self) -> bool {
        self.info().changes == Changes::Incident
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_bar_offers_each_action_with_a_word_once() {
        let worded: Vec<Action> = ACTIONS
            .iter()
            .filter(|row| row.hint.is_some())
            .map(|row| row.action)
            .collect();
        let mut ordered = HINT_ORDER.to_vec();
        ordered.sort();
        ordered.dedup();
        assert_eq!(
            ordered.len(),
            HINT_ORDER.len(),
            "an action twice in HINT_ORDER"
        );
        assert_eq!(ordered, worded);
        // Issue 24 item 4: every single-key action is offered, but moving, help and quit;
        // opening the earlier incident is offered by the recurrence line itself.
        let unworded: Vec<Action> = ACTIONS
            .iter()
            .filter(|row| row.hint.is_none())
            .map(|row| row.action)
            .collect();
        use Action::*;
        assert_eq!(
            unworded,
            [Help, Quit, Up, Down, PageUp, PageDown, OpenEarlier]
        );
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = ACTIONS.iter().map(|row| row.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ACTIONS.len());
    }
}
