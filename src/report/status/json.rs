//! `/status.json`: the front page as plain JSON, in warroom's own shape.

use super::StatusPage;
use serde_json::json;

pub fn render(page: &StatusPage) -> String {
    let document = json!({
        "title": page.title,
        "url": page.url,
        "updated_at": super::rfc3339(page.updated_at),
        "indicator": page.indicator(),
        "description": page.description(),
        "components": page.components,
        "open": page.open,
        "recent": page.recent(),
        "maintenances": page.maintenances,
    });
    super::text::json_text(&document)
}
