//! The README's pictures are made by `scripts/pictures` from the real binary: run into a
//! temporary directory with no network (a network namespace of its own, with loopback only),
//! every picture the README links must come out as a PNG of its expected size.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and bench code: a panic is how it fails"
)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Each picture's size in pixels: a 200x50 terminal at 7.2 x 14 px a cell plus margins, and
/// a phone-to-laptop-wide page.
const EXPECTED: [(&str, (u32, u32)); 3] = [
    ("desk.png", (1465, 720)),
    ("wall.png", (1465, 720)),
    ("status.png", (900, 860)),
];

/// The pictures the README links under docs/pictures/.
fn linked_pictures(readme: &str) -> Vec<String> {
    readme
        .match_indices("docs/pictures/")
        .filter_map(|(at, prefix)| {
            let rest = &readme[at + prefix.len()..];
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))?;
            let name = &rest[..end];
            name.ends_with(".png").then(|| name.to_string())
        })
        .collect()
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.len() > 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR",
        "{} is not a PNG",
        path.display()
    );
    let word =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (word(16), word(20))
}

#[test]
fn every_picture_the_readme_shows_is_made_at_its_size_without_the_network() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let linked = linked_pictures(&readme);
    let expected: BTreeMap<&str, (u32, u32)> = EXPECTED.into_iter().collect();
    assert!(
        linked.iter().any(|name| name == "desk.png"),
        "the README shows no desk: {linked:?}"
    );
    for name in &linked {
        assert!(
            expected.contains_key(name.as_str()),
            "{name} has no expected size"
        );
        assert!(
            root.join("docs/pictures").join(name).exists(),
            "the README links {name}, which is not committed"
        );
    }

    let out = tempfile::tempdir().unwrap();
    // Loopback only: anything the script reached beyond this machine would fail it.
    let script = format!(
        "ip link set lo up && exec {} {}",
        root.join("scripts/pictures").display(),
        out.path().display()
    );
    let output = Command::new("unshare")
        .args(["--user", "--map-root-user", "--net", "sh", "-c", &script])
        .env("WARROOM_BIN", env!("CARGO_BIN_EXE_warroom"))
        .output()
        .expect("unshare (util-linux) runs");
    assert!(
        output.status.success(),
        "scripts/pictures failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for name in &linked {
        assert_eq!(
            png_size(&out.path().join(name)),
            expected[name.as_str()],
            "{name}"
        );
    }
}
