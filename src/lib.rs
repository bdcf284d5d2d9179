//! warroom: a terminal war room for live incidents.

pub mod cli;
pub mod client;
pub mod config;
pub mod demo;
pub mod domain;
pub mod logging;
pub mod sanitize;
pub mod tui;
