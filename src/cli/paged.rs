//! The text of a list printed page by page as the backend's pages arrive (`incident list`,
//! `followups`): the table with its header once, or a JSON array written element by element,
//! at most `--limit` items, so that a list of any length costs the CLI one page of memory.

use serde::Serialize;

/// A printing walk: how many items were printed and how many may still be.
pub struct Printed {
    json: bool,
    printed: u64,
    left: u64,
}

impl Printed {
    /// A walk printing JSON or a table, at most `limit` items (`None`: all).
    pub fn new(json: bool, limit: Option<u64>) -> Printed {
        Printed {
            json,
            printed: 0,
            left: limit.unwrap_or(u64::MAX),
        }
    }

    /// Whether another page may be printed.
    pub fn wants_more(&self) -> bool {
        self.left > 0
    }

    /// The text of the next page (cut to what `--limit` leaves): JSON elements, or the table's
    /// `rows` after its `header` when they are the first.
    pub fn page<T: Serialize>(
        &mut self,
        page: &mut Vec<T>,
        header: impl FnOnce() -> String,
        rows: impl FnOnce(&[T]) -> String,
    ) -> String {
        page.truncate(usize::try_from(self.left).unwrap_or(usize::MAX));
        let first = self.printed == 0;
        let text = if self.json {
            json_elements(page, first)
        } else if first && !page.is_empty() {
            header() + &rows(page)
        } else {
            rows(page)
        };
        let count = page.len() as u64;
        (self.printed, self.left) = (self.printed + count, self.left - count);
        text
    }

    /// The text after the last page: the array's end, or `none` when nothing was printed.
    pub fn end(self, none: &str) -> &str {
        match (self.json, self.printed) {
            (true, 0) => "[]\n",
            (true, _) => "\n]\n",
            (false, 0) => none,
            (false, _) => "",
        }
    }
}

/// The items as elements of a pretty JSON array, as `serde_json::to_string_pretty` writes a
/// whole one: the opening bracket before the first, a comma before each other.
fn json_elements<T: Serialize>(items: &[T], first: bool) -> String {
    let mut text = String::new();
    for (i, item) in items.iter().enumerate() {
        text.push_str(if first && i == 0 { "[\n" } else { ",\n" });
        let element = super::render::json(item);
        let lines: Vec<String> = element
            .trim_end()
            .lines()
            .map(|line| format!("  {line}"))
            .collect();
        text.push_str(&lines.join("\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Incident, IncidentId};

    #[test]
    fn json_written_page_by_page_is_the_array_serde_would_write() {
        let incidents: Vec<Incident> = (1..=3)
            .map(|n| Incident::blank(IncidentId::from_number(n)))
            .collect();
        let mut walk = Printed::new(true, None);
        let mut text = walk.page(&mut incidents[..2].to_vec(), String::new, |_| String::new());
        text.push_str(&walk.page(&mut incidents[2..].to_vec(), String::new, |_| String::new()));
        text.push_str(walk.end(""));
        assert_eq!(text, super::super::render::json(&incidents));
    }

    #[test]
    fn a_table_has_its_header_once_and_the_limit_cuts_the_last_page() {
        let mut walk = Printed::new(false, Some(3));
        let header = || "H\n".to_string();
        let rows = |items: &[u8]| items.iter().map(|i| format!("{i}\n")).collect::<String>();
        assert_eq!(walk.page(&mut vec![1, 2], header, rows), "H\n1\n2\n");
        assert!(walk.wants_more());
        assert_eq!(walk.page(&mut vec![3, 4], header, rows), "3\n");
        assert!(!walk.wants_more());
        assert_eq!(walk.end("none\n"), "");
        assert_eq!(Printed::new(false, None).end("none\n"), "none\n");
    }
}
