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
}
