//! Learning from incidents in the domain: the review, corrective actions and recurrence
//! through `decide` and `apply`. (`tests/learn` in the warroom crate renders the same logs.)

mod log;
mod rules;

pub use log::*;
