//! The subset of YAML that Alertmanager writes back in `/api/v2/status` (`config.original`):
//! block mappings and sequences, plain and quoted scalars, block scalars (`|`, `>`), and the
//! empty flow collections `[]` and `{}`. Its marshaller writes nothing else, so this small
//! reader is enough to find the receivers and routes without a YAML library; anything it
//! does not understand becomes a scalar holding the text, never a panic.

/// A node of the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Map(Vec<(String, Yaml)>),
    Seq(Vec<Yaml>),
    Scalar(String),
}

impl Yaml {
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A scalar's text.
    pub fn text(&self) -> Option<&str> {
        match self {
            Yaml::Scalar(text) => Some(text),
            _ => None,
        }
    }

    /// A sequence's items; any other node has none.
    pub fn items(&self) -> &[Yaml] {
        match self {
            Yaml::Seq(items) => items,
            _ => &[],
        }
    }
}

/// One meaningful line: its indentation and its text without it.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    indent: usize,
    text: &'a str,
}

/// Reads `text` into a node; an empty document is an empty mapping.
pub fn parse(text: &str) -> Yaml {
    let lines: Vec<Line> = text
        .lines()
        .filter(|line| {
            let trimmed = line.trim();
            !trimmed.is_empty() && !trimmed.starts_with('#') && trimmed != "---"
        })
        .map(|line| {
            let text = line.trim_start_matches(' ');
            Line {
                indent: line.len() - text.len(),
                text: text.trim_end(),
            }
        })
        .collect();
    let mut reader = Reader { lines, at: 0 };
    match reader.lines.first() {
        Some(first) => {
            let indent = first.indent;
            reader.node(indent)
        }
        None => Yaml::Map(Vec::new()),
    }
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<Line<'a>> {
        self.lines.get(self.at).copied()
    }

    /// The node whose lines start at `indent` here.
    fn node(&mut self, indent: usize) -> Yaml {
        match self.peek() {
            Some(line) if line.indent == indent && is_item(line.text) => self.sequence(indent),
            Some(line) if line.indent == indent => self.mapping(indent),
            _ => Yaml::Scalar(String::new()),
        }
    }

    fn sequence(&mut self, indent: usize) -> Yaml {
        let mut items = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent != indent || !is_item(line.text) {
                break;
            }
            let rest = line.text[1..].trim_start();
            if rest.is_empty() {
                // `-` alone: the item is the block below it.
                self.at += 1;
                items.push(match self.peek() {
                    Some(next) if next.indent > indent => self.node(next.indent),
                    _ => Yaml::Scalar(String::new()),
                });
            } else if is_item(rest) || key_value(rest).is_some() {
                // `- key: value` opens a mapping whose keys line up after the dash (and
                // `- - x` a sequence): read the rest of the line as if it stood there.
                let inner = indent + (line.text.len() - rest.len());
                self.lines[self.at] = Line {
                    indent: inner,
                    text: rest,
                };
                items.push(self.node(inner));
            } else {
                self.at += 1;
                items.push(scalar(rest));
            }
        }
        Yaml::Seq(items)
    }

    fn mapping(&mut self, indent: usize) -> Yaml {
        let mut entries = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent != indent || is_item(line.text) {
                break;
            }
            self.at += 1;
            let Some((key, value)) = key_value(line.text) else {
                // Not `key: value`: keep the text rather than guess.
                entries.push((line.text.to_string(), Yaml::Scalar(String::new())));
                continue;
            };
            let value = if value.is_empty() {
                match self.peek() {
                    Some(next) if next.indent > indent => self.node(next.indent),
                    // Alertmanager lists a key's items at the key's own indentation.
                    Some(next) if next.indent == indent && is_item(next.text) => {
                        self.sequence(indent)
                    }
                    _ => Yaml::Scalar(String::new()),
                }
            } else if value.starts_with('|') || value.starts_with('>') {
                self.block_scalar(indent)
            } else {
                scalar(value)
            };
            entries.push((unquote(key), value));
        }
        Yaml::Map(entries)
    }

    /// The lines of a `|` or `>` scalar: everything indented deeper than its key.
    fn block_scalar(&mut self, indent: usize) -> Yaml {
        let mut text = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent <= indent {
                break;
            }
            text.push(line.text);
            self.at += 1;
        }
        Yaml::Scalar(text.join("\n"))
    }
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// `key: value` or `key:` (the value below); `None` for a line that is no mapping entry.
fn key_value(text: &str) -> Option<(&str, &str)> {
    let quoted = text.starts_with('"') || text.starts_with('\'');
    let at = if quoted {
        // The key's closing quote, then the colon.
        let close = text[1..].find(&text[..1])? + 1;
        close + text[close..].find(':')?
    } else {
        text.find(": ")
            .or_else(|| text.ends_with(':').then(|| text.len() - 1))?
    };
    Some((text[..at].trim(), text[at + 1..].trim()))
}

fn scalar(text: &str) -> Yaml {
    match text {
        "[]" => Yaml::Seq(Vec::new()),
        "{}" => Yaml::Map(Vec::new()),
        text => Yaml::Scalar(unquote(text)),
    }
}

/// A scalar's value: double quotes read with JSON's escapes, single quotes with `''`.
fn unquote(text: &str) -> String {
    if text.len() >= 2 && text.starts_with('"') && text.ends_with('"') {
        return serde_json::from_str(text).unwrap_or_else(|_| text[1..text.len() - 1].into());
    }
    if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
        return text[1..text.len() - 1].replace("''", "'");
    }
    // A plain scalar ends where a comment starts.
    text.split(" #")
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Alertmanager 0.25 answers for a config with three receivers (abridged).
    const WRITTEN_BACK: &str = r#"global:
  resolve_timeout: 5m
  http_config:
    follow_redirects: true
route:
  receiver: blackhole
  group_by:
  - alertname
  routes:
  - receiver: warroom
    matchers:
    - severity=~"critical|warning"
    continue: true
receivers:
- name: blackhole
- name: warroom
  webhook_configs:
  - send_resolved: true
    http_config:
      authorization:
        type: Bearer
        credentials: <secret>
    url: http://127.0.0.1:7700/v1/alertmanager
    max_alerts: 0
templates: []
"#;

    #[test]
    fn alertmanagers_own_output_reads_back() {
        let doc = parse(WRITTEN_BACK);
        let route = doc.get("route").unwrap();
        assert_eq!(route.get("receiver").unwrap().text(), Some("blackhole"));
        assert_eq!(route.get("group_by").unwrap().items().len(), 1);
        let child = &route.get("routes").unwrap().items()[0];
        assert_eq!(child.get("receiver").unwrap().text(), Some("warroom"));
        assert_eq!(child.get("continue").unwrap().text(), Some("true"));
        assert_eq!(
            child.get("matchers").unwrap().items()[0].text(),
            Some(r#"severity=~"critical|warning""#)
        );
        let receivers = doc.get("receivers").unwrap().items();
        assert_eq!(receivers.len(), 2);
        assert_eq!(receivers[0].get("name").unwrap().text(), Some("blackhole"));
        let hook = &receivers[1].get("webhook_configs").unwrap().items()[0];
        assert_eq!(
            hook.get("url").unwrap().text(),
            Some("http://127.0.0.1:7700/v1/alertmanager")
        );
        let auth = hook
            .get("http_config")
            .unwrap()
            .get("authorization")
            .unwrap();
        assert_eq!(auth.get("credentials").unwrap().text(), Some("<secret>"));
        assert_eq!(doc.get("templates"), Some(&Yaml::Seq(vec![])));
    }

    #[test]
    fn indented_lists_quotes_and_block_scalars_read_too() {
        let text = "receivers:\n  - name: \"a: b\"\n    webhook_configs:\n      - url: 'http://x/it''s'\n        send_resolved: true  # a comment\n\
                    templates:\n  text: |\n    line one\n    line two\nafter: 1\n";
        let doc = parse(text);
        let receiver = &doc.get("receivers").unwrap().items()[0];
        assert_eq!(receiver.get("name").unwrap().text(), Some("a: b"));
        let hook = &receiver.get("webhook_configs").unwrap().items()[0];
        assert_eq!(hook.get("url").unwrap().text(), Some("http://x/it's"));
        assert_eq!(hook.get("send_resolved").unwrap().text(), Some("true"));
        let text_node = doc.get("templates").unwrap().get("text").unwrap();
        assert_eq!(text_node.text(), Some("line one\nline two"));
        assert_eq!(doc.get("after").unwrap().text(), Some("1"));
    }

    #[test]
    fn nonsense_is_kept_as_text_never_a_panic() {
        for text in [
            "",
            "-",
            "- - -",
            "a:\n  - b: [x",
            ":",
            "\"unclosed: 1",
            "  x: 1\ny: 2",
        ] {
            let _ = parse(text);
        }
        assert_eq!(parse(""), Yaml::Map(vec![]));
    }
}
