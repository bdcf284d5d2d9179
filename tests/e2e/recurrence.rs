//! The recurrence link as a person sees it: declaring a second incident of a service in the
//! real TUI shows the earlier one and its open corrective actions.

use super::{declare, events, kinds, open_client};
use crate::support::server::TestServer;
use serde_json::json;

#[test]
fn declaring_a_second_incident_of_a_service_shows_that_it_happened_before() {
    let server = TestServer::open();
    declare(&server, "Checkout 5xx after a deploy", Some("checkout"));
    let due = (chrono::Utc::now() + chrono::Duration::days(14)).to_rfc3339();
    let body = json!({"type": "add_corrective_action", "text": "canary deploys",
                      "kind": "preventive", "owner": "bob", "due_at": due});
    let output = std::process::Command::new("curl")
        .args(["-sf", "-H", "content-type: application/json", "-d"])
        .arg(body.to_string())
        .arg(server.url("/v1/incidents/INC-1/commands"))
        .output()
        .expect("curl");
    assert!(output.status.success(), "{output:?}");

    let desk = open_client(&server, "desk", (120, 40), &[]);
    desk.wait_for_text("Checkout 5xx after a deploy");
    desk.press("D");
    desk.wait_for_text("Declare an incident");
    desk.type_text("Checkout 5xx again");
    desk.press("Tab");
    desk.press("Tab");
    desk.type_text("checkout");
    desk.press("Enter");
    desk.wait_for_text("this happened before: INC-1, today, 1 corrective action still open");
    assert_eq!(
        kinds(&events(&server, "INC-2")),
        ["declared", "recurrence_linked"]
    );
}
