//! The module map holds: every `crate::` path in `src/` follows an arrow that `src/lib.rs`
//! draws, and the arrows themselves never allow the ones the design forbids.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Arrows = BTreeMap<String, BTreeSet<String>>;

/// The arrows drawn in `src/lib.rs`'s ```text block: `module → a, b, c`.
fn drawn_arrows(lib: &str) -> Arrows {
    let block = lib
        .split("//! ```text\n")
        .nth(1)
        .and_then(|rest| rest.split("//! ```").next())
        .expect("src/lib.rs draws the arrows in a ```text block");
    block
        .lines()
        .map(|line| line.trim_start_matches("//!").trim())
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (from, to) = line
                .split_once('→')
                .expect("each line is `module → modules`");
            let to = to
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(String::from)
                .collect();
            (from.trim().to_string(), to)
        })
        .collect()
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a file belongs to: `src/tui/app/mod.rs` → `tui`, `src/duration.rs`
/// → `duration`; `None` for the crate root files.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let first = file.strip_prefix(src).ok()?.components().next()?;
    let name = first
        .as_os_str()
        .to_str()?
        .trim_end_matches(".rs")
        .to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// Every module named by a `crate::name` path in code, including each name of a grouped
/// import (`use crate::{server, tui::app};`, which may span lines). Comments (from `//` to the
/// end of a line) are skipped, so a doc link to another layer is not an import.
fn imported_modules(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|line| line.split_once("//").map_or(line, |(code, _comment)| code))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        match rest.strip_prefix('{') {
            Some(group) => found.extend(group_heads(group)),
            None => found.extend(leading_name(rest)),
        }
    }
    found
}

/// The identifier a path starts with: `server::Engine` → `server`.
fn leading_name(path: &str) -> Option<String> {
    let name: String = path
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The first name of each item of a `{…}` group, read up to its closing brace: `server, tui::{a,
/// b}}` → `server`, `tui`. Nested groups belong to their item and are skipped.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut item_start = true;
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if item_start && !c.is_whitespace() => {
                item_start = false;
                heads.extend(leading_name(&group[at..]));
            }
            _ => {}
        }
    }
    heads
}

/// Every arrow the code has: module → modules it imports.
fn actual_arrows(src: &Path) -> Arrows {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut arrows = Arrows::new();
    for file in files {
        let Some(from) = module_of(src, &file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("a source file is readable");
        let imports = arrows.entry(from.clone()).or_default();
        imports.extend(imported_modules(&text).into_iter().filter(|to| *to != from));
    }
    arrows
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn lib_arrows() -> Arrows {
    drawn_arrows(&std::fs::read_to_string(src().join("lib.rs")).unwrap())
}

#[test]
fn every_import_follows_an_arrow_drawn_in_lib_rs() {
    let drawn = lib_arrows();
    let mut stray = Vec::new();
    for (from, imports) in actual_arrows(&src()) {
        let Some(allowed) = drawn.get(&from) else {
            stray.push(format!("{from} is not in src/lib.rs's map"));
            continue;
        };
        for to in imports.difference(allowed) {
            stray.push(format!("{from} → {to}"));
        }
    }
    assert!(
        stray.is_empty(),
        "arrows not drawn in src/lib.rs: {stray:?}"
    );
}

#[test]
fn the_map_keeps_the_layers_apart() {
    let drawn = lib_arrows();
    let allows = |from: &str, to: &str| drawn.get(from).is_some_and(|set| set.contains(to));
    assert!(
        drawn["domain"].is_empty(),
        "domain imports nothing of the crate"
    );
    assert_eq!(
        drawn["store"],
        BTreeSet::from(["domain".to_string()]),
        "store imports only domain"
    );
    for forbidden in ["tui", "client"] {
        assert!(!allows("server", forbidden), "server → {forbidden}");
    }
    for forbidden in ["server", "store", "cli"] {
        assert!(!allows("tui", forbidden), "tui → {forbidden}");
    }
    for forbidden in ["server", "tui"] {
        assert!(!allows("prometheus", forbidden), "prometheus → {forbidden}");
    }
}

#[test]
fn the_map_has_no_cycle() {
    let drawn = lib_arrows();
    // Depth-first search from every module; a module met again on the current path is a cycle.
    fn visit<'a>(
        at: &'a str,
        drawn: &'a Arrows,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(at) {
            return;
        }
        assert!(!path.contains(&at), "cycle: {path:?} → {at}");
        path.push(at);
        for next in drawn.get(at).into_iter().flatten() {
            visit(next, drawn, path, done);
        }
        path.pop();
        done.insert(at);
    }
    let mut done = BTreeSet::new();
    for from in drawn.keys() {
        visit(from, &drawn, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_checker_sees_an_arrow_that_is_not_allowed() {
    // The scan itself: a forbidden import is found, a comment or a longer name is not.
    let imports = imported_modules(
        "use crate::server::Engine;\n// see crate::tui\nlet x = mycrate::cli::y;\nf(crate::store::open());",
    );
    assert_eq!(
        imports,
        BTreeSet::from(["server".to_string(), "store".to_string()])
    );
    // Grouped imports, over several lines and nested, name every module they reach.
    let grouped = imported_modules(
        "use crate::{\n    server::{Engine, engine::Draft},\n    tui, // the desk\n    store::Store,\n};\nuse crate::{cli};",
    );
    assert_eq!(
        grouped,
        ["cli", "server", "store", "tui"]
            .map(String::from)
            .into_iter()
            .collect::<BTreeSet<_>>()
    );
    let drawn = lib_arrows();
    assert!(
        !imports.is_subset(&drawn["tui"]),
        "tui → server must be caught"
    );
}
