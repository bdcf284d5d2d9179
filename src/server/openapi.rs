//! The API described for other clients: a hand-written OpenAPI 3 document, served as is.

/// `GET /v1/openapi.json`.
pub const DOCUMENT: &str = include_str!("../../assets/openapi.json");

#[cfg(test)]
mod tests {
    use super::DOCUMENT;
    use crate::server::routes::Api;
    use std::collections::BTreeSet;

    #[test]
    fn the_document_lists_exactly_the_routes_of_the_router() {
        let document: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        assert_eq!(document["openapi"].as_str().map(|v| &v[..2]), Some("3."));
        let documented: BTreeSet<(String, String)> = document["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .filter(|key| key.as_str() != "parameters")
                    .map(move |method| (method.to_uppercase(), path.clone()))
            })
            .collect();
        let routed: BTreeSet<(String, String)> = Api::new(&Default::default())
            .routes
            .into_iter()
            .map(|(method, path)| (method.to_string(), path.to_string()))
            .collect();
        assert_eq!(documented, routed);
    }

    /// The `type`s a `oneOf` schema of the document lists.
    fn tags_of(document: &serde_json::Value, schema: &str) -> BTreeSet<String> {
        document["components"]["schemas"][schema]["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|variant| {
                variant["properties"]["type"]["const"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn the_document_lists_exactly_the_event_kinds_of_the_domain() {
        let document: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        let domain: BTreeSet<String> = crate::domain::EventKind::TAGS
            .iter()
            .map(|tag| tag.to_string())
            .collect();
        assert_eq!(tags_of(&document, "EventKind"), domain);
    }

    #[test]
    fn every_command_of_the_document_is_one_the_domain_reads() {
        let document: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        let commands = tags_of(&document, "Command");
        for learning in [
            "set_summary",
            "reopen_corrective_action",
            "set_corrective_kind",
        ] {
            assert!(commands.contains(learning), "{learning}");
        }
        for tag in commands {
            // An unknown type is refused as such; a known one only for what it lacks.
            let error = serde_json::from_value::<crate::domain::Command>(
                serde_json::json!({ "type": tag }),
            )
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
            assert!(!error.contains("unknown variant"), "{tag}: {error}");
        }
    }
}
