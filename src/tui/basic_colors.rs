//! `--color 16` means the 16 basic colours, as SGR 30–37/90–97 (and 40–47/100–107).
//!
//! crossterm writes every named colour in the 256-colour form (`ESC[38;5;9m` for light
//! red), which a terminal limited to 16 colours may not understand. This writer sits
//! between the backend and the terminal and rewrites those sequences to the basic form
//! when the 16-colour mode is on; otherwise it passes bytes through untouched. A frame
//! arrives in many small writes and a sequence may straddle two, so bytes are held until
//! flush, which the runtime does at the end of every frame.

use std::io::{self, Write};

pub struct BasicColors<W: Write> {
    inner: W,
    enabled: bool,
    pending: Vec<u8>,
}

impl<W: Write> BasicColors<W> {
    pub fn new(inner: W, enabled: bool) -> Self {
        BasicColors {
            inner,
            enabled,
            pending: Vec::new(),
        }
    }
}

impl<W: Write> Write for BasicColors<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if !self.enabled {
            return self.inner.write(bytes);
        }
        self.pending.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let rewritten = rewrite(&self.pending);
            self.pending.clear();
            self.inner.write_all(&rewritten)?;
        }
        self.inner.flush()
    }
}

/// Every `ESC [ … m` whose parameters hold `38;5;n` or `48;5;n` with n < 16, in the basic
/// form; everything else as it was.
pub fn rewrite(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            let params_start = i + 2;
            let end = bytes[params_start..]
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b';'))
                .map(|n| params_start + n);
            if let Some(end) = end.filter(|&end| bytes[end] == b'm') {
                out.extend_from_slice(b"\x1b[");
                out.extend_from_slice(basic_params(&bytes[params_start..end]).as_bytes());
                out.push(b'm');
                i = end + 1;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn basic_params(params: &[u8]) -> String {
    let params = String::from_utf8_lossy(params);
    let parts: Vec<&str> = params.split(';').collect();
    let mut out: Vec<String> = Vec::with_capacity(parts.len());
    let mut i = 0;
    while i < parts.len() {
        let indexed = parts.get(i + 1) == Some(&"5");
        let index = parts.get(i + 2).and_then(|n| n.parse::<u8>().ok());
        match (parts[i], indexed, index) {
            ("38", true, Some(n)) if n < 16 => {
                out.push(basic(n, 30, 90));
                i += 3;
            }
            ("48", true, Some(n)) if n < 16 => {
                out.push(basic(n, 40, 100));
                i += 3;
            }
            (other, _, _) => {
                out.push(other.to_string());
                i += 1;
            }
        }
    }
    out.join(";")
}

/// Colour `n` of the 16: 0–7 from `normal`, 8–15 (the bright ones) from `bright`.
fn basic(n: u8, normal: u8, bright: u8) -> String {
    if n < 8 {
        (normal + n).to_string()
    } else {
        (bright + n - 8).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_basic_colours_become_sgr_codes_and_the_rest_passes() {
        let frame = b"\x1b[38;5;9mred\x1b[48;5;2;38;5;0mok\x1b[1;38;5;214m\x1b[2J\x1b[39m";
        let out = rewrite(frame);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\x1b[91mred\x1b[42;30mok\x1b[1;38;5;214m\x1b[2J\x1b[39m"
        );
    }

    #[test]
    fn bytes_wait_for_the_flush_only_in_16_colour_mode() {
        let mut sixteen = BasicColors::new(Vec::new(), true);
        sixteen.write_all(b"\x1b[38;").unwrap();
        sixteen.write_all(b"5;11mx").unwrap();
        assert!(sixteen.inner.is_empty());
        sixteen.flush().unwrap();
        assert_eq!(sixteen.inner, b"\x1b[93mx");
        let mut full = BasicColors::new(Vec::new(), false);
        full.write_all(b"\x1b[38;5;11m").unwrap();
        assert_eq!(full.inner, b"\x1b[38;5;11m");
    }
}
