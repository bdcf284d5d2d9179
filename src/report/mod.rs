//! What the log teaches after the fact: the postmortem of one incident and the report across
//! incidents. Pure functions of folded incidents and their events; only `domain` below.

mod figures;
mod markdown;
mod postmortem;
mod table;

pub use figures::{
    CorrectiveCounts, Figures, IncidentLog, RECURRENCE_WINDOW_DAYS, Report, ReportQuery, Stat,
    report,
};
pub use postmortem::postmortem;
pub use table::report_lines;
