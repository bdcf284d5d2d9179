//! [`Store`] once for both databases: the reads in the statements both dialects agree on, the
//! writes handed to the engine.

/// The fewest rows read at a time for the rest of a page of a list once its first read fell
/// short (a text search whose rows SQL could only let through): it reads on down the history
/// in steps this long at least, rather than a row or two at a time.
const LIST_STEP: usize = 200;

use super::statements::{
    ALERT_GROUPS, EVENTS_AFTER, FIGURES_DECLARED, FOLLOWUPS_AFTER, INCIDENT, INCIDENT_EVENTS_AFTER,
    INCIDENTS, INCIDENTS_BEFORE, INCIDENTS_KEPT, INCIDENTS_PUBLISHED_SINCE, NEWEST_EVENTS,
    NEWEST_NUMBER, RECALL,
};
use super::{Engine, SqlStore, Value, read};
use crate::domain::{
    Event, Followup, FollowupFilter, FollowupKey, Incident, IncidentFigures, IncidentFilter,
    IncidentId, Timestamp,
};
use crate::store::followups::PageParams;
use crate::store::row::{fixed_time, seq_column};
use crate::store::{Commit, IdempotencyKey, Remembered, Resume, Store, StoreError, Which};

impl<E: Engine> Store for SqlStore<E> {
    fn events_after(&mut self, after: u64, limit: usize) -> Result<Vec<Event>, StoreError> {
        let page = [Value::int(after), Value::int(limit)];
        self.engine.rows(&EVENTS_AFTER, &page, read::event)
    }

    fn incident_events_after(
        &mut self,
        incident: &IncidentId,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let incident = incident.to_string();
        let page = [Value::Text(&incident), Value::int(after), Value::int(limit)];
        self.engine.rows(&INCIDENT_EVENTS_AFTER, &page, read::event)
    }

    fn incident(&mut self, number: u64) -> Result<Option<Incident>, StoreError> {
        let number = Value::Int(seq_column(number)?);
        Ok(self
            .engine
            .rows(&INCIDENT, &[number], read::incident)?
            .pop())
    }

    fn incidents(&mut self, which: Which) -> Result<Vec<Incident>, StoreError> {
        match which {
            Which::All => self.engine.rows(&INCIDENTS, &[], read::incident),
            Which::PublishedSince(at) => {
                let at = fixed_time(at);
                let since = [Value::Text(&at)];
                self.engine
                    .rows(&INCIDENTS_PUBLISHED_SINCE, &since, read::incident)
            }
        }
    }

    fn incidents_before(
        &mut self,
        filter: &IncidentFilter,
        before: u64,
        limit: usize,
    ) -> Result<Vec<Incident>, StoreError> {
        // SQL selects what the table's columns can tell (exactly, or letting through what it
        // cannot: see `INCIDENTS_BEFORE`); every row it returns is checked again on the
        // decoded incident, by the one rule every list uses.
        let open = match filter.open {
            None => "any",
            Some(true) => "open",
            Some(false) => "ended",
        };
        let since = filter.since.map(fixed_time).unwrap_or_default();
        let until = filter.until.map(fixed_time).unwrap_or_default();
        let service = filter.service.as_deref().unwrap_or_default();
        let status = filter
            .status
            .map(|status| status.as_str())
            .unwrap_or_default();
        let severities = severity_list(filter);
        let text = filter.text.as_deref().map(like_pattern).unwrap_or_default();
        // A page is usually one read of `limit` rows; rows the rule refuses (text SQL could
        // only let through) are made up for in longer steps.
        let mut step = limit;
        let mut cursor = before;
        let mut page = Vec::new();
        while page.len() < limit {
            let params = [
                Value::int(cursor),
                Value::Text(open),
                Value::Text(&since),
                Value::Text(&until),
                Value::Text(service),
                Value::Text(status),
                Value::Text(&severities),
                Value::Text(&text),
                Value::int(step),
            ];
            let rows = self
                .engine
                .rows(&INCIDENTS_BEFORE, &params, read::incident)?;
            let Some(last) = rows.last() else { break };
            cursor = last.id.number();
            let exhausted = rows.len() < step;
            page.extend(rows.into_iter().filter(|incident| filter.matches(incident)));
            if exhausted {
                break;
            }
            step = limit.max(LIST_STEP);
        }
        page.truncate(limit);
        Ok(page)
    }

    fn figures_declared(
        &mut self,
        from: Timestamp,
        until: Timestamp,
        visit: &mut dyn FnMut(IncidentFigures) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let (from, until) = (fixed_time(from), fixed_time(until));
        let period = [Value::Text(&from), Value::Text(&until)];
        self.engine.each(&FIGURES_DECLARED, &period, &mut |row| {
            visit(read::figures(row)?)
        })
    }

    fn followups_after(
        &mut self,
        filter: &FollowupFilter,
        after: Option<FollowupKey>,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<Followup>, StoreError> {
        let page = PageParams::new(filter, after)?;
        let params = [
            Value::Text(&page.after_due),
            Value::Int(page.after_incident),
            Value::Int(page.after_action),
            Value::Text(page.states),
            Value::Text(&page.due_before),
            Value::Text(&page.owner),
            Value::int(limit),
        ];
        let mut rows = self
            .engine
            .rows(&FOLLOWUPS_AFTER, &params, read::followup)?;
        for row in &mut rows {
            row.overdue = row.action.is_overdue(now);
        }
        Ok(rows)
    }

    fn resume(&mut self, ended_since: Timestamp, recent: usize) -> Result<Resume, StoreError> {
        let since = fixed_time(ended_since);
        // The rows, the events and the groups of one moment, even while other replicas commit.
        self.engine.one_moment(|db| {
            let incidents = db.rows(&INCIDENTS_KEPT, &[Value::Text(&since)], read::incident)?;
            let mut tail = db.rows(&NEWEST_EVENTS, &[Value::int(recent)], read::event)?;
            tail.reverse();
            let newest = db.rows(&NEWEST_NUMBER, &[], read::int)?;
            Ok(Resume {
                incidents,
                tail,
                newest_number: newest
                    .first()
                    .and_then(|&number| u64::try_from(number).ok())
                    .unwrap_or_default(),
                groups: db.rows(&ALERT_GROUPS, &[], read::group)?,
            })
        })
    }

    fn begin(&mut self, after: u64) -> Result<Vec<Event>, StoreError> {
        self.engine.begin(after)
    }

    fn recall(&mut self, key: &IdempotencyKey) -> Result<Option<Remembered>, StoreError> {
        let key = [Value::Text(&key.actor), Value::Text(&key.key)];
        Ok(self.engine.rows(&RECALL, &key, read::remembered)?.pop())
    }

    fn commit(&mut self, commit: &Commit) -> Result<(), StoreError> {
        self.engine.commit(commit)
    }

    fn check_writable(&mut self) -> Result<(), StoreError> {
        self.engine.check_writable()
    }

    fn probe_write(&mut self) -> Result<(), StoreError> {
        self.engine.probe_write()
    }

    fn checkpoint(&mut self) -> Result<(), StoreError> {
        self.engine.checkpoint()
    }
}

/// The severities a list asks for as `INCIDENTS_BEFORE` takes them: `,P0,P1,` (none: empty).
fn severity_list(filter: &IncidentFilter) -> String {
    if filter.severities.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = filter.severities.iter().map(|s| s.as_str()).collect();
    format!(",{},", names.join(","))
}

/// The LIKE pattern (escaped with `\`) of a list's search text, lowered as the Rust rule
/// lowers it: `%text%`, never empty.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Severity;

    #[test]
    fn a_search_text_is_lowered_as_the_rule_lowers_it_and_likes_wildcards_are_plain() {
        // Unescaped, `%` and `_` would only let more through; `\` would drop `C:\Temp`.
        assert_eq!(like_pattern(r"100%_C:\Temp"), r"%100\%\_c:\\temp%");
        assert_eq!(like_pattern("ÉCHEC \u{212A}"), "%échec k%");
        assert_eq!(like_pattern(""), "%%");
    }

    #[test]
    fn severities_are_a_comma_list_each_name_found_between_commas() {
        let filter = IncidentFilter {
            severities: vec![Severity::new("P0"), Severity::new("P2")],
            ..IncidentFilter::default()
        };
        assert_eq!(severity_list(&filter), ",P0,P2,");
        assert_eq!(severity_list(&IncidentFilter::default()), "");
    }
}
