//! Helpers shared by the integration tests. Each test crate uses a different subset, hence
//! the allowance: what one crate leaves unused another needs.
#![allow(dead_code)]

pub mod http;
pub mod server;
pub mod tmux;
