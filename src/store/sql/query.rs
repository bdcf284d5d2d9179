//! One statement's text for both stores. SQLite and PostgreSQL agree on the statements of
//! `statements.rs` but for how they number their placeholders: SQLite writes `?1`, PostgreSQL
//! `$1`. So the text is written once, SQLite's way, and PostgreSQL's spelling is made from it
//! the first time it is asked for. The rare statement that needs a word of each dialect
//! (`Query::dialects`) is still written once, from a template, and numbered the same way.

use std::sync::OnceLock;

/// A statement both stores run.
pub struct Query {
    text: &'static str,
    /// PostgreSQL's text, placeholders still written `?N`: `text` unless the dialects differ.
    postgres_text: &'static str,
    numbered: OnceLock<String>,
}

impl Query {
    /// `text` with its placeholders written `?1`, `?2`…
    pub const fn new(text: &'static str) -> Query {
        Query::dialects(text, text)
    }

    /// A statement each dialect writes its own way, both with placeholders written `?1`…
    pub const fn dialects(sqlite: &'static str, postgres: &'static str) -> Query {
        Query {
            text: sqlite,
            postgres_text: postgres,
            numbered: OnceLock::new(),
        }
    }

    /// SQLite's spelling: the text as written.
    pub fn sqlite(&self) -> &'static str {
        self.text
    }

    /// PostgreSQL's spelling: every `?N` placeholder as `$N`.
    pub fn postgres(&'static self) -> &'static str {
        self.numbered
            .get_or_init(|| dollar_placeholders(self.postgres_text))
    }
}

/// `?1` becomes `$1`. A `?` without a digit after it is left alone; no shared statement holds
/// one inside a string literal.
fn dollar_placeholders(text: &str) -> String {
    let mut numbered = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let placeholder = c == '?' && chars.peek().is_some_and(char::is_ascii_digit);
        numbered.push(if placeholder { '$' } else { c });
    }
    numbered
}

/// A parameter of a shared statement: the stores' columns hold integers and text.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Int(i64),
    Text(&'a str),
}

impl Value<'_> {
    /// A seq, a count or a limit. One beyond the signed 64-bit columns becomes their largest
    /// value: no stored row lies above it, so a query asking past it finds what it would.
    pub fn int(n: impl TryInto<i64>) -> Value<'static> {
        Value::Int(n.try_into().unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static QUERY: Query = Query::new("SELECT a FROM t WHERE b = ?1 AND c > ?12 OR d = '?'");

    #[test]
    fn postgres_numbers_its_placeholders_with_dollars() {
        assert_eq!(
            QUERY.sqlite(),
            "SELECT a FROM t WHERE b = ?1 AND c > ?12 OR d = '?'"
        );
        assert_eq!(
            QUERY.postgres(),
            "SELECT a FROM t WHERE b = $1 AND c > $12 OR d = '?'"
        );
    }

    static EACH: Query = Query::dialects("SELECT lower(a) WHERE b = ?1", "SELECT c WHERE b = ?1");

    #[test]
    fn a_statement_of_two_dialects_gives_each_its_own_text() {
        assert_eq!(EACH.sqlite(), "SELECT lower(a) WHERE b = ?1");
        assert_eq!(EACH.postgres(), "SELECT c WHERE b = $1");
    }

    #[test]
    fn counts_beyond_the_columns_are_their_largest_value() {
        assert!(matches!(Value::int(u64::MAX), Value::Int(i64::MAX)));
        assert!(matches!(Value::int(usize::MAX), Value::Int(i64::MAX)));
        assert!(matches!(Value::int(7_u64), Value::Int(7)));
    }
}
