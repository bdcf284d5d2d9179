//! `warroom demo`: the embedded default.

pub mod scenario;
