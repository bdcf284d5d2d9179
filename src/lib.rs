//! warroom: a terminal war room for live incidents.

pub mod domain;
pub mod prometheus;
