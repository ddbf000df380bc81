//! Replays every fuzz target's corpus on stable: the files in
//! `fuzz/corpus/<target>/` (seeds, the hostile files of the security review,
//! and whatever a fuzzing run found and was kept), plus the real export files
//! and photos of `../shared/testdata`, through exactly the functions the
//! fuzzers run. A panic here is a fuzzing finding that came back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use countersign_core::push::jose;
use countersign_core::push::wire::TYP_CHALLENGE;
use countersign_core::push::{JwsSigner, SoftwareKey};
use countersign_core::transfer::ImportFormat;
use countersign_fuzz_bodies::{TARGETS, import_as, jws};

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn shared_testdata(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/testdata")
        .join(part)
}

#[test]
fn every_target_replays_its_corpus() {
    for (target, body) in TARGETS {
        let files = files_under(&corpus(target));
        assert!(!files.is_empty(), "fuzz/corpus/{target} is empty");
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            println!("{target}: {}", file.display());
            body(&bytes);
        }
    }
}

#[test]
fn every_importer_reads_every_corpus_and_fixture_file() {
    let mut files = files_under(&corpus("import"));
    files.extend(
        files_under(&shared_testdata("import"))
            .into_iter()
            .filter(|path| !path.ends_with("manifest.json")),
    );
    assert!(files.len() > 40, "the shared export fixtures are missing");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        import_as(&bytes, None);
        for format in ImportFormat::ALL {
            import_as(&bytes, Some(format));
        }
    }
}

#[test]
fn a_well_formed_signed_challenge_goes_through_the_jws_target() {
    let key = SoftwareKey::generate().unwrap();
    let claims = serde_json::json!({ "id": "ch_1", "device": "dv_1", "exp": 1 });
    let signed = jose::sign(TYP_CHALLENGE, &claims, &key, false).unwrap();
    jws(signed.as_bytes());
    // Every prefix: cut-off tokens on the way in.
    for end in 0..signed.len() {
        jws(&signed.as_bytes()[..end]);
    }
    let _ = key.public_jwk();
}

/// Deterministic mutations of every corpus file (bit flips, cuts, repeats):
/// a few thousand fuzz-like inputs on stable, the same on every run.
#[test]
fn mutated_corpus_files_are_handled() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (target, body) in TARGETS {
        for file in files_under(&corpus(target)) {
            let original = std::fs::read(&file).unwrap();
            for round in 0..32 {
                let mut bytes = original.clone();
                let at = |len: usize, random: u64| (random % len.max(1) as u64) as usize;
                match round % 4 {
                    0 if !bytes.is_empty() => {
                        let index = at(bytes.len(), next());
                        bytes[index] ^= 1 << (next() % 8);
                    }
                    1 => bytes.truncate(at(bytes.len() + 1, next())),
                    2 if !bytes.is_empty() => {
                        let index = at(bytes.len(), next());
                        let piece = bytes[index..].to_vec();
                        bytes.extend_from_slice(&piece);
                    }
                    _ => {
                        let index = at(bytes.len() + 1, next());
                        bytes.insert(index, next() as u8);
                    }
                }
                body(&bytes);
            }
        }
    }
}
