//! The whole program is in the library (`warroom::cli::entry`), compiled once.

fn main() -> std::process::ExitCode {
    warroom::cli::entry::main()
}
