//! The statements both stores run, in the text both dialects agree on (placeholders written
//! SQLite's way, `?N`; see `query.rs`). What the dialects write differently stays with each
//! store: the tables and their upgrades, the batch write, the outbox's claim in PostgreSQL.
//!
//! Times are fixed-width RFC 3339 text in both stores, so that text order is time order.

use super::query::Query;

// The log. Events are read as `(seq, incident, at, actor, kind, via, intended_at)`, the
// columns `read::event` expects.

/// A page of the log after a seq, ascending.
pub static EVENTS_AFTER: Query = Query::new(
    "SELECT seq, incident, at, actor, kind, via, intended_at FROM events \
     WHERE seq > ?1 ORDER BY seq LIMIT ?2",
);

/// A page of one incident's log after a seq, ascending. PostgreSQL finds it through the
/// index `events_by_incident`; SQLite through `timeline` up to `folded.head` and the tail of
/// the log beyond it (at most a thousand events and a batch, see `sqlite/commit.rs`).
pub static INCIDENT_EVENTS_AFTER: Query = Query::dialects(
    "SELECT seq, incident, at, actor, kind, via, intended_at FROM events \
     WHERE seq IN (SELECT seq FROM timeline WHERE incident = ?1 AND seq > ?2 \
                   ORDER BY seq LIMIT ?3) \
     UNION ALL \
     SELECT seq, incident, at, actor, kind, via, intended_at FROM events \
     WHERE seq > (SELECT max(head, ?2) FROM folded) AND incident = ?1 \
     ORDER BY seq LIMIT ?3",
    "SELECT seq, incident, at, actor, kind, via, intended_at FROM events \
     WHERE incident = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
);

/// The newest events, newest first.
pub static NEWEST_EVENTS: Query = Query::new(
    "SELECT seq, incident, at, actor, kind, via, intended_at FROM events \
     ORDER BY seq DESC LIMIT ?1",
);

// The snapshot rows (see `snapshot.rs`), read as `(number, body)` (`read::incident`).

pub static INCIDENT: Query = Query::new("SELECT number, body FROM incidents WHERE number = ?1");

pub static INCIDENTS: Query = Query::new("SELECT number, body FROM incidents ORDER BY number");

/// The incidents with public updates declared since a time: the status page's history.
pub static INCIDENTS_PUBLISHED_SINCE: Query = Query::new(
    "SELECT number, body FROM incidents WHERE published AND declared_at >= ?1 ORDER BY number",
);

// The figures beside the snapshot rows, read as `(number, figures)` (`read::figures`).

/// The figures of the incidents declared in `[?1, ?2]`, in declaration order: the report's.
pub static FIGURES_DECLARED: Query = Query::new(
    "SELECT number, figures FROM incidents WHERE declared_at >= ?1 AND declared_at <= ?2 \
     ORDER BY declared_at, number",
);

/// A page of the figures of the incidents with corrective actions, numbered above `?1`, at
/// most `?2`: what an upgrade fills the follow-ups' rows from (schema 9).
pub static FIGURES_WITH_FOLLOWUPS: Query = Query::new(
    "SELECT number, figures FROM incidents WHERE followups > 0 AND number > ?1 \
     ORDER BY number LIMIT ?2",
);

// The follow-ups' rows (see `followups.rs`), read as `(number, title, action)`
// (`read::followup`).

/// A page of the follow-ups in their order (due, incident, id): those after the cursor
/// (`?1`, `?2`, `?3`; `''`, 0, 0 for the first page), of the states `?4` (`any`, `open` or
/// `closed`), open and due before `?5` (`''`: any), owned by `?6` (lower-cased; `''`: anyone),
/// at most `?7`. The index on (due_at, number, id) serves the order and the cursor, so a page
/// reads its rows and the ones its filters pass over, never the whole table.
pub static FOLLOWUPS_AFTER: Query = Query::new(
    "SELECT f.number, i.title, f.action FROM followups f JOIN incidents i ON i.number = f.number \
     WHERE (f.due_at, f.number, f.id) > (?1, ?2, ?3) \
     AND (?4 = 'any' OR (?4 = 'open' AND f.state = 'open') \
          OR (?4 = 'closed' AND f.state <> 'open')) \
     AND (?5 = '' OR (f.state = 'open' AND f.due_at < ?5)) \
     AND (?6 = '' OR f.owner = ?6) \
     ORDER BY f.due_at, f.number, f.id LIMIT ?7",
);

/// A page of a list, newest first (`SqlStore::incidents_before` binds it): the incidents
/// numbered below `?1`; `?2` `open`, `ended` or `any`; declared in [`?3`, `?4`); of the service
/// `?5` and the status `?6`; of a severity among `?7` (written `,P0,P1,`); whose title, id or
/// service may contain the text `?8` (a LIKE pattern); at most `?9`. An empty text is no
/// condition. The Rust rule (`IncidentFilter::matches`) has the final word on every row; this
/// SQL only spares it the rows it would refuse, and must never drop one it would keep:
///
/// - service, status and severity are exact: `=`, and the severity's `,name,` found in the
///   list, compare text as Rust's `==` does (a name holding a comma can only be let through);
/// - the text: Rust lowers needle and haystack by Unicode's rules (`É` is `é`, the Kelvin sign
///   `K` is `k`, `İ` is `i` and a combining dot). SQLite's `lower()` and LIKE fold ASCII only,
///   and PostgreSQL's `lower()` follows the database's locale (in a Turkish one `I` lowers to
///   `ı`). So a column is lowered by ASCII's rule alone (PostgreSQL's `lower()` under the "C"
///   collation), which is exact where the column is all ASCII: Rust lowers it the same way,
///   and LIKE finds a needle Rust lowered in it exactly when Rust does. A column holding
///   anything else (more UTF-8 bytes than characters) is let through for Rust to judge. The
///   id, `INC-n`, is ASCII.
///
/// The time bounds are written so that no index on `declared_at` can serve them: the plan
/// walks the numbers down and stops at the limit (a range on that index made SQLite sort every
/// row first, 150 ms for 5,000 incidents). `$find` is each dialect's "where in this text is
/// that one" (0: nowhere), `$title` and `$service` its `sqlite_may_contain!` or
/// `postgres_may_contain!`.
macro_rules! incidents_before {
    ($find:literal, $title:expr, $service:expr) => {
        concat!(
            "SELECT number, body FROM incidents WHERE number < ?1 \
             AND (?2 = 'any' OR (?2 = 'open' AND open) OR (?2 = 'ended' AND NOT open)) \
             AND (?3 = '' OR declared_at >= ?3) AND (?4 = '' OR declared_at < ?4) \
             AND (?5 = '' OR service = ?5) AND (?6 = '' OR status = ?6) \
             AND (?7 = '' OR ",
            $find,
            "(?7, ',' || severity || ',') > 0) \
             AND (?8 = '' OR ('inc-' || number) LIKE ?8 ESCAPE '\\' OR ",
            $title,
            " OR ",
            $service,
            ") ORDER BY number DESC LIMIT ?9"
        )
    };
}

/// Whether SQLite's `$column` may contain the needle `?8`: not all ASCII (its text is UTF-8,
/// and `length` counts characters up to a NUL: a NUL only lets more through), or, lowered
/// (SQLite's `lower()` is ASCII's), like it.
macro_rules! sqlite_may_contain {
    ($column:literal) => {
        concat!(
            "octet_length(",
            $column,
            ") <> length(",
            $column,
            ") OR lower(",
            $column,
            ") LIKE ?8 ESCAPE '\\'"
        )
    };
}

/// Whether PostgreSQL's `$column` may contain the needle `?8`: not all ASCII (counted in
/// UTF-8 whatever the database's encoding), or, lowered under the "C" collation (ASCII's
/// rule), like it.
macro_rules! postgres_may_contain {
    ($column:literal) => {
        concat!(
            "octet_length(convert_to(",
            $column,
            ", 'UTF8')) <> length(",
            $column,
            ") OR lower(",
            $column,
            " COLLATE \"C\") LIKE ?8 ESCAPE '\\'"
        )
    };
}

pub static INCIDENTS_BEFORE: Query = Query::dialects(
    incidents_before!(
        "instr",
        sqlite_may_contain!("title"),
        sqlite_may_contain!("service")
    ),
    incidents_before!(
        "strpos",
        postgres_may_contain!("title"),
        postgres_may_contain!("service")
    ),
);

/// What a replica keeps in memory: the open incidents and those ended since a time.
pub static INCIDENTS_KEPT: Query =
    Query::new("SELECT number, body FROM incidents WHERE open OR ended_at >= ?1 ORDER BY number");

pub static NEWEST_NUMBER: Query = Query::new("SELECT coalesce(max(number), 0) FROM incidents");

/// Every Alertmanager group with the newest incident it opened or joined.
pub static ALERT_GROUPS: Query = Query::new(
    "SELECT alert_group, max(number) FROM incidents \
     WHERE alert_group IS NOT NULL GROUP BY alert_group",
);

/// Up to which seq the snapshot rows are folded.
pub static FOLDED_HEAD: Query = Query::new("SELECT head FROM folded");

/// The readiness probe's write. The two updates leave the row as it was but dirty its page,
/// which the commit must write and flush, so a full disk refuses it as it refuses a real
/// commit (a rollback writes nothing, nor does an empty commit, nor an update to the same
/// value). Run as one transaction.
pub const PROBE_WRITE: &str =
    "UPDATE folded SET head = head + 1; UPDATE folded SET head = head - 1;";

// The answers kept for idempotency keys, read as `read::remembered` expects.

pub static RECALL: Query = Query::new(
    "SELECT request, stored_at, status, body, location FROM idempotency \
     WHERE actor = ?1 AND key = ?2",
);

/// The answers stored before a time: expired.
pub static FORGET_BEFORE: Query = Query::new("DELETE FROM idempotency WHERE stored_at < ?1");

// The notification outbox, read as `read::delivery` expects.

/// The outbox's columns in the order `read::delivery` reads them.
macro_rules! delivery_columns {
    () => {
        "id, target, incident, seq, body, created_at, state, attempts, last_error, \
         next_attempt_at, finished_at, first_attempt_at"
    };
}

/// The deliveries whose time has come (`?1`), at most `?2`, each the head of its queue: the
/// oldest pending delivery of its (target, incident), its lowest `pos` (the insertion order),
/// so that deliveries of one incident to one target never overtake.
macro_rules! due_heads {
    () => {
        "FROM outbox o WHERE state = 'pending' AND next_attempt_at <= ?1 \
         AND pos = (SELECT MIN(pos) FROM outbox h \
                    WHERE h.state = 'pending' AND h.target = o.target \
                      AND h.incident = o.incident) \
         ORDER BY pos LIMIT ?2"
    };
}

/// The due deliveries, for the one worker of a SQLite store.
pub static DUE: Query = Query::new(concat!("SELECT ", delivery_columns!(), " ", due_heads!()));

/// The due deliveries, claimed until `?3` for this replica's worker: see `postgres/claim.rs`.
/// `RETURNING` gives no order, so `pos` comes first to sort by.
pub static CLAIM_DUE: Query = Query::new(concat!(
    "UPDATE outbox SET next_attempt_at = ?3 WHERE pos IN (SELECT pos ",
    due_heads!(),
    " FOR UPDATE SKIP LOCKED) RETURNING pos, ",
    delivery_columns!()
));

/// Delivery `?1` delivered at `?2`.
pub static DELIVERED: Query = Query::new(
    "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, \
     finished_at = ?2, next_attempt_at = NULL WHERE id = ?1",
);

/// Delivery `?1` failed at `?4` with `?2`, to be tried again at `?3`; its first attempt is
/// kept (or is this one), for `give_up_after`.
pub static RETRY: Query = Query::new(
    "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, \
     next_attempt_at = ?3, first_attempt_at = coalesce(first_attempt_at, ?4) WHERE id = ?1",
);

/// Delivery `?1` given up at `?3` after failing with `?2`.
pub static DEAD: Query = Query::new(
    "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?2, \
     finished_at = ?3, next_attempt_at = NULL, \
     first_attempt_at = coalesce(first_attempt_at, ?3) WHERE id = ?1",
);

/// The deliveries not delivered, counted by target and standing (a pending one whose last
/// attempt failed is `failing`), for `/metrics`.
pub static UNDELIVERED: Query = Query::new(
    "SELECT target, CASE WHEN state = 'pending' AND last_error IS NOT NULL THEN 'failing' \
                         ELSE state END AS standing, count(*) \
     FROM outbox WHERE state IN ('pending', 'dead') \
     GROUP BY target, standing ORDER BY target, standing",
);

/// Resends delivery `?2` (dead, or pending: then at once), due `?1`, its give-up time counted
/// afresh from its next first attempt.
pub static RESEND_ONE: Query = Query::new(
    "UPDATE outbox SET state = 'pending', next_attempt_at = ?1, finished_at = NULL, \
     first_attempt_at = NULL WHERE id = ?2 AND state IN ('pending', 'dead')",
);

/// Resends every dead delivery, due `?1`, as [`RESEND_ONE`] does one.
pub static RESEND_DEAD: Query = Query::new(
    "UPDATE outbox SET state = 'pending', next_attempt_at = ?1, finished_at = NULL, \
     first_attempt_at = NULL WHERE state = 'dead'",
);

/// The state of delivery `?1`, to tell a delivered one from an unknown id.
pub static DELIVERY_STATE: Query = Query::new("SELECT state FROM outbox WHERE id = ?1");

/// The newest deliveries first.
pub static RECENT: Query = Query::new(concat!(
    "SELECT ",
    delivery_columns!(),
    " FROM outbox ORDER BY pos DESC LIMIT ?1"
));

/// The newest dead and failing deliveries first.
pub static RECENT_FAILED: Query = Query::new(concat!(
    "SELECT ",
    delivery_columns!(),
    " FROM outbox WHERE state = 'dead' OR (state = 'pending' AND last_error IS NOT NULL) \
     ORDER BY pos DESC LIMIT ?1"
));

pub static NEXT_DUE: Query =
    Query::new("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'");

pub static PENDING: Query = Query::new("SELECT count(*) FROM outbox WHERE state = 'pending'");
