//! The `:` line's history: Up and Down walk the lines typed before, in this session and in
//! earlier ones (the runtime keeps it in the data directory; `update` only asks it to).

/// Lines kept, oldest dropped first.
const KEPT: usize = 500;

#[derive(Debug, Clone, Default)]
pub struct History {
    pub lines: Vec<String>,
    /// Where Up and Down are in `lines`; `None` on the line being typed.
    at: Option<usize>,
}

impl History {
    /// Lines read back from disk, then whatever was typed before they arrived.
    pub fn loaded(&mut self, mut earlier: Vec<String>) {
        earlier.retain(|line| !line.trim().is_empty());
        earlier.append(&mut self.lines);
        let drop = earlier.len().saturating_sub(KEPT);
        earlier.drain(..drop);
        self.lines = earlier;
        self.at = None;
    }

    /// A line was run: kept (unless it repeats the last one). Returns whether it changed.
    pub fn record(&mut self, line: &str) -> bool {
        self.at = None;
        let line = line.trim();
        if line.is_empty() || self.lines.last().is_some_and(|last| last == line) {
            return false;
        }
        self.lines.push(line.to_string());
        if self.lines.len() > KEPT {
            self.lines.remove(0);
        }
        true
    }

    /// The line before (Up) or after (Down) the one shown; past the newest, an empty line.
    pub fn step(&mut self, back: bool) -> Option<&str> {
        let last = self.lines.len().checked_sub(1)?;
        self.at = match (self.at, back) {
            (None, true) => Some(last),
            (None, false) => None,
            (Some(at), true) => Some(at.saturating_sub(1)),
            (Some(at), false) if at < last => Some(at + 1),
            (Some(_), false) => None,
        };
        Some(self.at.map_or("", |at| self.lines[at].as_str()))
    }

    pub fn restart(&mut self) {
        self.at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::History;

    #[test]
    fn up_and_down_walk_the_lines_and_come_back_to_an_empty_one() {
        let mut history = History::default();
        assert_eq!(history.step(true), None);
        assert!(history.record("sev P0"));
        assert!(!history.record("sev P0 "));
        assert!(history.record("note rolling back"));
        history.loaded(vec!["go INC-2".into(), " ".into()]);
        assert_eq!(history.lines, ["go INC-2", "sev P0", "note rolling back"]);
        assert_eq!(history.step(true), Some("note rolling back"));
        assert_eq!(history.step(true), Some("sev P0"));
        assert_eq!(history.step(true), Some("go INC-2"));
        assert_eq!(history.step(true), Some("go INC-2"));
        assert_eq!(history.step(false), Some("sev P0"));
        assert_eq!(history.step(false), Some("note rolling back"));
        assert_eq!(history.step(false), Some(""));
    }
}
