//! The incident list a page at a time (`GET /v1/incidents?limit=&before=&open=&q=…`), and
//! what a screen starts from: the open incidents and the newest ended ones, never the whole
//! history.

use super::{Client, ClientError, each_valid};
use crate::domain::{Incident, IncidentId};

/// The most a page of the list holds (the backend's maximum).
pub const MAX_PAGE: usize = 1_000;

/// One page asked of the list: newest first, below `before` when given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageQuery {
    /// Only the open incidents (`Some(true)`) or only the ended ones (`Some(false)`).
    pub open: Option<bool>,
    /// Text in the title, the id or the service, whatever the case.
    pub text: Option<String>,
    /// Only incidents numbered below this one: the last row of the page before.
    pub before: Option<IncidentId>,
    pub limit: usize,
}

impl PageQuery {
    /// The page after `last`, the last incident of this one.
    pub fn after(&self, last: &IncidentId) -> PageQuery {
        PageQuery {
            before: Some(last.clone()),
            ..self.clone()
        }
    }

    /// `/v1/incidents?…`, the query encoded once: each replica gets the same.
    fn path(&self) -> Result<String, ClientError> {
        let url = reqwest::Url::parse_with_params("http://backend/v1/incidents", self.pairs())
            .map_err(|e| ClientError::Config(format!("cannot build the list's URL: {e}")))?;
        Ok(format!("/v1/incidents?{}", url.query().unwrap_or_default()))
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("limit", self.limit.to_string())];
        if let Some(open) = self.open {
            pairs.push(("open", open.to_string()));
        }
        if let Some(text) = self.text.as_ref().filter(|text| !text.trim().is_empty()) {
            pairs.push(("q", text.clone()));
        }
        if let Some(before) = &self.before {
            pairs.push(("before", before.to_string()));
        }
        pairs
    }
}

impl Client {
    /// One page of the list; an incident the client cannot read is dropped and logged. A
    /// page as long as asked may have a next one (`PageQuery::after` its last incident).
    pub async fn incident_page(&self, query: &PageQuery) -> Result<Vec<Incident>, ClientError> {
        let path = query.path()?;
        let items = self.get(&path, self.timeout).await?;
        Ok(each_valid(items, "incident"))
    }

    /// What a screen starts from: every open incident (a page at a time), and the newest
    /// `ended` ended ones; the screen keeps those that ended lately. Never the whole history.
    pub async fn open_and_recent(&self, ended: usize) -> Result<Vec<Incident>, ClientError> {
        let mut query = PageQuery {
            open: Some(true),
            limit: MAX_PAGE,
            ..PageQuery::default()
        };
        let mut incidents = Vec::new();
        loop {
            let page = self.incident_page(&query).await?;
            let full = page.len() == query.limit;
            let last = page.last().map(|incident| incident.id.clone());
            incidents.extend(page);
            match last {
                Some(last) if full => query = query.after(&last),
                _ => break,
            }
        }
        if ended > 0 {
            let recent = PageQuery {
                open: Some(false),
                limit: ended.min(MAX_PAGE),
                ..PageQuery::default()
            };
            incidents.extend(self.incident_page(&recent).await?);
        }
        Ok(incidents)
    }
}
