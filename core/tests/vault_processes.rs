//! The vault under real process death and real concurrency: child processes (this
//! test binary re-run as `vault_writer_child`) write to one vault file while the
//! parent kills them with SIGKILL or runs two at once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use countersign_core::keys::KeyFileSecretStore;
use countersign_core::uri::parse_otpauth;
use countersign_core::vault::CodeDisplay;
use countersign_core::{OtpKind, Vault};

const HOTP_NAME: &str = "hotp-counter";

fn spawn_writer(vault: &Path, keys: &Path, tag: &str, limit: Option<usize>) -> Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--ignored",
            "--exact",
            "vault_writer_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("COUNTERSIGN_TEST_VAULT", vault)
        .env("COUNTERSIGN_TEST_KEYS", keys)
        .env("COUNTERSIGN_TEST_TAG", tag)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(limit) = limit {
        command.env("COUNTERSIGN_TEST_LIMIT", limit.to_string());
    }
    command.spawn().unwrap()
}

/// What a writer reported as done: every line is printed after the vault call returned.
#[derive(Default)]
struct Acknowledged {
    added: Vec<(String, String)>,
    renamed: HashMap<String, u64>,
    hotp_codes: HashMap<String, u64>,
}

fn acknowledged(output: &str, into: &mut Acknowledged) {
    // libtest may print "test vault_writer_child ... " in front of the first line.
    for line in output
        .lines()
        .filter_map(|line| line.split_once("ACK ").map(|(_, ack)| ack))
    {
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["added", id, name] => into.added.push(((*id).to_owned(), (*name).to_owned())),
            ["renamed", id, generation] => {
                let generation: u64 = generation.parse().unwrap();
                let entry = into.renamed.entry((*id).to_owned()).or_default();
                *entry = (*entry).max(generation);
            }
            ["hotp", id] => *into.hotp_codes.entry((*id).to_owned()).or_default() += 1,
            _ => panic!("unexpected line {line:?}"),
        }
    }
}

fn check_vault(vault_path: &Path, keys: &Path, done: &Acknowledged) {
    let vault = Vault::open(
        vault_path,
        std::sync::Arc::new(KeyFileSecretStore::new(keys)),
    )
    .unwrap();
    assert_eq!(vault.integrity_check().unwrap(), "ok");
    let listed = vault.list(None).unwrap();
    let names: HashMap<&str, &str> = listed
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    for (id, name) in &done.added {
        let stored = names
            .get(id.as_str())
            .unwrap_or_else(|| panic!("acknowledged add of {name} ({id}) is lost"));
        assert!(
            stored.starts_with(name.as_str()),
            "{id}: {stored} vs {name}"
        );
    }
    for (id, generation) in &done.renamed {
        let stored = names[id.as_str()];
        let stored_generation: u64 = stored.rsplit("-r").next().unwrap().parse().unwrap();
        assert!(
            stored_generation >= *generation,
            "{id}: rename {generation} lost, name is {stored}"
        );
    }
    for (id, shown) in &done.hotp_codes {
        let hotp = listed.iter().find(|a| &a.id == id).unwrap();
        let OtpKind::Hotp { counter } = hotp.params.kind() else {
            panic!()
        };
        assert!(
            counter >= *shown,
            "counter {counter} < {shown} codes shown: a code could repeat"
        );
    }
    // Every account still opens and makes a code.
    for entry in vault.codes_view(1_700_000_000).unwrap().entries {
        assert!(
            !matches!(entry.display, CodeDisplay::Unavailable { .. }),
            "{entry:?}"
        );
    }
}

fn scratch() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault.sqlite");
    let keys = dir.path().join("keys");
    (dir, vault, keys)
}

#[test]
fn sigkill_at_random_points_never_loses_an_acknowledged_write() {
    let (_dir, vault, keys) = scratch();
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("seed {seed}");
    let mut done = Acknowledged::default();
    let started = Instant::now();
    let mut round = 0;
    while round < 12 && started.elapsed() < Duration::from_secs(20) {
        // xorshift: a different kill moment each round, reproducible from the seed.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_millis(100 + seed % 700);
        let mut child = spawn_writer(&vault, &keys, &format!("r{round}"), None);
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL on Unix
        let _ = child.wait();
        let mut output = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut output)
            .unwrap();
        acknowledged(&output, &mut done);
        check_vault(&vault, &keys, &done);
        round += 1;
    }
    let codes: u64 = done.hotp_codes.values().sum();
    println!(
        "{round} kills, {} acknowledged adds, {codes} HOTP codes",
        done.added.len()
    );
    assert!(
        done.added.len() > 20,
        "the writers must have made progress to prove anything"
    );
}

#[test]
fn two_processes_writing_at_once_lose_nothing() {
    let (_dir, vault, keys) = scratch();
    // Both children also race to create the vault and its key.
    let children = [
        spawn_writer(&vault, &keys, "a", Some(120)),
        spawn_writer(&vault, &keys, "b", Some(120)),
    ];
    let mut done = Acknowledged::default();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        acknowledged(&stdout, &mut done);
    }
    assert_eq!(done.added.len(), 240);
    check_vault(&vault, &keys, &done);
    let vault = Vault::open(&vault, std::sync::Arc::new(KeyFileSecretStore::new(&keys))).unwrap();
    assert_eq!(
        vault.list(None).unwrap().len(),
        240 + 2,
        "plus each writer's HOTP account"
    );
}

#[test]
fn an_import_killed_midway_leaves_all_or_nothing() {
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("seed {seed}");
    let (mut empty, mut full) = (0, 0);
    // At least 8 kills, and on until both outcomes were seen (a kill before the
    // commit and one after it): otherwise the test proved less than it says.
    for round in 0..40 {
        if round >= 8 && empty > 0 && full > 0 {
            break;
        }
        let (_dir, vault, keys) = scratch();
        // The vault and its key exist before the import starts.
        Vault::open(&vault, std::sync::Arc::new(KeyFileSecretStore::new(&keys))).unwrap();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = spawn_writer(&vault, &keys, &format!("import{round}"), Some(IMPORT_SIZE));
        std::thread::sleep(Duration::from_millis(20 + seed % 400));
        child.kill().unwrap();
        let _ = child.wait();
        let mut output = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut output)
            .unwrap();
        let vault =
            Vault::open(&vault, std::sync::Arc::new(KeyFileSecretStore::new(&keys))).unwrap();
        assert_eq!(vault.integrity_check().unwrap(), "ok");
        let count = vault.list(None).unwrap().len();
        assert!(
            count == 0 || count == IMPORT_SIZE,
            "round {round}: {count} accounts, a partial import"
        );
        if output.contains("ACK imported") {
            assert_eq!(count, IMPORT_SIZE, "an acknowledged import is complete");
        }
        if count == 0 { empty += 1 } else { full += 1 }
    }
    println!("{empty} imports killed before commit, {full} complete");
    assert!(
        empty > 0 && full > 0,
        "both outcomes must be seen: {empty} empty, {full} complete"
    );
}

const IMPORT_SIZE: usize = 3000;

/// Not a test on its own: the writer that the tests above run as a child process.
#[test]
#[ignore = "run by the process tests as a child"]
fn vault_writer_child() {
    let Ok(vault_path) = std::env::var("COUNTERSIGN_TEST_VAULT") else {
        return;
    };
    let keys = KeyFileSecretStore::new(std::env::var("COUNTERSIGN_TEST_KEYS").unwrap());
    let tag = std::env::var("COUNTERSIGN_TEST_TAG").unwrap();
    let limit: usize =
        std::env::var("COUNTERSIGN_TEST_LIMIT").map_or(usize::MAX, |l| l.parse().unwrap());
    let mut vault = Vault::open(Path::new(&vault_path), std::sync::Arc::new(keys)).unwrap();
    if tag.starts_with("import") {
        // One import transaction of many accounts, as `countersign import` makes.
        let accounts: Vec<_> = (0..limit)
            .map(|i| {
                let secret =
                    data_encoding::BASE32_NOPAD.encode(format!("{tag}{i:0>18}").as_bytes());
                parse_otpauth(&format!("otpauth://totp/I:{tag}-{i}?secret={secret}"))
                    .unwrap()
                    .account
            })
            .collect();
        vault.add_all(&accounts, 0).unwrap();
        println!("ACK imported");
        return;
    }
    let hotp_uri = format!(
        "otpauth://hotp/{tag}:{HOTP_NAME}?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0"
    );
    let hotp_id = match vault.add(&parse_otpauth(&hotp_uri).unwrap().account, 0) {
        Ok(id) => id,
        Err(_) => {
            vault
                .list(Some(HOTP_NAME))
                .unwrap()
                .into_iter()
                .find(|a| a.issuer.as_deref() == Some(&tag))
                .unwrap()
                .id
        }
    };
    let mut mine: Vec<String> = Vec::new();
    for i in 0..limit {
        let name = format!("{tag}-{i}");
        // A distinct secret per account: the index in base32, padded to 160 bits.
        let secret = data_encoding::BASE32_NOPAD.encode(format!("{tag}{i:0>18}").as_bytes());
        let uri = format!("otpauth://totp/W:{name}?secret={secret}");
        let id = vault.add(&parse_otpauth(&uri).unwrap().account, 0).unwrap();
        println!("ACK added {id} {name}");
        mine.push(id);
        if i % 3 == 2 {
            let target = &mine[i / 2];
            let base = format!("{tag}-{}", i / 2);
            vault
                .rename(target, Some("W"), &format!("{base}-r{i}"))
                .unwrap();
            println!("ACK renamed {target} {i}");
        }
        if i % 4 == 3 {
            vault.move_to(&mine[i / 3], 0).unwrap();
        }
        if i % 5 == 4 {
            vault.next_hotp_code(&hotp_id).unwrap();
            println!("ACK hotp {hotp_id}");
        }
    }
}
