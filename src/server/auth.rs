//! Who is calling: bearer tokens from a TOML file, or open mode on loopback.

use super::error::ApiError;
use crate::config::line_and_column;
use crate::domain::{
    ACTOR_HEADER, AccessRole, MAX_NAME_CHARS, ON_BEHALF_HEADER, ROLE_HEADER, VIA_SSH,
};
use crate::secret::Secret;
use axum::http::{HeaderMap, header};
use serde::Deserialize;
use std::path::Path;

/// The actor of an open-mode request that names nobody.
pub const DEFAULT_ACTOR: &str = "anonymous";

/// The person behind a request and what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub person: String,
    pub role: AccessRole,
    /// Set when a gateway acts for the person (`ssh`); recorded on their events.
    pub via: Option<&'static str>,
}

impl Caller {
    /// Refuses with 403, naming the role needed, unless the caller has it.
    /// `doing` is formatted only for a refusal.
    pub fn require(
        &self,
        needed: AccessRole,
        doing: impl std::fmt::Display,
    ) -> Result<(), ApiError> {
        if self.role.allows(needed) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "{doing} needs the {needed} role; {} is a {}",
                self.person, self.role
            )))
        }
    }
}

/// How callers are identified.
pub enum Auth {
    /// No tokens file: every caller is an admin who names themselves (loopback only).
    Open,
    Tokens(Vec<Token>),
}

/// One `[[tokens]]` entry. The token is a [`Secret`], so its `Debug` never shows it and it
/// never reaches a log.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    token: serde_spanned::Spanned<Secret>,
    person: String,
    role: TokenRole,
    /// A gateway's highest role for the people it acts for.
    ceiling: Option<AccessRole>,
}

/// A token's kind: a person's role, or a gateway (`warroom ssh-serve`) that names, per
/// request, the person it acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum TokenRole {
    Viewer,
    Responder,
    Commander,
    Admin,
    Gateway,
}

impl TokenRole {
    fn person_role(self) -> Option<AccessRole> {
        match self {
            TokenRole::Viewer => Some(AccessRole::Viewer),
            TokenRole::Responder => Some(AccessRole::Responder),
            TokenRole::Commander => Some(AccessRole::Commander),
            TokenRole::Admin => Some(AccessRole::Admin),
            TokenRole::Gateway => None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    tokens: Vec<Token>,
}

impl Auth {
    /// Reads a tokens file; a broken one is an error naming the file and the line.
    pub fn load(path: &Path) -> anyhow::Result<Auth> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| anyhow::anyhow!("cannot read tokens file {}: {err}", path.display()))?;
        Auth::parse(&text)
            .map_err(|(line, message)| anyhow::anyhow!("{}:{line}: {message}", path.display()))
    }

    /// Parses the file's text, or says which line is wrong and why.
    fn parse(text: &str) -> Result<Auth, (usize, String)> {
        let line_of = |offset: usize| line_and_column(text, offset).0;
        let file: TokensFile = toml_edit::de::from_str(text).map_err(|err| {
            let line = err.span().map_or(1, |span| line_of(span.start));
            (line, err.message().to_string())
        })?;
        if file.tokens.is_empty() {
            return Err((1, "no [[tokens]]: nobody could use the server".into()));
        }
        for (i, entry) in file.tokens.iter().enumerate() {
            let line = line_of(entry.token.span().start);
            let secret = entry.token.get_ref().expose();
            if secret.is_empty() || secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err((line, "a token must be non-empty, without spaces".into()));
            }
            if file.tokens[..i]
                .iter()
                .any(|t| t.token.get_ref().expose() == secret)
            {
                return Err((line, "this token is listed twice".into()));
            }
            check_person(&entry.person).map_err(|reason| (line, reason))?;
            match (entry.role, entry.ceiling) {
                (TokenRole::Gateway, None) => {
                    return Err((
                        line,
                        "a gateway token needs a ceiling (its highest role)".into(),
                    ));
                }
                (TokenRole::Gateway, Some(_)) | (_, None) => {}
                (_, Some(_)) => {
                    return Err((line, "only a gateway token has a ceiling".into()));
                }
            }
        }
        Ok(Auth::Tokens(file.tokens))
    }

    pub fn is_open(&self) -> bool {
        matches!(self, Auth::Open)
    }

    /// Identifies the caller of a request. A role header that names no role is refused
    /// whoever sends it (it only counts for a gateway), as the API document says.
    pub fn identify(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        let asked = header_text(headers, ROLE_HEADER)?
            .map(|role| {
                role.parse::<AccessRole>()
                    .map_err(|reason| ApiError::BadRequest(format!("{ROLE_HEADER}: {reason}")))
            })
            .transpose()?;
        match self {
            Auth::Open if headers.contains_key(ON_BEHALF_HEADER) => Err(ApiError::Forbidden(
                "acting for another person needs a gateway token".into(),
            )),
            Auth::Open => Ok(Caller {
                person: open_mode_actor(headers)?,
                role: AccessRole::Admin,
                via: None,
            }),
            Auth::Tokens(tokens) => {
                let presented = bearer(headers).ok_or_else(|| {
                    ApiError::Unauthorized("send Authorization: Bearer <token>".into())
                })?;
                let entry = tokens
                    .iter()
                    .find(|entry| same_secret(entry.token.get_ref().expose(), presented))
                    .ok_or_else(|| ApiError::Unauthorized("unknown token".into()))?;
                match (entry.role.person_role(), entry.ceiling) {
                    (Some(_), _) if headers.contains_key(ON_BEHALF_HEADER) => {
                        Err(ApiError::Forbidden(
                            "only a gateway token may act for another person".into(),
                        ))
                    }
                    (Some(role), _) => Ok(Caller {
                        person: entry.person.trim().to_string(),
                        role,
                        via: None,
                    }),
                    (None, ceiling) => gateway_caller(
                        entry.person.trim(),
                        ceiling.unwrap_or(AccessRole::Viewer),
                        asked,
                        headers,
                    ),
                }
            }
        }
    }
}

/// A gateway's request: the person it names with the role it asks for, capped at its
/// ceiling; a request naming nobody is the gateway's own, which only reads.
fn gateway_caller(
    gateway: &str,
    ceiling: AccessRole,
    asked: Option<AccessRole>,
    headers: &HeaderMap,
) -> Result<Caller, ApiError> {
    let Some(person) = header_text(headers, ON_BEHALF_HEADER)? else {
        return Ok(Caller {
            person: gateway.to_string(),
            role: AccessRole::Viewer,
            via: None,
        });
    };
    check_person(person)
        .map_err(|reason| ApiError::BadRequest(format!("{ON_BEHALF_HEADER}: {reason}")))?;
    Ok(Caller {
        person: person.to_string(),
        role: asked.unwrap_or(AccessRole::Viewer).capped(ceiling),
        via: Some(VIA_SSH),
    })
}

/// A header's value as trimmed text, if it was sent.
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    headers
        .get(name)
        .map(|value| {
            std::str::from_utf8(value.as_bytes())
                .map(str::trim)
                .map_err(|_| ApiError::BadRequest(format!("{name} is not UTF-8")))
        })
        .transpose()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// Compares in constant time, so response times do not reveal how much of a guessed token was
/// right.
fn same_secret(expected: &str, presented: &str) -> bool {
    use subtle::ConstantTimeEq;
    expected.as_bytes().ct_eq(presented.as_bytes()).into()
}

fn open_mode_actor(headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(value) = headers.get(ACTOR_HEADER) else {
        return Ok(DEFAULT_ACTOR.into());
    };
    let name = std::str::from_utf8(value.as_bytes())
        .map_err(|_| ApiError::BadRequest("X-Warroom-Actor is not UTF-8".into()))?
        .trim();
    if name.is_empty() {
        return Ok(DEFAULT_ACTOR.into());
    }
    check_person(name)
        .map_err(|reason| ApiError::BadRequest(format!("X-Warroom-Actor: {reason}")))?;
    Ok(name.to_string())
}

/// A person's name ends up in every event they cause and on every screen: keep it short and
/// free of control characters (a terminal escape in a name must not reach a TUI).
fn check_person(name: &str) -> Result<(), String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("the person's name is empty".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "the person's name is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("the person's name contains control characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_broken_tokens_file_names_the_line() {
        let missing_role = "[[tokens]]\ntoken = \"a\"\nperson = \"alice\"\nrole = \"viewer\"\n\n[[tokens]]\ntoken = \"b\"\nperson = \"bob\"\nrole = \"boss\"\n";
        let (line, message) = Auth::parse(missing_role).err().unwrap();
        assert_eq!(line, 9, "{message}");
        assert!(message.contains("unknown variant"), "{message}");

        let twice = "[[tokens]]\ntoken = \"a\"\nperson = \"alice\"\nrole = \"viewer\"\n[[tokens]]\ntoken = \"a\"\nperson = \"bob\"\nrole = \"admin\"\n";
        assert_eq!(
            Auth::parse(twice).err().unwrap(),
            (6, "this token is listed twice".to_string())
        );
        assert_eq!(Auth::parse("").err().unwrap().0, 1);
    }

    #[test]
    fn tokens_identify_people_and_never_show_in_debug_output() {
        let auth = Auth::parse(
            "[[tokens]]\ntoken = \"s3cret\"\nperson = \"alice\"\nrole = \"responder\"\n",
        )
        .unwrap();
        let mut headers = HeaderMap::new();
        assert!(matches!(
            auth.identify(&headers),
            Err(ApiError::Unauthorized(_))
        ));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret"),
        );
        let caller = auth.identify(&headers).unwrap();
        assert_eq!(
            caller,
            Caller {
                person: "alice".into(),
                role: AccessRole::Responder,
                via: None,
            }
        );
        let Auth::Tokens(tokens) = &auth else {
            panic!("tokens expected")
        };
        assert!(!format!("{tokens:?}").contains("s3cret"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cres"),
        );
        assert!(auth.identify(&headers).is_err());
    }

    #[test]
    fn a_gateway_acts_for_a_person_within_its_ceiling_and_nobody_else_may() {
        let auth = Auth::parse(
            "[[tokens]]\ntoken = \"g\"\nperson = \"ssh-gateway\"\nrole = \"gateway\"\nceiling = \"commander\"\n\n[[tokens]]\ntoken = \"p\"\nperson = \"bob\"\nrole = \"admin\"\n",
        )
        .unwrap();
        let request = |token: &str, acting: &[(&'static str, &'static str)]| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::AUTHORIZATION,
                HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
            );
            for (name, value) in acting {
                headers.insert(*name, HeaderValue::from_static(value));
            }
            auth.identify(&headers)
        };
        let own = request("g", &[]).unwrap();
        assert_eq!(
            (own.person.as_str(), own.role, own.via),
            ("ssh-gateway", AccessRole::Viewer, None)
        );
        let alice = request("g", &[(ON_BEHALF_HEADER, "alice"), (ROLE_HEADER, "admin")]).unwrap();
        assert_eq!(
            (alice.person.as_str(), alice.role, alice.via),
            ("alice", AccessRole::Commander, Some("ssh"))
        );
        let viewer = request("g", &[(ON_BEHALF_HEADER, "carol"), (ROLE_HEADER, "viewer")]).unwrap();
        assert_eq!(viewer.role, AccessRole::Viewer);
        assert!(matches!(
            request("g", &[(ON_BEHALF_HEADER, "carol"), (ROLE_HEADER, "boss")]),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            request("p", &[(ON_BEHALF_HEADER, "alice")]),
            Err(ApiError::Forbidden(_))
        ));
        let mut open = HeaderMap::new();
        open.insert(ON_BEHALF_HEADER, HeaderValue::from_static("alice"));
        assert!(matches!(
            Auth::Open.identify(&open),
            Err(ApiError::Forbidden(_))
        ));
        let no_ceiling = "[[tokens]]\ntoken = \"g\"\nperson = \"gw\"\nrole = \"gateway\"\n";
        assert!(Auth::parse(no_ceiling).err().unwrap().1.contains("ceiling"));
        let stray =
            "[[tokens]]\ntoken = \"p\"\nperson = \"bob\"\nrole = \"admin\"\nceiling = \"viewer\"\n";
        assert!(
            Auth::parse(stray)
                .err()
                .unwrap()
                .1
                .contains("only a gateway")
        );
    }

    #[test]
    fn open_mode_takes_the_actor_header_within_limits() {
        let mut headers = HeaderMap::new();
        assert_eq!(Auth::Open.identify(&headers).unwrap().person, "anonymous");
        headers.insert(ACTOR_HEADER, HeaderValue::from_static("  carol "));
        let caller = Auth::Open.identify(&headers).unwrap();
        assert_eq!(
            (caller.person.as_str(), caller.role),
            ("carol", AccessRole::Admin)
        );
        headers.insert(
            ACTOR_HEADER,
            HeaderValue::from_str(&"x".repeat(65)).unwrap(),
        );
        assert!(matches!(
            Auth::Open.identify(&headers),
            Err(ApiError::BadRequest(_))
        ));
        headers.insert(ACTOR_HEADER, HeaderValue::from_bytes(b"a\tb").unwrap());
        assert!(matches!(
            Auth::Open.identify(&headers),
            Err(ApiError::BadRequest(_))
        ));
    }
}
