//! Two `countersign-server` processes on one PostgreSQL database, as behind a
//! load balancer: the rules that must hold across instances (pending limit,
//! one answer, one enrollment per code, one use per TOTP step and per request
//! nonce, the fraud lock) are raced from both sides at once, and a long poll
//! on one instance sees the answer given on the other.
//!
//! They need the throwaway cluster of `scripts/postgres/start.sh`
//! (`COUNTERSIGN_TEST_POSTGRES`); `.ci/run` starts it and runs them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Harness, Phone, RP, ServerProcess, problem};
use countersign_core::push::wire::{ChallengeKind, Decision, ProblemType};
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const NEEDS_POSTGRES: &str =
    "needs PostgreSQL: scripts/postgres/start.sh, then COUNTERSIGN_TEST_POSTGRES";

/// Two instances on a fresh database sharing the signing and sealing keys,
/// the tokens and the public URL (the first one's address, standing for the
/// load balancer's).
struct Pair {
    a: ServerProcess,
    b: ServerProcess,
    _dir: tempfile::TempDir,
}

impl Pair {
    async fn start() -> Self {
        let database = countersign_testkit::postgres::fresh_database().await;
        let dir = tempfile::tempdir().unwrap();
        let port = countersign_testkit::free_port();
        let public_url = format!("http://127.0.0.1:{port}");
        let a = spawn(
            &dir,
            "a",
            &database,
            &format!("127.0.0.1:{port}"),
            &public_url,
            &[],
        );
        // The first instance has made the schema and the shared keys; the
        // second runs on a small pool.
        let b = spawn(
            &dir,
            "b",
            &database,
            "127.0.0.1:0",
            &public_url,
            &["--database-pool-size", "4"],
        );
        Self { a, b, _dir: dir }
    }

    /// Admin and relying-party calls go to the first instance, like the
    /// phone's enrollment (its public URL).
    fn harness(&self) -> Harness {
        Harness::remote(&self.a.base)
    }

    fn bases(&self) -> [&str; 2] {
        [&self.a.base, &self.b.base]
    }
}

fn spawn(
    dir: &tempfile::TempDir,
    name: &str,
    database: &str,
    listen: &str,
    public_url: &str,
    extra: &[&str],
) -> ServerProcess {
    let path = |file: &str| dir.path().join(file).to_str().unwrap().to_owned();
    let (data, key, sealing) = (path(name), path("server-key.pk8"), path("sealing.key"));
    let mut args = vec![
        "--listen",
        listen,
        "--public-url",
        public_url,
        "--data",
        &data,
        "--key-file",
        &key,
        "--sealing-key-file",
        &sealing,
        "--database",
        database,
    ];
    args.extend_from_slice(extra);
    ServerProcess::start(&args, &[])
        .unwrap_or_else(|said| panic!("instance {name} did not start: {said}"))
}

async fn rp_post(base: &str, path: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(RP)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn push_body(user: &str) -> Value {
    json!({ "user": user, "resource": "portal", "kind": "login",
            "context": { "ip": "203.0.113.24", "time": 0 } })
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/postgres/start.sh, then COUNTERSIGN_TEST_POSTGRES"]
async fn pushes_created_on_both_instances_at_once_keep_the_pending_limit() {
    let pair = Pair::start().await;
    let h = pair.harness();
    let _phone = h.enrolled("ann").await;
    h.set_policy(json!({ "max_pending": 3 })).await;
    let creations = (0..200).map(|i| {
        let base = pair.bases()[i % 2].to_owned();
        async move {
            rp_post(&base, "/v1/pushes", push_body("ann"))
                .await
                .status()
        }
    });
    let statuses = join_all(creations).await;
    let created = statuses
        .iter()
        .filter(|status| **status == StatusCode::CREATED)
        .count();
    let limited = statuses
        .iter()
        .filter(|status| **status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        (created, limited),
        (3, 197),
        "{NEEDS_POSTGRES}: {statuses:?}"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/postgres/start.sh, then COUNTERSIGN_TEST_POSTGRES"]
async fn one_signed_answer_sent_to_both_instances_is_accepted_once() {
    let pair = Pair::start().await;
    let h = pair.harness();
    let phone = h.enrolled("bob").await;
    let (id, number) = h.push("bob", "portal").await;
    let answer = phone.answer_jws(&id, Decision::Approve, number.as_deref(), false, false);
    let sends = pair.bases().map(|base| {
        let jws = answer.clone();
        let url = format!("{base}/v1/challenges/{id}/answer");
        async move {
            reqwest::Client::new()
                .post(url)
                .header("content-type", "application/jose")
                .body(jws)
                .send()
                .await
                .unwrap()
        }
    });
    let mut responses = join_all(sends).await;
    responses.sort_by_key(|response| response.status());
    let second = responses.pop().unwrap();
    let first = responses.pop().unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let refused = problem(second, ProblemType::AlreadyAnswered).await;
    assert_eq!(refused["decision"], "approved");
    assert_eq!(h.push_status(&id).await["status"], "approved");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/postgres/start.sh, then COUNTERSIGN_TEST_POSTGRES"]
async fn one_enrollment_code_sent_to_both_instances_enrolls_one_device() {
    let pair = Pair::start().await;
    let h = pair.harness();
    h.user("cara").await;
    let uri = h.enrollment_uri("cara").await;
    let mut phones = [Phone::new(&h), Phone::new(&h)];
    phones[1].send_to = pair.b.base.clone();
    let [first, second] = &mut phones;
    let (one, two) = tokio::join!(
        first.enroll_unconfirmed(&uri),
        second.enroll_unconfirmed(&uri)
    );
    let (enrolled, refused) = match (one, two) {
        (Ok(record), Err(response)) | (Err(response), Ok(record)) => (record, response),
        (one, two) => panic!(
            "exactly one phone must enroll: {:?} / {:?}",
            one.map(|r| r.device_id),
            two.map(|r| r.device_id)
        ),
    };
    problem(refused, ProblemType::TokenUsed).await;
    let user: Value = h
        .admin(Method::GET, "/v1/admin/users/cara", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["device"]["id"], enrolled.device_id.as_str());
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/postgres/start.sh, then COUNTERSIGN_TEST_POSTGRES"]
async fn one_totp_code_sent_to_both_instances_is_accepted_once() {
    let pair = Pair::start().await;
    let h = pair.harness();
    h.user("dan").await;
    let account = h.totp_account("dan").await;
    let code = account.code_at(h.now()).unwrap().value;
    let verifications = pair.bases().map(|base| {
        let code = code.clone();
        async move {
            rp_post(
                base,
                "/v1/totp/verify",
                json!({ "user": "dan", "code": code }),
            )
            .await
        }
    });
    let mut responses = join_all(verifications).await;
    responses.sort_by_key(|response| response.status());
    let second = responses.pop().unwrap();
    assert_eq!(responses.pop().unwrap().status(), StatusCode::OK);
    problem(second, ProblemType::WrongCode).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/postgres/start.sh, then COUNTERSIGN_TEST_POSTGRES"]
async fn one_signed_request_sent_to_both_instances_is_served_once() {
    let pair = Pair::start().await;
    let h = pair.harness();
    let phone = h.enrolled("eve").await;
    let path = format!("/v1/devices/{}/challenges", phone.device_id);
    let jws = phone.request_jws("GET", &path, h.now(), &Phone::fresh_nonce());
    let requests = pair.bases().map(|base| {
        let url = format!("{base}{path}");
        let jws = jws.clone();
        async move {
            reqwest::Client::new()
                .get(url)
                .header("authorization", format!("Countersign {jws}"))
                .send()
                .await
                .unwrap()
        }
    });
    let mut responses = join_all(requests).await;
    responses.sort_by_key(|response| response.status());
    let second = responses.pop().unwrap();
    assert_eq!(responses.pop().unwrap().status(), StatusCode::OK);
    problem(second, ProblemType::Replayed).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/postgres/start.sh, then COUNTERSIGN_TEST_POSTGRES"]
async fn a_fraud_report_on_one_instance_locks_pushes_on_the_other() {
    let pair = Pair::start().await;
    let h = pair.harness();
    let mut phone = h.enrolled("fay").await;
    let (id, _) = h.push("fay", "portal").await;
    phone.send_to = pair.b.base.clone();
    let answer = phone.answer(&id, Decision::Deny, None, false, true).await;
    assert_eq!(answer.status(), StatusCode::OK);
    problem(
        rp_post(&pair.a.base, "/v1/pushes", push_body("fay")).await,
        ProblemType::FraudLocked,
    )
    .await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/postgres/start.sh, then COUNTERSIGN_TEST_POSTGRES"]
async fn a_long_poll_on_one_instance_returns_the_answer_given_on_the_other() {
    let pair = Pair::start().await;
    let h = pair.harness();
    let mut phone = h.enrolled("gus").await;
    let (id, number) = h.push("gus", "portal").await;
    // The poll on A waits up to 30 s; without word from B it would come back
    // `pending` only then (A re-reads a push on its own only when it expires).
    let poll = {
        let url = format!("{}/v1/pushes/{id}?wait=30", pair.a.base);
        tokio::spawn(async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(RP)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    // Let A's poll read `pending` first.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    phone.send_to = pair.b.base.clone();
    let pending = phone.pending().await;
    assert_eq!(pending[0].kind, ChallengeKind::Login);
    let answer = phone
        .answer(&id, Decision::Approve, number.as_deref(), false, false)
        .await;
    assert_eq!(answer.status(), StatusCode::OK);
    let polled = tokio::time::timeout(std::time::Duration::from_secs(20), poll)
        .await
        .expect("the long poll on A did not return when B recorded the answer")
        .unwrap();
    assert_eq!(polled["status"], "approved");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/postgres/start.sh, then COUNTERSIGN_TEST_POSTGRES"]
async fn mail_requests_counted_on_many_connections_at_once_keep_their_limit() {
    use countersign_server::attempt_throttle::count_request;
    use countersign_server::db::{Database, PostgresOptions};
    let url = countersign_testkit::postgres::fresh_database().await;
    let database = Database::open_postgres(&url, &PostgresOptions { pool_size: 16 })
        .await
        .unwrap();
    // 64 requests over 16 connections, as many instances' would arrive.
    let requests = (0..64).map(|_| {
        let database = database.clone();
        async move {
            let conn = database.conn().await.unwrap();
            count_request(&conn, "reset-mail:jane", 10, 900, 1_000)
                .await
                .unwrap()
        }
    });
    let outcomes = join_all(requests).await;
    let allowed = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    assert_eq!(allowed, 10, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|outcome| *outcome == Ok(()) || *outcome == Err(900))
    );
}
