//! The backend's part of the doctor: does it answer, whom does the token name, and does its
//! clock agree with ours.

use super::{Finding, ok, problem, warn};
use crate::cli::{GlobalArgs, backend_config, probe};
use crate::client::ClientError;
use crate::config::Config;
use crate::domain::AccessRole;
use crate::sanitize::sanitize;

/// The largest clock difference with the backend that is not a problem: the timeline marks
/// a command whose given time differs by more than 5 s.
const MAX_SKEW_SECS: i64 = 5;

/// What the Alertmanager checks need to know of the backend.
pub(super) struct BackendSeen {
    pub(super) url: String,
    pub(super) token: Option<String>,
    pub(super) wants_token: bool,
}

pub(super) async fn backend_findings(
    global: &GlobalArgs,
    config: &Config,
    findings: &mut Vec<Finding>,
) -> Option<BackendSeen> {
    let settings = backend_config(global, config);
    let token = settings.token.as_ref().map(|t| t.expose().to_string());
    let answer = match probe::backend(&settings).await {
        Ok(answer) => answer,
        Err(error) => {
            findings.push(problem(
                "backend",
                format!(
                    "{} does not answer: {}",
                    settings.url,
                    sanitize(&error.reason())
                ),
                "start `warroom serve` there, or correct [backend] url (or --backend, \
                 WARROOM_BACKEND)",
            ));
            return None;
        }
    };
    match &answer.identity {
        Ok(identity) if identity.role == AccessRole::Viewer => findings.push(problem(
            "token",
            format!(
                "{} answers, but the token is {}'s, a viewer: it can read, not acknowledge, \
                 note or declare",
                answer.url,
                sanitize(&identity.person)
            ),
            "use a responder or commander token ([backend] token or WARROOM_TOKEN); a \
             viewer token is for a wall display",
        )),
        Ok(identity) => findings.push(ok(
            "backend",
            format!(
                "{} answers; you are {} ({}){}",
                answer.url,
                sanitize(&identity.person),
                identity.role.as_str(),
                if answer.wants_token {
                    ""
                } else {
                    ", open mode: no token needed"
                }
            ),
        )),
        Err(error @ ClientError::Api { status: 401, .. }) => findings.push(problem(
            "token",
            format!(
                "{} refuses the token: {}",
                answer.url,
                sanitize(&error.reason())
            ),
            match token {
                Some(_) => {
                    "use a token from the backend's tokens file ([backend] token or \
                            WARROOM_TOKEN)"
                }
                None => {
                    "the backend has a tokens file: give one of its tokens ([backend] \
                         token or WARROOM_TOKEN)"
                }
            },
        )),
        Err(error) => findings.push(problem(
            "backend",
            format!(
                "{} answers, but not as a warroom backend: {}",
                answer.url,
                sanitize(&error.reason())
            ),
            "check that [backend] url is warroom's address",
        )),
    }
    findings.push(match answer.skew {
        None => warn(
            "clock",
            "the backend sent no Date header: the clocks were not compared".into(),
            "a proxy in front of the backend may drop it; keep both clocks on NTP",
        ),
        Some(skew) if skew.num_seconds().abs() > MAX_SKEW_SECS => problem(
            "clock",
            format!(
                "this machine's clock is {} s {} the backend's: times you give are recorded \
                 off, and countdowns are wrong",
                skew.num_seconds().abs(),
                if skew.num_seconds() > 0 {
                    "behind"
                } else {
                    "ahead of"
                }
            ),
            "keep both clocks on NTP (`timedatectl set-ntp true`, or chrony)",
        ),
        Some(_) => ok(
            "clock",
            format!("within {MAX_SKEW_SECS} s of the backend's"),
        ),
    });
    Some(BackendSeen {
        url: answer.url,
        token,
        wants_token: answer.wants_token,
    })
}
