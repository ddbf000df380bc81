//! The diagnostics collector over HTTP (docs/server.md, "Diagnostics
//! collector"): a batch is stored as typed rows and counted right; unknown
//! members, free text and the sender's address never reach the database;
//! other schemas, oversized bodies and floods are refused; the report needs
//! the admin token and the Admin Portal shows it. Runs on either backend
//! (`COUNTERSIGN_TEST_BACKEND=postgres`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ADMIN, Harness, RP, problem};
use countersign_protocol::wire::ProblemType;
use countersign_server::db::Sql;
use countersign_testkit::START;
use countersign_testkit::form_browser::FormBrowser;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

const INSTALL_A: &str = "00112233445566778899aabbccddeeff";
const INSTALL_B: &str = "ffeeddccbbaa99887766554433221100";
/// The hour before the test clock's start (which is on the hour).
const HOUR: i64 = START - 3600;
const DAY: i64 = 86_400;

/// Markers posted in members the schema does not have: none may be stored.
const MARKERS: [&str; 3] = ["jane@example.com", "203.0.113.9", "Jane Doe iPhone"];

fn batch(install: &str, app_version: &str, events: Vec<Value>) -> Value {
    json!({
        "schema": 1,
        "install": install,
        "environment": {
            "app_version": app_version, "core_version": "0.1.0", "platform": "android",
            "os_version": "14", "device_class": "phone", "language": "de"
        },
        "events": events,
    })
}

fn timing(stage: &str, millis: u64) -> Value {
    json!({ "hour": HOUR, "event": "push_timing", "stage": stage, "millis": millis })
}

fn refused(problem: &str) -> Value {
    json!({ "hour": HOUR, "event": "answer_refused", "problem": problem })
}

async fn post(h: &Harness, body: &Value) -> Response {
    h.http
        .post(format!("{}/v1/diagnostics", h.base))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn accepted(h: &Harness, body: &Value) -> i64 {
    let response = post(h, body).await;
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    answer["accepted"].as_i64().unwrap()
}

async fn report(h: &Harness, since: i64) -> Value {
    let response = h
        .admin(
            reqwest::Method::GET,
            &format!("/v1/admin/diagnostics?since={since}"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn row_count(h: &Harness) -> i64 {
    h.db()
        .await
        .query_row("SELECT COUNT(*) FROM diagnostic_events", &[], |row| {
            row.get(0)
        })
        .await
        .unwrap()
}

/// Every stored row, every column as text (the columns as the database
/// lists them, so a column added later is read too).
async fn stored_rows(h: &Harness) -> Vec<String> {
    let db = h.db().await;
    let columns_sql = if h.on_sqlite() {
        "SELECT name FROM pragma_table_info('diagnostic_events') ORDER BY cid"
    } else {
        "SELECT column_name FROM information_schema.columns
         WHERE table_name = 'diagnostic_events' ORDER BY ordinal_position"
    };
    let columns: Vec<String> = db
        .query_map(columns_sql, &[], |row| row.get(0))
        .await
        .unwrap();
    assert!(columns.len() >= 17, "{columns:?}");
    let select = columns
        .iter()
        .map(|column| format!("CAST({column} AS TEXT)"))
        .collect::<Vec<_>>()
        .join(", ");
    db.query_map(
        &format!("SELECT {select} FROM diagnostic_events ORDER BY id"),
        &[],
        |row| {
            let values: Vec<String> = (0..columns.len())
                .map(|index| {
                    row.get::<Option<String>>(index)
                        .map(|value| value.unwrap_or_else(|| "NULL".into()))
                })
                .collect::<Result<_, _>>()?;
            Ok(values.join("|"))
        },
    )
    .await
    .unwrap()
}

/// Two installs' batches: every kind of event, two outside the window.
async fn post_sample(h: &Harness) {
    let mut events = vec![
        refused("wrong_number"),
        refused("wrong_number"),
        json!({ "hour": HOUR, "event": "enrollment_failed", "check": "network" }),
        json!({ "hour": HOUR, "event": "scan_finished", "outcome": "decoded", "frames": 4, "millis": 256 }),
        json!({ "hour": HOUR, "event": "scan_finished", "outcome": "no_qr", "frames": 64, "millis": 2048 }),
        json!({ "hour": HOUR, "event": "import_finished", "format": "aegis", "outcome": "imported", "accounts": 4 }),
        json!({ "hour": HOUR, "event": "import_finished", "format": "aegis", "outcome": "wrong_password", "accounts": 0 }),
        json!({ "hour": HOUR, "event": "vault_opened", "millis": 16, "version": 5 }),
        json!({ "hour": HOUR, "event": "vault_opened", "millis": 32, "migrated_from": 4, "version": 5 }),
        timing("issued_to_verified", 512),
        timing("issued_to_verified", 1024),
        // Too old and not yet: dropped.
        json!({ "hour": START - 31 * DAY, "event": "enrollment_failed", "check": "storage" }),
        json!({ "hour": START + 3600, "event": "enrollment_failed", "check": "storage" }),
    ];
    for millis in [128, 256, 256, 512, 1024, 1024, 1024, 2048, 4096, 8192] {
        events.push(timing("answer_round_trip", millis));
    }
    assert_eq!(accepted(h, &batch(INSTALL_A, "1.2.0", events)).await, 21);
    let other = vec![
        refused("wrong_number"),
        json!({ "hour": START - 3 * DAY, "event": "push_verify_failed", "reason": "expired" }),
    ];
    assert_eq!(accepted(h, &batch(INSTALL_B, "1.1.0", other)).await, 2);
}

#[tokio::test]
async fn a_batch_is_stored_and_its_failures_and_timings_are_counted() {
    let h = Harness::start().await;
    post_sample(&h).await;
    assert_eq!(row_count(&h).await, 23);

    let all = report(&h, 0).await;
    assert_eq!(all["events"], 23, "{all}");
    assert_eq!(all["installs"], 2, "{all}");
    let error = |event: &str, code: &str, version: &str, count: i64| json!({ "event": event, "code": code, "app_version": version, "count": count });
    assert_eq!(
        all["errors"],
        json!([
            error("answer_refused", "wrong_number", "1.2.0", 2),
            error("answer_refused", "wrong_number", "1.1.0", 1),
            error("enrollment_failed", "network", "1.2.0", 1),
            error("import_finished", "wrong_password", "1.2.0", 1),
            error("push_verify_failed", "expired", "1.1.0", 1),
            error("scan_finished", "no_qr", "1.2.0", 1),
        ]),
        "{all}"
    );
    // Nearest rank: p of n values is the value at rank ceil(p × n / 100).
    // answer_round_trip, 10 values 128 256 256 512 1024 1024 1024 2048 4096
    // 8192: ranks 5, 9, 10. Two values: ranks 1, 2, 2.
    let timing = |event: &str, stage: Option<&str>, count: i64, p: [i64; 3]| {
        json!({ "event": event, "stage": stage, "count": count,
                "p50_ms": p[0], "p90_ms": p[1], "p99_ms": p[2] })
    };
    assert_eq!(
        all["timings"],
        json!([
            timing(
                "push_timing",
                Some("answer_round_trip"),
                10,
                [1024, 4096, 8192]
            ),
            timing(
                "push_timing",
                Some("issued_to_verified"),
                2,
                [512, 1024, 1024]
            ),
            timing("scan_finished", None, 2, [256, 2048, 2048]),
            timing("vault_opened", None, 2, [16, 32, 32]),
        ]),
        "{all}"
    );

    // The window is of event hours: the event from three days ago is out.
    let today = report(&h, START - DAY).await;
    assert_eq!(today["events"], 22, "{today}");
    assert!(
        !today["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "push_verify_failed"),
        "{today}"
    );

    let future = report(&h, START + DAY).await;
    assert_eq!(future["events"], 0, "{future}");
    assert_eq!(future["errors"], json!([]), "{future}");
    assert_eq!(future["timings"], json!([]), "{future}");

    // The stored row: the event's hour, the server's hour of receipt, the
    // numbers; nothing else.
    let rows = stored_rows(&h).await;
    let opened = rows
        .iter()
        .find(|row| row.contains("|vault_opened|") && row.contains("|32|"))
        .unwrap();
    assert!(
        opened.ends_with(&format!(
            "|{START}|{INSTALL_A}|1.2.0|0.1.0|android|14|phone|de|vault_opened|NULL|NULL|{HOUR}|32|NULL|NULL|4|5"
        )),
        "{opened}"
    );
}

#[tokio::test]
async fn unknown_members_are_dropped_and_no_address_is_stored() {
    let h = Harness::start().await;
    let mut body = batch(
        INSTALL_A,
        "1.2.0",
        vec![json!({
            "hour": HOUR, "event": "answer_refused", "problem": "wrong_number",
            "user": MARKERS[0], "ip": MARKERS[1], "note": MARKERS[2],
        })],
    );
    body["email"] = json!(MARKERS[0]);
    body["ip"] = json!(MARKERS[1]);
    body["environment"]["user"] = json!(MARKERS[0]);
    body["environment"]["ip"] = json!(MARKERS[1]);
    body["environment"]["device_name"] = json!(MARKERS[2]);
    let response = h
        .http
        .post(format!("{}/v1/diagnostics", h.base))
        // Not a trusted proxy: ignored, and never stored either way.
        .header("x-forwarded-for", MARKERS[1])
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.json::<Value>().await.unwrap()["accepted"], 1);

    let rows = stored_rows(&h).await;
    assert_eq!(rows.len(), 1);
    for marker in MARKERS.iter().chain(&["127.0.0.1", "jane"]) {
        assert!(!rows[0].contains(marker), "{marker} in {}", rows[0]);
    }
    let shown = report(&h, 0).await.to_string();
    let dump = h.database_dump();
    for marker in MARKERS {
        assert!(!shown.contains(marker), "{marker} in the report");
        assert!(
            !dump
                .windows(marker.len())
                .any(|window| window == marker.as_bytes()),
            "{marker} in the database"
        );
    }
}

#[tokio::test]
async fn free_text_in_a_closed_field_is_refused_and_nothing_is_stored() {
    let h = Harness::start().await;
    let good = batch(INSTALL_A, "1.2.0", vec![refused("wrong_number")]);
    let mut bodies = Vec::new();
    let mut with = |pointer: &str, value: Value| {
        let mut body = good.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        bodies.push(body);
    };
    with("/events/0/problem", json!("jane@example.com"));
    with("/events/0/event", json!("note"));
    with("/install", json!("jane@example.com"));
    with("/environment/app_version", json!("1.2.0 (Jane's iPhone)"));
    with("/environment/os_version", json!("SM-G991B"));
    with("/environment/language", json!("Jane's phone"));
    with("/environment/platform", json!("Jane's iPhone"));
    with(
        "/events/0",
        json!({ "hour": HOUR, "event": "import_finished", "format": "jane-secrets.json",
                "outcome": "imported", "accounts": 4 }),
    );
    with(
        "/events/0",
        json!({ "hour": HOUR, "event": "push_timing", "stage": "answer_round_trip", "millis": 1000 }),
    );
    for body in &bodies {
        let refusal = problem(post(&h, body).await, ProblemType::MalformedRequest).await;
        assert!(
            refusal["detail"]
                .as_str()
                .unwrap()
                .starts_with("not a diagnostics batch"),
            "{refusal}"
        );
    }
    assert_eq!(row_count(&h).await, 0);
    // The same batch without them is fine.
    assert_eq!(accepted(&h, &good).await, 1);
}

#[tokio::test]
async fn another_schema_is_refused_naming_the_one_accepted() {
    let h = Harness::start().await;
    let mut body = batch(INSTALL_A, "1.2.0", vec![refused("wrong_number")]);
    body["schema"] = json!(2);
    let refusal = problem(post(&h, &body).await, ProblemType::UnsupportedVersion).await;
    assert_eq!(refusal["supported"], json!([1]), "{refusal}");
    assert!(
        refusal["detail"].as_str().unwrap().contains("schema 1"),
        "{refusal}"
    );
    body.as_object_mut().unwrap().remove("schema");
    problem(post(&h, &body).await, ProblemType::MalformedRequest).await;
    assert_eq!(row_count(&h).await, 0);
}

#[tokio::test]
async fn oversized_bodies_and_batches_are_refused() {
    let h = Harness::start().await;
    let event = json!({ "hour": HOUR, "event": "vault_opened", "millis": 16, "version": 5 });
    // Over 64 KiB: 413, whatever the body says.
    let huge = batch(INSTALL_A, "1.2.0", vec![event.clone(); 1200]);
    assert!(huge.to_string().len() > 64 * 1024);
    let refusal = problem(post(&h, &huge).await, ProblemType::PayloadTooLarge).await;
    assert_eq!(refusal["max_bytes"], 65_536);
    // Under 64 KiB but more than 500 events.
    let many = batch(INSTALL_A, "1.2.0", vec![event.clone(); 501]);
    assert!(many.to_string().len() < 64 * 1024);
    let refusal = problem(post(&h, &many).await, ProblemType::MalformedRequest).await;
    assert!(
        refusal["detail"].as_str().unwrap().contains("500"),
        "{refusal}"
    );
    assert_eq!(row_count(&h).await, 0);
    // 500 are stored.
    let most = batch(INSTALL_A, "1.2.0", vec![event; 500]);
    assert_eq!(accepted(&h, &most).await, 500);
    assert_eq!(row_count(&h).await, 500);
}

#[tokio::test]
async fn over_sixty_batches_an_hour_from_one_address_are_refused() {
    let h = Harness::start().await;
    let body = batch(INSTALL_A, "1.2.0", vec![refused("wrong_number")]);
    for _ in 0..60 {
        assert_eq!(accepted(&h, &body).await, 1);
    }
    let response = post(&h, &body).await;
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().unwrap().to_owned());
    let refusal = problem(response, ProblemType::RateLimited).await;
    assert_eq!(refusal["retry_after"], 3600, "{refusal}");
    assert_eq!(retry_after.as_deref(), Some("3600"));
    assert_eq!(row_count(&h).await, 60);
    // An hour after the first batch the address may send again.
    h.clock.advance(1800);
    let refusal = problem(post(&h, &body).await, ProblemType::RateLimited).await;
    assert_eq!(refusal["retry_after"], 1800, "{refusal}");
    h.clock.advance(1800);
    assert_eq!(accepted(&h, &body).await, 1);
}

#[tokio::test]
async fn rows_are_pruned_ninety_days_after_they_arrived() {
    let h = Harness::start().await;
    let body = batch(INSTALL_A, "1.2.0", vec![refused("wrong_number")]);
    assert_eq!(accepted(&h, &body).await, 1);
    h.clock.advance(91 * DAY);
    let later = START + 91 * DAY;
    let body = batch(
        INSTALL_B,
        "1.2.1",
        vec![json!({ "hour": later - 3600, "event": "answer_refused", "problem": "expired" })],
    );
    assert_eq!(accepted(&h, &body).await, 1);
    let rows = stored_rows(&h).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains(INSTALL_B), "{}", rows[0]);
}

#[tokio::test]
async fn the_report_needs_the_admin_token() {
    let h = Harness::start().await;
    post_sample(&h).await;
    let url = format!("{}/v1/admin/diagnostics", h.base);
    problem(
        h.http.get(&url).send().await.unwrap(),
        ProblemType::Unauthorized,
    )
    .await;
    problem(
        h.http.get(&url).bearer_auth(RP).send().await.unwrap(),
        ProblemType::Unauthorized,
    )
    .await;
    let response = h.http.get(&url).bearer_auth(ADMIN).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap()["events"], 23);
}

#[tokio::test]
async fn the_admin_portal_shows_the_counts() {
    let h = Harness::start().await;
    post_sample(&h).await;
    let mut browser = FormBrowser::new(&h.base);
    let signed_out = browser.get("/admin/diagnostics").await;
    assert_eq!(signed_out.location.as_deref(), Some("/admin/login"));
    let csrf = browser.get("/admin/login").await.csrf().unwrap();
    let signed_in = browser
        .post("/admin/login", &csrf, &[("token", ADMIN)])
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);

    let page = browser.get("/admin/diagnostics").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"nav-diagnostics\""));
    // The last 7 days by default: all 23 events, from 2 installs.
    assert_eq!(page.text_of("diag-events").as_deref(), Some("23"));
    assert_eq!(page.text_of("diag-installs").as_deref(), Some("2"));
    assert!(
        page.text_of("diagnostics-about")
            .unwrap()
            .contains("No IP addresses"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(
            "<tr><td>answer_refused</td><td>wrong_number</td><td>1.2.0</td><td>2</td></tr>"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(
            "<tr><td>push_timing</td><td>answer_round_trip</td><td>10</td><td>1024</td><td>4096</td><td>8192</td></tr>"
        ),
        "{}",
        page.body
    );
    // One day: the event from three days ago is not counted.
    let today = browser.get("/admin/diagnostics?days=1").await;
    assert_eq!(today.text_of("diag-events").as_deref(), Some("22"));
    assert!(!today.body.contains("push_verify_failed"));
}
