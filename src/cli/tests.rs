//! The command line as clap reads it.

use super::*;
use clap::CommandFactory;

#[test]
fn the_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn a_corrective_number_is_read_as_the_screens_write_it() {
    assert_eq!(parse_corrective_number("C2"), Ok(2));
    assert_eq!(parse_corrective_number(" c12 "), Ok(12));
    assert_eq!(parse_corrective_number("3"), Ok(3));
    for bad in ["C", "C0", "#2", "two", "-1"] {
        let error = parse_corrective_number(bad).unwrap_err();
        assert!(error.contains(&format!("'{bad}'")), "{error}");
    }
}
