//! The authorized file: which SSH keys may come in, as whom, with which role.
//!
//! ```toml
//! [[key]]
//! person = "alice"
//! role = "commander"       # viewer | responder | commander
//! key = "ssh-ed25519 AAAA… alice@laptop"
//! ```
//!
//! Keys may be Ed25519, ECDSA (P-256, P-384, P-521) or RSA (signing with SHA-2; the session
//! refuses `ssh-rsa`'s SHA-1); a DSA key is an error in the file.
//!
//! It is read again for every new connection, so an edit applies to the next one without a
//! restart; a file that does not parse refuses everyone (and says why in the log) rather than
//! letting in whoever the last good version listed.

use crate::config::line_and_column;
use crate::domain::{AccessRole, MAX_NAME_CHARS};
use russh::keys::PublicKey;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A DSA key could never log in (russh is built without DSA, as OpenSSH 10 is): say so when
/// the file is read rather than refuse its owner without a reason.
const DSA_REFUSED: &str =
    "key: DSA (ssh-dss) keys are not accepted; use Ed25519 (ssh-keygen -t ed25519), ECDSA or RSA";

/// Who a key belongs to and what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub role: AccessRole,
}

/// The listed keys.
#[derive(Debug, Clone)]
pub struct Authorized {
    keys: Vec<(PublicKey, Person)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    key: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    person: serde_spanned::Spanned<String>,
    role: serde_spanned::Spanned<String>,
    key: serde_spanned::Spanned<String>,
}

impl Authorized {
    /// Parses the file's text, or says which line is wrong and why.
    pub fn parse(text: &str) -> Result<Authorized, (usize, String)> {
        let line_of = |offset: usize| line_and_column(text, offset).0;
        let file: File = toml_edit::de::from_str(text).map_err(|err| {
            let line = err.span().map_or(1, |span| line_of(span.start));
            (line, err.message().to_string())
        })?;
        let mut keys: Vec<(PublicKey, Person)> = Vec::new();
        for entry in file.key {
            let name = entry.person.get_ref().trim();
            let at = |spanned: &serde_spanned::Spanned<String>| line_of(spanned.span().start);
            if name.is_empty()
                || name.chars().count() > MAX_NAME_CHARS
                || name.chars().any(char::is_control)
            {
                return Err((
                    at(&entry.person),
                    format!("person: a name of 1 to {MAX_NAME_CHARS} printable characters"),
                ));
            }
            let role = match entry.role.get_ref().trim() {
                "viewer" => AccessRole::Viewer,
                "responder" => AccessRole::Responder,
                "commander" => AccessRole::Commander,
                other => {
                    return Err((
                        at(&entry.role),
                        format!("role: '{other}' is not one of viewer, responder, commander"),
                    ));
                }
            };
            let key = PublicKey::from_openssh(entry.key.get_ref().trim()).map_err(|err| {
                (
                    at(&entry.key),
                    format!("key: not an OpenSSH public key line ({err})"),
                )
            })?;
            if key.algorithm().is_dsa() {
                return Err((at(&entry.key), DSA_REFUSED.into()));
            }
            if keys
                .iter()
                .any(|(listed, _)| listed.key_data() == key.key_data())
            {
                return Err((at(&entry.key), "key: this key is listed twice".into()));
            }
            let person = Person {
                name: name.to_string(),
                role,
            };
            keys.push((key, person));
        }
        Ok(Authorized { keys })
    }

    /// The person a key belongs to; the comment after the key does not matter.
    pub fn person(&self, key: &PublicKey) -> Option<&Person> {
        self.keys
            .iter()
            .find(|(listed, _)| listed.key_data() == key.key_data())
            .map(|(_, person)| person)
    }
}

/// Where the authorized file is; read afresh for each connection.
#[derive(Debug, Clone)]
pub struct AuthorizedFile {
    pub path: PathBuf,
}

impl AuthorizedFile {
    /// Reads and parses the file now; an error names the file and the line.
    pub fn read(&self) -> anyhow::Result<Authorized> {
        read(&self.path)
    }
}

fn read(path: &Path) -> anyhow::Result<Authorized> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| anyhow::anyhow!("cannot read {}: {err}", path.display()))?;
    Authorized::parse(&text)
        .map_err(|(line, message)| anyhow::anyhow!("{}:{line}: {message}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN/qQYSuUuHTzfzZJOSVt9Wb8iaaNmwHhmOP1M+3hA7+";

    #[test]
    fn a_listed_key_names_its_person_whatever_its_comment() {
        let text = format!(
            "[[key]]\nperson = \"alice\"\nrole = \"commander\"\nkey = \"{ALICE} alice@laptop\"\n"
        );
        let authorized = Authorized::parse(&text).unwrap();
        let offered = PublicKey::from_openssh(&format!("{ALICE} other")).unwrap();
        assert_eq!(
            authorized.person(&offered),
            Some(&Person {
                name: "alice".into(),
                role: AccessRole::Commander
            })
        );
        assert!(Authorized::parse("").unwrap().person(&offered).is_none());
    }

    #[test]
    fn a_broken_file_names_the_line() {
        let admin = format!("[[key]]\nperson = \"a\"\nrole = \"admin\"\nkey = \"{ALICE}\"\n");
        let (line, message) = Authorized::parse(&admin).unwrap_err();
        assert_eq!(line, 3, "{message}");
        assert!(
            message.contains("viewer, responder, commander"),
            "{message}"
        );
        let bad_key = "[[key]]\nperson = \"a\"\nrole = \"viewer\"\nkey = \"ssh-ed25519 AAAA\"\n";
        assert_eq!(Authorized::parse(bad_key).unwrap_err().0, 4);
        let twice = format!(
            "[[key]]\nperson = \"a\"\nrole = \"viewer\"\nkey = \"{ALICE}\"\n[[key]]\nperson = \"b\"\nrole = \"viewer\"\nkey = \"{ALICE} b\"\n"
        );
        assert_eq!(
            Authorized::parse(&twice).unwrap_err(),
            (8, "key: this key is listed twice".to_string())
        );
        let dsa = "[[key]]\nperson = \"a\"\nrole = \"viewer\"\nkey = \"ssh-dss AAAAB3NzaC1kc3MAAACBAJbAhGj3N5o1Uj7ng/DGDNpK2wRi8nbzDd20AmMRNROFTUFeaM5jOgpM8hny8l2qdzgKqR0S0yyWr2XfYFPQDeypTiIjc69uEvphJpdo4UHo3g7gsyfrcdwWT8C/ZIL335xnpaz9WomVH3bWLnoBWmi/wYFVF6M5Xh+9N/Yf20elAAAAFQDs1tJCggjUTomJ0LDRo+A4XSjjrwAAAIBujQ1+L0DAgbFALQZC0FgTEzqYcySYAtucZWR4t1Skwr3hi0eQ9ILrO5cddsJtIdtbpLaijWm/vMwmaxVZwgZiZK6zHKy9PevOJ/pMifqezu4fuVvHp/laDJCjlXq7AON3E5Dro2xUVzwR90y33DIVZDJzGV3ngjz78sqe51gkqQAAAIAZmjJFU3ktgkqpMXvOptUpYayLOUgbwbY7IKpMZ0x7wGC0NAHv9jOAkDVQDy6+i4bZaZ4vgSh62pRceezM4SYj0X2XmCoHDqnQ4Q7gG3uHf+TrK4Y0o5vfTbkLjRnoyvH4X/DN8KOJ3bBEcVCytce4DMEPIaBTlwmyLruIZI6Dww==\"\n";
        assert_eq!(
            Authorized::parse(dsa).unwrap_err(),
            (4, DSA_REFUSED.to_string())
        );
        let unknown = "[[key]]\nperson = \"a\"\nrole = \"viewer\"\nkey = \"x\"\npassword = \"y\"\n";
        assert!(
            Authorized::parse(unknown)
                .unwrap_err()
                .1
                .contains("unknown field")
        );
    }
}
