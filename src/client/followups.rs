//! `GET /v1/followups` page by page: the first page from a query, each next one from the
//! `Link: <...>; rel="next"` the backend sends with a page, so that a caller holds one page
//! of the corrective actions at a time, however many there are.

use super::{Client, ClientError};
use crate::domain::{Followup, FollowupAsk};

/// The follow-ups' path; a next link must stay on it.
const FOLLOWUPS_PATH: &str = "/v1/followups";

/// What a walk of the follow-ups asks the backend for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowupQuery {
    /// Actions per page; `None` is the backend's default (100).
    pub page_size: Option<usize>,
    pub ask: FollowupAsk,
}

impl FollowupQuery {
    /// The path and query of the first page.
    pub fn first_page(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(size) = self.page_size {
            query.append_pair("limit", &size.to_string());
        }
        query.extend_pairs(self.ask.pairs());
        format!("{FOLLOWUPS_PATH}?{}", query.finish())
    }
}

/// One page of the follow-ups, and the path of the next one (`None`: it was the last).
#[derive(Debug, Clone, PartialEq)]
pub struct FollowupPage {
    pub rows: Vec<Followup>,
    pub next: Option<String>,
}

impl Client {
    /// The page of follow-ups at `path` (a [`FollowupQuery::first_page`], or a
    /// [`FollowupPage::next`]). A row the client cannot read is dropped and logged.
    pub async fn followup_page(&self, path: &str) -> Result<FollowupPage, ClientError> {
        let (rows, next) = self.page_of(path, FOLLOWUPS_PATH, "follow-up").await?;
        Ok(FollowupPage { rows, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_page_names_only_the_filters_given() {
        assert_eq!(FollowupQuery::default().first_page(), "/v1/followups?");
        let query = FollowupQuery {
            page_size: Some(7),
            ask: FollowupAsk {
                open: true,
                closed: false,
                overdue: true,
                owner: Some(" Bob & Al ".into()),
            },
        };
        assert_eq!(
            query.first_page(),
            "/v1/followups?limit=7&open=true&overdue=true&owner=Bob+%26+Al"
        );
    }
}
