//! Documents made from the event log, pure (no I/O, no clock reads): what the log teaches
//! after the fact (the postmortem of one incident and the report across incidents), the
//! public status page, and the text templates of public updates and summaries.

mod figures;
mod markdown;
mod postmortem;
pub mod status;
pub mod summary;
mod table;
pub mod template;

pub use figures::{
    CorrectiveCounts, Figures, RECURRENCE_WINDOW_DAYS, Report, ReportBuilder, ReportQuery, Stat,
};
pub use postmortem::postmortem;
pub use table::{followup_line, followups_header, report_lines};
