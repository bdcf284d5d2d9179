//! `GET /v1/incidents` page by page: the first page from a query, each next one from the
//! `Link: <...>; rel="next"` the backend sends with a page, so that a caller walks the whole
//! list holding one page at a time.

use super::{Client, ClientError, each_valid};
use crate::domain::Incident;

/// The list's path; a next link must stay on it.
const LIST_PATH: &str = "/v1/incidents";
/// The most incidents the backend puts in a page.
pub const MAX_PAGE: usize = 1_000;

/// What a list asks the backend for: its filters as people write them (the backend reads
/// and checks them: severities of its scale, ages on its clock), and the page size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Incidents per page; `None` is the backend's default (100).
    pub page_size: Option<usize>,
    pub open: Option<bool>,
    pub service: Option<String>,
    /// Any of these severities.
    pub severities: Vec<String>,
    pub status: Option<String>,
    /// Declared at or after: an age (`7d`) or an RFC 3339 time.
    pub since: Option<String>,
    /// Declared before: an age or an RFC 3339 time.
    pub until: Option<String>,
    /// Text in the title, the id or the service, whatever the case.
    pub text: Option<String>,
}

impl ListQuery {
    /// The path and query of the first page.
    pub fn first_page(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let severities = self.severities.join(",");
        let pairs = [
            ("limit", self.page_size.map(|size| size.to_string())),
            ("open", self.open.map(|open| open.to_string())),
            ("service", self.service.clone()),
            ("severity", (!severities.is_empty()).then_some(severities)),
            ("status", self.status.clone()),
            ("since", self.since.clone()),
            ("until", self.until.clone()),
            ("q", self.text.clone()),
        ];
        for (name, value) in pairs {
            if let Some(value) = value {
                query.append_pair(name, &value);
            }
        }
        format!("{LIST_PATH}?{}", query.finish())
    }
}

/// A walk through the pages of a list; see [`Client::pages`].
pub struct Pages<'c> {
    client: &'c Client,
    /// The path and query of the next page; `None` once the last was read.
    next: Option<String>,
}

impl Pages<'_> {
    /// The next page, newest first, or `None` after the last. An incident the client cannot
    /// read is dropped and logged, as in every list.
    pub async fn next(&mut self) -> Result<Option<Vec<Incident>>, ClientError> {
        let Some(path) = self.next.take() else {
            return Ok(None);
        };
        let page = self.client.page(&path).await?;
        self.next = page.next;
        Ok(Some(page.incidents))
    }
}

/// One page of the list, and the path of the next one (`None`: it was the last).
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub incidents: Vec<Incident>,
    pub next: Option<String>,
}

/// The target of a `Link` header's `rel="next"`, if it is a page of the list at `list_path`
/// on the same backend: a link elsewhere is not followed (the client would send its token
/// there).
fn next_link(header: &str, list_path: &str) -> Option<String> {
    header.split(',').find_map(|link| {
        let (target, params) = link.trim().split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let next = params
            .split(';')
            .any(|param| matches!(param.trim(), "rel=\"next\"" | "rel=next"));
        let ours = target
            .strip_prefix(list_path)
            .is_some_and(|rest| rest.starts_with('?'));
        (next && ours).then(|| target.to_string())
    })
}

impl Client {
    /// The pages of the list `query` asks for, newest first, read one at a time as the caller
    /// asks for them.
    pub fn pages(&self, query: &ListQuery) -> Pages<'_> {
        Pages {
            client: self,
            next: Some(query.first_page()),
        }
    }

    /// Every page of the list `query` asks for, read and kept: for a caller that needs them
    /// all at once.
    pub async fn every_page(&self, query: &ListQuery) -> Result<Vec<Incident>, ClientError> {
        let mut pages = self.pages(query);
        let mut all = Vec::new();
        while let Some(page) = pages.next().await? {
            all.extend(page);
        }
        Ok(all)
    }

    /// The page at `path` (a [`ListQuery::first_page`], or a [`Page::next`]): what a caller
    /// that reads pages one at a time, far apart, holds between them is this path, not a
    /// walk. An incident the client cannot read is dropped and logged, as in every list.
    pub async fn page(&self, path: &str) -> Result<Page, ClientError> {
        let (incidents, next) = self.page_of(path, LIST_PATH, "incident").await?;
        Ok(Page { incidents, next })
    }

    /// The page at `path` of the list at `list_path` (`/v1/incidents`, `/v1/followups`): its
    /// `what`s, and the path of the next page from the `Link` header (`None`: it was the
    /// last). An item the client cannot read is dropped and logged, as in every list.
    pub(super) async fn page_of<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        list_path: &str,
        what: &str,
    ) -> Result<(Vec<T>, Option<String>), ClientError> {
        let answer = self
            .send_raw(|base| self.http.get(format!("{base}{path}")), self.timeout)
            .await?;
        let items: Vec<serde_json::Value> =
            serde_json::from_slice(&answer.body).map_err(|e| ClientError::Decode(e.to_string()))?;
        let next = answer
            .headers
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(|header| next_link(header, list_path));
        if next.as_deref() == Some(path) {
            // A link back to this page would walk forever.
            return Err(ClientError::Decode(format!(
                "the backend's next page is the same page ({path})"
            )));
        }
        Ok((each_valid(items, what), next))
    }

    /// What a screen starts from: every open incident (a page at a time), and the newest
    /// `ended` ended ones (one page); the screen keeps those that ended lately. Never the
    /// whole history.
    pub async fn open_and_recent(&self, ended: usize) -> Result<Vec<Incident>, ClientError> {
        let open = ListQuery {
            page_size: Some(MAX_PAGE),
            open: Some(true),
            ..ListQuery::default()
        };
        let mut incidents = self.every_page(&open).await?;
        if ended > 0 {
            let recent = ListQuery {
                page_size: Some(ended.min(MAX_PAGE)),
                open: Some(false),
                ..ListQuery::default()
            };
            incidents.extend(self.page(&recent.first_page()).await?.incidents);
        }
        Ok(incidents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_page_names_only_the_filters_given() {
        assert_eq!(ListQuery::default().first_page(), "/v1/incidents?");
        let query = ListQuery {
            page_size: Some(50),
            open: Some(false),
            service: Some("check out".into()),
            severities: vec!["P0".into(), "P1".into()],
            status: Some("resolved".into()),
            since: Some("7d".into()),
            until: None,
            text: Some("disk & cpu".into()),
        };
        assert_eq!(
            query.first_page(),
            "/v1/incidents?limit=50&open=false&service=check+out&severity=P0%2CP1\
             &status=resolved&since=7d&q=disk+%26+cpu"
        );
    }

    #[test]
    fn only_a_next_link_to_the_list_is_followed() {
        let next = "</v1/incidents?limit=2&before=INC-7>; rel=\"next\"";
        assert_eq!(
            next_link(next, LIST_PATH).as_deref(),
            Some("/v1/incidents?limit=2&before=INC-7")
        );
        assert_eq!(
            next_link(
                "</v1/incidents?before=INC-3>; title=\"x\"; rel=next",
                LIST_PATH
            )
            .as_deref(),
            Some("/v1/incidents?before=INC-3")
        );
        for refused in [
            "</v1/incidents?before=INC-7>; rel=\"prev\"",
            "<https://elsewhere.example/v1/incidents?before=INC-7>; rel=\"next\"",
            "</v1/incidentsX?before=INC-7>; rel=\"next\"",
            "</v1/followups?after=2026-03-15T10:00:00Z,INC-7,1>; rel=\"next\"",
            "/v1/incidents?before=INC-7; rel=\"next\"",
            "",
        ] {
            assert_eq!(next_link(refused, LIST_PATH), None, "{refused}");
        }
    }
}
