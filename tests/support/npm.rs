//! A package from the npm registry, installed once under the target directory (Debian's
//! `npm`, which scripts/test installs). A missing npm or registry fails the test; it never
//! skips it.

use std::path::PathBuf;
use std::process::Command;

/// A file of `spec` (`name@version`), installing the package first if it is not there.
pub fn package_file(spec: &str, file: &str) -> String {
    let (name, _) = spec.rsplit_once('@').expect("name@version");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("npm")
        .join(spec.replace(['/', '@'], "_"));
    let path = dir.join("node_modules").join(name).join(file);
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("a directory for npm");
        let output = Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--prefix",
            ])
            .arg(&dir)
            .arg(spec)
            .output()
            .expect("npm is not installed: scripts/test installs it (apt-get install npm)");
        assert!(
            output.status.success(),
            "npm install {spec} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
