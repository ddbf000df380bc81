//! Both backends' schemas are kept in step: after every migration step the
//! same tables, columns and indexes exist on SQLite and on PostgreSQL (but for
//! PostgreSQL's own bookkeeping: `schema_version`, `challenges.seq`, primary
//! key indexes). Needs the throwaway cluster of `scripts/postgres/start.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use countersign_server::db::{Database, PostgresOptions, Sql};

async fn names(database: &Database, sql: &str) -> BTreeSet<String> {
    database
        .conn()
        .await
        .unwrap()
        .query_map(sql, &[], |row| row.get::<String>(0))
        .await
        .unwrap()
        .into_iter()
        .collect()
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/postgres/start.sh, then COUNTERSIGN_TEST_POSTGRES"]
async fn sqlite_and_postgresql_have_the_same_tables_columns_and_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Database::open_sqlite(&dir.path().join("server.sqlite")).unwrap();
    let url = countersign_testkit::postgres::fresh_database().await;
    let postgres = Database::open_postgres(&url, &PostgresOptions::default())
        .await
        .unwrap();

    let sqlite_columns = names(
        &sqlite,
        "SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
    )
    .await;
    let postgres_columns = names(
        &postgres,
        "SELECT table_name || '.' || column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name != 'schema_version'
           AND NOT (table_name = 'challenges' AND column_name = 'seq')",
    )
    .await;
    assert!(sqlite_columns.len() > 60, "{sqlite_columns:?}");
    assert_eq!(
        sqlite_columns
            .symmetric_difference(&postgres_columns)
            .collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "columns on one backend only"
    );

    let sqlite_indexes = names(
        &sqlite,
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'",
    )
    .await;
    let postgres_indexes = names(
        &postgres,
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey'",
    )
    .await;
    assert!(sqlite_indexes.contains("one_device_per_user"));
    assert_eq!(
        sqlite_indexes, postgres_indexes,
        "indexes on one backend only"
    );
}
