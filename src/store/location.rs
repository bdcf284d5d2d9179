//! Where the log lives, as `--db` names it: a `postgres://` (or `postgresql://`) URL selects
//! PostgreSQL; anything else, with an optional `sqlite:` prefix, is the path of a SQLite file.

use std::fmt;
use std::path::PathBuf;

#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    /// The URL as given, password included: it is never printed (see `Display`).
    Postgres(String),
}

impl Location {
    /// Reads `--db`; a PostgreSQL URL is checked here so a typo fails at start, not on the
    /// first command.
    pub fn parse(text: &str) -> Result<Location, String> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            text.parse::<tokio_postgres::Config>()
                .map_err(|err| format!("{}: not a PostgreSQL URL: {err}", redact(text)))?;
            return Ok(Location::Postgres(text.to_string()));
        }
        let path = text.strip_prefix("sqlite:").unwrap_or(text);
        if path.is_empty() {
            return Err("the database path is empty".into());
        }
        Ok(Location::Sqlite(PathBuf::from(path)))
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Self {
        Location::Sqlite(path)
    }
}

/// The path, or the URL without its password: what logs and error messages may show.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({self})")
    }
}

/// `postgres://user:secret@host/db` becomes `postgres://user:***@host/db`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or("");
            let hidden = if user_info.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_postgres_and_anything_else_is_a_sqlite_path() {
        let pg = Location::parse("postgres://w:hunter2@db.internal:5433/warroom").unwrap();
        assert!(matches!(pg, Location::Postgres(_)));
        assert_eq!(pg.to_string(), "postgres://w:***@db.internal:5433/warroom");
        assert!(!format!("{pg:?}").contains("hunter2"));
        assert_eq!(
            Location::parse("sqlite:/var/lib/warroom/w.db").unwrap(),
            Location::Sqlite("/var/lib/warroom/w.db".into())
        );
        assert_eq!(
            Location::parse("w.db").unwrap(),
            Location::Sqlite("w.db".into())
        );
        assert!(Location::parse("sqlite:").is_err());
        let bad = Location::parse("postgres://w:hunter2@db/x?sslmode=sometimes").unwrap_err();
        assert!(!bad.contains("hunter2"), "{bad}");
    }
}
