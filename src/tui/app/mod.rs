//! The client's logic in The Elm Architecture: the [`Model`] (`model`), the messages that
//! change it and the effects it asks for (`messages`), and [`update`] (`update`), pure and
//! fast, with the runtime running every effect as a task that answers with a message. That
//! keeps input responsive whatever the backend does, and lets tests drive the whole client
//! with plain values.
//!
//! One file per part of the screen that takes keys: the desk's single keys (`desk`), and each
//! overlay with its state, its keys and the hints it shows (`overlay` lists them: `confirm`,
//! `severity`, `form`, `composer` (its components in `component_picker`), `command_line`, `filter`, `review`, `learn`,
//! `incident_list`, `quit`). What the keys ask for becomes commands in `commands`; the feed
//! and the panels are followed in `feed`, `incidents` and `panel_state`; any incident,
//! however old, is opened in `opening`.
//!
//! To add a key on the desk: a row in `keymap::ACTIONS` (its config name, default keys, help
//! text and hint-bar word, so the help, the hint bar and `[tui.keys]` know it) and its arm in
//! `desk::on_key`. To add a `:` command: a row in `command_line::VERBS` (its words, what
//! `:help` lists and tab completes) and its arm in `command_line::grammar::parse`. To add an overlay: a
//! file with its state, `open`, `on_key` and its `Hint`s, a variant of `Overlay`, and its arm
//! in `overlay::on_key` (the compiler names every match that must learn it) and in the view.

pub mod attention;
pub mod command_line;
mod commands;
pub mod component_picker;
mod composer;
pub mod confirm;
pub mod deliveries;
pub mod desk;
mod feed;
mod filter;
pub mod followups;
pub mod form;
pub mod impact;
pub mod incident_list;
pub mod incidents;
pub mod learn;
mod messages;
mod model;
mod opening;
pub mod outbox;
pub mod overlay;
pub mod panel_state;
pub mod quit;
pub mod review;
pub mod severity;
mod update;

pub use desk::Desk;
pub use feed::{FEED_PAGE, FEED_WAIT, FeedStatus, Link};
pub use messages::{Effect, Msg, Sent};
pub use model::{Model, Notice, Options, Pane, Setup};
pub use overlay::Overlay;
pub use update::{init, resume, update};
