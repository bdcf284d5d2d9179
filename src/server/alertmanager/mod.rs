//! The receiver of Alertmanager's webhook: its payload, read and checked at the edge
//! ([`payload`]), and the route that hands it to the engine ([`route`]). What a notification
//! does to incidents is the engine's (`engine::alerts`); the mapping from an alert's labels to
//! a severity is the domain's, since the TUI declares from alerts with it too.

mod payload;
pub mod route;

pub use payload::Notification;
