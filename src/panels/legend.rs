//! How a panel names its series: a `{{label}}` template from the config.

use crate::domain::Labels;

/// A `{{label}}` template naming a series, e.g. `{{endpoint}} {{code}}`. A label the series
/// lacks renders empty, as in Grafana. The empty template names a series the way Prometheus
/// prints it: `{code="500", endpoint="/pay"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Legend(Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Label(String),
}

impl Legend {
    pub fn parse(template: &str) -> Result<Legend, String> {
        let mut pieces = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find("{{") {
            let offset = template.len() - rest.len() + open;
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_string()));
            }
            let inner = &rest[open + 2..];
            let close = inner.find("}}").ok_or_else(|| {
                format!("\"{{{{\" at byte {offset} is never closed with \"}}}}\"")
            })?;
            let name = inner[..close].trim();
            if name.is_empty() {
                return Err(format!("\"{{{{}}}}\" at byte {offset} names no label"));
            }
            pieces.push(Piece::Label(name.to_string()));
            rest = &inner[close + 2..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Legend(pieces))
    }

    /// The series' name: the template filled in, or without a template Prometheus' own
    /// `{label="value"}` form, empty for a series without labels (a `sum(...)`).
    pub fn render(&self, labels: &Labels) -> String {
        if self.0.is_empty() {
            if labels.is_empty() {
                return String::new();
            }
            let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            return format!("{{{}}}", pairs.join(", "));
        }
        self.0
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.as_str(),
                Piece::Label(name) => labels.get(name).map_or("", String::as_str),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legends_render_labels() {
        let labels = Labels::from([
            ("endpoint".to_string(), "/pay".to_string()),
            ("code".to_string(), "500".to_string()),
        ]);
        let render = |t: &str| Legend::parse(t).unwrap().render(&labels);
        assert_eq!(render("{{endpoint}} ({{ code }})"), "/pay (500)");
        assert_eq!(render("p99"), "p99");
        assert_eq!(render("{{missing}}!"), "!");
        assert_eq!(render(""), r#"{code="500", endpoint="/pay"}"#);
        assert_eq!(Legend::default().render(&Labels::new()), "");
    }

    #[test]
    fn broken_templates_say_where() {
        assert_eq!(
            Legend::parse("a {{b}} {{c").unwrap_err(),
            r#""{{" at byte 8 is never closed with "}}""#
        );
        assert_eq!(
            Legend::parse("{{ }}").unwrap_err(),
            r#""{{}}" at byte 0 names no label"#
        );
        assert_eq!(Legend::parse("ü{{x}}").unwrap().render(&Labels::new()), "ü");
    }
}
