//! The test servers' PostgreSQL: with `COUNTERSIGN_TEST_BACKEND=postgres`,
//! every [`crate::Server`] keeps its data in a database of its own, made on
//! the throwaway cluster `scripts/postgres/start.sh` runs on 127.0.0.1 (its
//! URL in `COUNTERSIGN_TEST_POSTGRES`), so the same suite runs against both
//! backends. Cross-instance tests ask for a database with [`fresh_database`].

use ring::rand::SecureRandom;

/// The cluster's URL (`postgres://countersign@127.0.0.1:PORT/postgres`).
pub const CLUSTER_VARIABLE: &str = "COUNTERSIGN_TEST_POSTGRES";
/// `postgres` to run every test server on PostgreSQL; else SQLite.
pub const BACKEND_VARIABLE: &str = "COUNTERSIGN_TEST_BACKEND";

/// Whether this run's test servers use PostgreSQL.
pub fn selected() -> bool {
    std::env::var(BACKEND_VARIABLE).is_ok_and(|backend| backend == "postgres")
}

/// The cluster's URL; a test that needs it fails with what to run.
pub fn cluster_url() -> String {
    std::env::var(CLUSTER_VARIABLE).unwrap_or_else(|_| {
        panic!(
            "{CLUSTER_VARIABLE} is not set: run scripts/postgres/start.sh and export \
             {CLUSTER_VARIABLE}=$(cat target/postgres/url)"
        )
    })
}

/// A new, empty database on the cluster; its URL.
pub async fn fresh_database() -> String {
    let cluster = cluster_url();
    let (client, connection) = tokio_postgres::connect(&cluster, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|error| panic!("cannot reach PostgreSQL at {cluster}: {error}"));
    let connection = tokio::spawn(connection);
    let mut random = [0u8; 8];
    ring::rand::SystemRandom::new().fill(&mut random).unwrap();
    let name = format!(
        "countersign_test_{}",
        data_encoding::HEXLOWER.encode(&random)
    );
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    drop(client);
    let _ = connection.await;
    let mut url = url::Url::parse(&cluster).unwrap();
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Everything in the database at `url` as `pg_dump` writes it: what an
/// attacker holding a backup would read.
pub fn dump(url: &str) -> Vec<u8> {
    let output = std::process::Command::new(pg_dump_binary())
        .arg(format!("--dbname={url}"))
        .output()
        .unwrap_or_else(|error| panic!("pg_dump did not run: {error}"));
    assert!(
        output.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Debian keeps each version's tools under /usr/lib/postgresql/VERSION/bin;
/// the newest one's `pg_dump` reads any older server.
fn pg_dump_binary() -> std::path::PathBuf {
    let mut versions: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let binary = entry.path().join("bin/pg_dump");
            binary.exists().then_some((version, binary))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map_or_else(|| "pg_dump".into(), |(_, binary)| binary)
}
