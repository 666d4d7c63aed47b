//! Helpers shared by the integration tests: where `../shared` is, and
//! whether its absence skips or fails the test (as in `stack/tests/common`).
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared` next to the repository, when present. When it is absent the
/// test prints "skipped: ../shared not found" and the caller returns early,
/// unless `H248_REQUIRE_SHARED=1` (as CI sets), which fails the test instead.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared"));
    if dir.join("corpus").is_dir() {
        return Some(dir);
    }
    if std::env::var("H248_REQUIRE_SHARED").as_deref() == Ok("1") {
        panic!("H248_REQUIRE_SHARED=1 but {} is missing", dir.display());
    }
    eprintln!("skipped: ../shared not found");
    None
}

/// A fresh scratch directory under the system temp dir.
pub fn scratch_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("h248-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory can be created");
    dir
}
