//! Learning from incidents (the review in the domain is tested in `crates/domain/tests/review`):
//! the postmortem Markdown, the report's figures against a seeded generated history whose
//! expected figures are computed here from the raw timestamps (not by the report code), and
//! all of it through the real backend and the real binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

#[path = "../support/mod.rs"]
mod support;

mod api;
mod fold;
mod followup_pages;
mod postmortem;
mod report;
mod upgrade;

#[path = "../../crates/domain/tests/review/log.rs"]
mod log;
pub use log::*;
