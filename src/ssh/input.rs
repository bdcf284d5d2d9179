//! The bytes a remote terminal sends, as the key events the TUI's `update` reads.
//!
//! crossterm parses only the process's own terminal, so a session reads its SSH channel
//! here: UTF-8 text, control keys, the CSI and SS3 sequences xterm-like terminals send for
//! arrows, editing and function keys, Alt as an ESC prefix, and bracketed paste. A sequence
//! split across two packets is kept until the rest arrives; an ESC alone at the end of a
//! packet is the Esc key (terminals send a whole sequence in one write).

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";
/// The longest paste kept; more is dropped rather than held in memory.
const MAX_PASTE_BYTES: usize = 64 * 1024;

#[derive(Debug, Default)]
pub struct InputParser {
    /// Bytes of an unfinished sequence or character.
    pending: Vec<u8>,
    /// Inside a bracketed paste: what it holds so far.
    paste: Option<Vec<u8>>,
}

enum Step {
    /// One event and the bytes it took.
    Event(Option<Event>, usize),
    /// The bytes so far may start a longer sequence: wait for more.
    Incomplete,
}

impl InputParser {
    /// Feeds the bytes of one packet; returns the events they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        self.pending.extend_from_slice(bytes);
        let mut events = Vec::new();
        let mut at = 0;
        while at < self.pending.len() {
            if let Some(paste) = &mut self.paste {
                let rest = &self.pending[at..];
                match find(rest, PASTE_END) {
                    Some(end) => {
                        paste.extend_from_slice(&rest[..end]);
                        paste.truncate(MAX_PASTE_BYTES);
                        let text = String::from_utf8_lossy(paste).into_owned();
                        events.push(Event::Paste(text));
                        self.paste = None;
                        at += end + PASTE_END.len();
                        continue;
                    }
                    None => {
                        // Keep a tail that may be the start of the end marker.
                        let keep = (PASTE_END.len() - 1).min(rest.len());
                        let take = rest.len() - keep;
                        if paste.len() < MAX_PASTE_BYTES {
                            paste.extend_from_slice(&rest[..take]);
                        }
                        at += take;
                        break;
                    }
                }
            }
            let rest = &self.pending[at..];
            if rest.starts_with(PASTE_START) {
                self.paste = Some(Vec::new());
                at += PASTE_START.len();
                continue;
            }
            match step(rest) {
                Step::Event(event, used) => {
                    events.extend(event);
                    at += used;
                }
                Step::Incomplete => break,
            }
        }
        self.pending.drain(..at);
        events
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> Option<Event> {
    Some(Event::Key(KeyEvent::new(code, modifiers)))
}

/// Reads one key from the front of `bytes`.
fn step(bytes: &[u8]) -> Step {
    let none = KeyModifiers::NONE;
    match bytes[0] {
        0x1b => escape(bytes),
        b'\r' | b'\n' => Step::Event(key(KeyCode::Enter, none), 1),
        b'\t' => Step::Event(key(KeyCode::Tab, none), 1),
        0x7f | 0x08 => Step::Event(key(KeyCode::Backspace, none), 1),
        0x00 => Step::Event(key(KeyCode::Char(' '), KeyModifiers::CONTROL), 1),
        control @ 0x01..=0x1a => {
            let letter = char::from(b'a' + control - 1);
            Step::Event(key(KeyCode::Char(letter), KeyModifiers::CONTROL), 1)
        }
        0x1c..=0x1f => Step::Event(None, 1),
        _ => utf8_char(bytes),
    }
}

fn utf8_char(bytes: &[u8]) -> Step {
    let width = match bytes[0] {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return Step::Event(None, 1),
    };
    if bytes.len() < width {
        return Step::Incomplete;
    }
    match std::str::from_utf8(&bytes[..width]) {
        Ok(text) => {
            let c = text.chars().next().unwrap_or(' ');
            let modifiers = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            Step::Event(key(KeyCode::Char(c), modifiers), width)
        }
        Err(_) => Step::Event(None, 1),
    }
}

fn escape(bytes: &[u8]) -> Step {
    let none = KeyModifiers::NONE;
    match bytes.get(1) {
        None => Step::Event(key(KeyCode::Esc, none), 1),
        Some(b'[') => csi(bytes),
        Some(b'O') => match bytes.get(2) {
            None => Step::Incomplete,
            Some(&last) => Step::Event(final_key(last, none), 3),
        },
        Some(0x1b) => Step::Event(key(KeyCode::Esc, none), 1),
        Some(_) => match step(&bytes[1..]) {
            // Alt: ESC before a key.
            Step::Event(Some(Event::Key(mut event)), used) => {
                event.modifiers |= KeyModifiers::ALT;
                Step::Event(Some(Event::Key(event)), used + 1)
            }
            Step::Event(other, used) => Step::Event(other, used + 1),
            Step::Incomplete => Step::Incomplete,
        },
    }
}

/// `ESC [ params final`: arrows, Home/End, Insert/Delete, PageUp/Down, F-keys, Shift-Tab.
fn csi(bytes: &[u8]) -> Step {
    let body = &bytes[2..];
    let Some(end) = body.iter().position(|b| (0x40..=0x7e).contains(b)) else {
        // A sequence longer than any key is noise: drop the ESC [ and go on.
        return if body.len() > 16 {
            Step::Event(None, 2)
        } else {
            Step::Incomplete
        };
    };
    let used = 2 + end + 1;
    let params = std::str::from_utf8(&body[..end]).unwrap_or("");
    let mut numbers = params.split(';').map(|n| n.parse::<u8>().unwrap_or(1));
    let first = numbers.next().unwrap_or(1);
    let modifiers = modifiers(numbers.next().unwrap_or(1));
    let event = match body[end] {
        b'~' => match first {
            1 | 7 => key(KeyCode::Home, modifiers),
            2 => key(KeyCode::Insert, modifiers),
            3 => key(KeyCode::Delete, modifiers),
            4 | 8 => key(KeyCode::End, modifiers),
            5 => key(KeyCode::PageUp, modifiers),
            6 => key(KeyCode::PageDown, modifiers),
            11..=15 => key(KeyCode::F(first - 10), modifiers),
            17..=21 => key(KeyCode::F(first - 11), modifiers),
            23 | 24 => key(KeyCode::F(first - 12), modifiers),
            _ => None,
        },
        b'Z' => key(KeyCode::BackTab, KeyModifiers::SHIFT),
        last => final_key(last, modifiers),
    };
    Step::Event(event, used)
}

fn final_key(last: u8, modifiers: KeyModifiers) -> Option<Event> {
    let code = match last {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'P' => KeyCode::F(1),
        b'Q' => KeyCode::F(2),
        b'R' => KeyCode::F(3),
        b'S' => KeyCode::F(4),
        _ => return None,
    };
    key(code, modifiers)
}

/// xterm's modifier parameter: 1 + (Shift 1, Alt 2, Ctrl 4).
fn modifiers(parameter: u8) -> KeyModifiers {
    let bits = parameter.saturating_sub(1);
    let mut modifiers = KeyModifiers::NONE;
    if bits & 1 != 0 {
        modifiers |= KeyModifiers::SHIFT;
    }
    if bits & 2 != 0 {
        modifiers |= KeyModifiers::ALT;
    }
    if bits & 4 != 0 {
        modifiers |= KeyModifiers::CONTROL;
    }
    modifiers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(parser: &mut InputParser, bytes: &[u8]) -> Vec<(KeyCode, KeyModifiers)> {
        parser
            .feed(bytes)
            .into_iter()
            .map(|event| match event {
                Event::Key(key) => (key.code, key.modifiers),
                other => panic!("not a key: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn text_control_keys_and_sequences_become_keys() {
        let mut parser = InputParser::default();
        let none = KeyModifiers::NONE;
        assert_eq!(
            keys(&mut parser, "aé\r\x7f\t".as_bytes()),
            vec![
                (KeyCode::Char('a'), none),
                (KeyCode::Char('é'), none),
                (KeyCode::Enter, none),
                (KeyCode::Backspace, none),
                (KeyCode::Tab, none),
            ]
        );
        assert_eq!(
            keys(&mut parser, b"\x1b[A\x1bOB\x1b[5~\x1b[1;5C\x1b[Z\x03"),
            vec![
                (KeyCode::Up, none),
                (KeyCode::Down, none),
                (KeyCode::PageUp, none),
                (KeyCode::Right, KeyModifiers::CONTROL),
                (KeyCode::BackTab, KeyModifiers::SHIFT),
                (KeyCode::Char('c'), KeyModifiers::CONTROL),
            ]
        );
        assert_eq!(keys(&mut parser, b"\x1b"), vec![(KeyCode::Esc, none)]);
        assert_eq!(
            keys(&mut parser, b"\x1bx"),
            vec![(KeyCode::Char('x'), KeyModifiers::ALT)]
        );
    }

    #[test]
    fn split_sequences_and_pastes_wait_for_their_end() {
        let mut parser = InputParser::default();
        assert!(parser.feed(b"\x1b[1;").is_empty());
        assert_eq!(
            keys(&mut parser, b"2D"),
            vec![(KeyCode::Left, KeyModifiers::SHIFT)]
        );
        assert!(parser.feed("\x1b[200~two\r\nlines ".as_bytes()).is_empty());
        assert!(parser.feed("é\x1b[20".as_bytes()).is_empty());
        let events = parser.feed(b"1~q");
        assert_eq!(events[0], Event::Paste("two\r\nlines é".into()));
        assert!(matches!(events[1], Event::Key(k) if k.code == KeyCode::Char('q')));
        // Half of a two-byte character.
        assert!(parser.feed(&[0xc3]).is_empty());
        assert_eq!(
            keys(&mut parser, &[0xa9]),
            vec![(KeyCode::Char('é'), KeyModifiers::NONE)]
        );
    }
}
