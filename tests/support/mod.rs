//! Helpers shared by the integration tests and benchmarks. Each test binary compiles all of
//! them but uses only its own part, so unused items are expected here.
#![allow(dead_code)]

pub mod chromium;
pub mod closed_port;
pub mod eventually;
pub mod exporter;
pub mod history;
pub mod http;
pub mod npm;
pub mod postgres;
pub mod promstack;
pub mod receiver;
pub mod server;
pub mod ssh;
pub mod tinyhttp;
pub mod tmux;
