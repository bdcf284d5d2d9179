//! Learning from incidents in the domain: the review, corrective actions and recurrence
//! through `decide` and `apply`. (`tests/learn` in the warroom crate renders the same logs.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

mod log;
mod rules;

pub use log::*;
