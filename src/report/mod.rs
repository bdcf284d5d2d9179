//! Documents made from the event log, pure (no I/O, no clock reads): the public status page
//! and the text templates of public updates.

pub mod status;
pub mod summary;
pub mod template;
