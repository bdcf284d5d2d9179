//! Tab on the `:` line: completes the word under the cursor from what the war room knows —
//! commands, roles, severities, statuses, people on the rosters and incident ids.

use super::grammar::VERBS;
use crate::domain::{Role, Status};
use crate::tui::app::Model;

/// The line after a tab, and the choices when the word is still ambiguous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub line: String,
    pub choices: Vec<String>,
}

/// Completes the last word of `line`: to the only match and a space, or as far as every
/// match agrees. `None` when nothing matches.
pub fn complete(line: &str, model: &Model) -> Option<Completion> {
    let (head, word) = match line.rfind(' ') {
        Some(at) => line.split_at(at + 1),
        None => ("", line),
    };
    let words: Vec<&str> = head.split_whitespace().collect();
    let candidates = candidates(&words, word, model);
    let lower = word.to_lowercase();
    let mut matches: Vec<String> = candidates
        .into_iter()
        .filter(|c| c.to_lowercase().starts_with(&lower))
        .collect();
    matches.sort();
    matches.dedup();
    match matches.as_slice() {
        [] => None,
        [only] => Some(Completion {
            line: format!("{head}{only} "),
            choices: vec![],
        }),
        [first, rest @ ..] => {
            let mut common = first.clone();
            for other in rest {
                while !other.to_lowercase().starts_with(&common.to_lowercase()) {
                    common.pop();
                }
            }
            // The choices' spelling wins over the typed one (`p` becomes `P`).
            let common = if common.chars().count() >= word.chars().count() {
                common
            } else {
                word.to_string()
            };
            Some(Completion {
                line: format!("{head}{common}"),
                choices: matches,
            })
        }
    }
}

/// What may stand at this place of a command.
fn candidates(words: &[&str], word: &str, model: &Model) -> Vec<String> {
    let people = || people(model);
    let Some(verb) = words.first() else {
        return VERBS.iter().map(|verb| verb.words[0].to_string()).collect();
    };
    let roles = || Role::ALL.iter().map(|r| r.as_str().to_string()).collect();
    let severities = || {
        model
            .scale
            .levels()
            .iter()
            .map(|l| l.name.as_str().to_string())
            .collect()
    };
    match (verb.to_lowercase().as_str(), words.len()) {
        ("status", 1) => Status::ALL.iter().map(|s| s.as_str().to_string()).collect(),
        ("sev" | "severity" | "declare", 1) => severities(),
        ("role" | "relieve", 1) => roles(),
        ("role" | "relieve", 2) => people(),
        ("go" | "goto" | "merge", 1) => model
            .incidents
            .ordered(&model.scale)
            .iter()
            .map(|i| i.id.to_string())
            .collect(),
        ("action", _) if word.starts_with('@') => {
            people().into_iter().map(|p| format!("@{p}")).collect()
        }
        _ => vec![],
    }
}

/// Everyone on a roster of an incident here, and the person at the keyboard.
fn people(model: &Model) -> Vec<String> {
    let mut people: Vec<String> = model.identity.iter().map(|i| i.person.clone()).collect();
    for incident in model.incidents.ordered(&model.scale) {
        let roster = &incident.roles;
        people.extend(
            [
                &roster.commander,
                &roster.product,
                &roster.comms,
                &roster.scribe,
            ]
            .into_iter()
            .flatten()
            .cloned(),
        );
        people.extend(roster.engineers.iter().map(|e| e.person.clone()));
    }
    // A name with a space cannot be typed as one word; it is not offered.
    people.retain(|p| !p.is_empty() && !p.contains(char::is_whitespace));
    people
}
