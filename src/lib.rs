//! warroom: a terminal war room for live incidents.
//!
//! Layers, from the inside out: `domain` (pure rules), `store` (the durable log), `server`
//! (the shared backend), `client` (its typed HTTP client), `cli` and `tui` (the people's
//! side), `demo` (the embedded default).

pub mod cli;
pub mod client;
pub mod config;
pub mod demo;
pub mod domain;
pub mod duration;
pub mod logging;
pub mod prometheus;
pub mod report;
pub mod sanitize;
pub mod server;
pub mod store;
pub mod tui;
