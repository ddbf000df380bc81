//! The layering ARCHITECTURE.md promises, checked on the sources: the vault
//! lends its file to push and never learns push's types, so the dependency runs
//! one way.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::Path;

#[test]
fn the_vault_does_not_use_push_or_the_protocol() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/vault");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for forbidden in ["crate::push", "countersign_protocol", "super::super::push"] {
                assert!(
                    !code.contains(forbidden),
                    "{}:{} uses {forbidden}: {line}",
                    path.display(),
                    number + 1
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 5, "read {checked} files from {}", dir.display());
}
