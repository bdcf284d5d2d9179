//! Issue 20 item 6 with the real binary in tmux: an outage is named for what it is. With
//! Alertmanager stopped the alerts pane says the alerts are unknown, never that none fires;
//! a token the backend refuses is "token refused (401)" on the desk and the wall, not a
//! disconnection.

use super::support::promstack::{Alertmanager, free_port};
use super::support::server::{TOKENS, TestServer};
use super::support::tmux::{Tmux, scratch_home};
use super::{client_env, declare, open_client};
use std::path::Path;

#[test]
fn with_alertmanager_stopped_the_alerts_are_unknown_not_none_firing() {
    let alertmanager =
        Alertmanager::start(&format!("http://127.0.0.1:{}/v1/alertmanager", free_port()));
    let server = TestServer::open();
    declare(&server, "Checkout slow", Some("checkout"));
    let config = server.dir().join("alerts.toml");
    std::fs::write(
        &config,
        format!("[alertmanager]\nurl = \"{}\"\n", alertmanager.url()),
    )
    .unwrap();
    let config = config.display().to_string();
    let desk = open_client(&server, "alerts", (160, 45), &["--config", &config]);
    desk.wait_for_text("no alerts firing");

    drop(alertmanager);
    let screen = desk.wait_for_text("alerts unknown: Alertmanager unreachable since");
    assert!(!screen.contains("no alerts firing"), "{screen}");
}

/// A client in tmux presenting `token` to `server`.
fn client_with_token(server: &TestServer, name: &str, token: &str, args: &[&str]) -> Tmux {
    let home = scratch_home(server.dir(), name).display().to_string();
    let mut env = client_env(server, &home, "alice");
    env.push(("WARROOM_TOKEN", token));
    Tmux::start(
        name,
        (160, 45),
        Path::new(env!("CARGO_BIN_EXE_warroom")),
        args,
        &env,
        &server.dir().join(format!("{name}.stderr")),
    )
}

#[test]
fn a_refused_token_is_said_on_the_desk_and_the_wall() {
    let server = TestServer::with_tokens(TOKENS);
    let desk = client_with_token(&server, "refused-desk", "not-a-token", &[]);
    let wall = client_with_token(&server, "refused-wall", "not-a-token", &["--wall"]);
    for screen in [&desk, &wall] {
        let shown = screen.wait_for_text("token refused (401)");
        assert!(!shown.contains("disconnected"), "{shown}");
        assert!(!shown.contains("ALL CLEAR"), "{shown}");
    }
    // The same clients with a token the backend knows are live.
    let good = client_with_token(&server, "accepted-wall", "viewer-token", &["--wall"]);
    good.wait_for_text("ALL CLEAR");
}
