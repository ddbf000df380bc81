//! Delivery throughput and added latency: the reference server creates pushes
//! through its relying-party API (signing, storing, auditing, as in normal
//! work) while its dispatcher delivers them to the test kit's local APNs peer
//! over one HTTP/2 connection. Criterion measures deliveries per second
//! (batches of 500 pushes to 500 users, 32 requests in flight); before it, 500
//! pushes made at a steady 500 a second print the p50 and p99 of the time from
//! the relying party's `201` to the peer's receipt.
//!   cargo bench -p countersign-testkit --bench push_delivery

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign_core::push::device::DeviceInfo;
use countersign_testkit::push_services::PushServices;
use countersign_testkit::{Phone, RP, START, Server, Setup, TestClock};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use data_encoding::BASE64URL_NOPAD;
use serde_json::{Value, json};

const USERS: usize = 500;
const APNS_TOKEN: &str = "5f1c9e0a7d3b42e8a6c1f09b3d7e24a8c5b19f6e0d3a7c2b8e4f1a9d6c0b3e72";

struct Bench {
    services: PushServices,
    server: Server,
    _phone: Phone,
}

async fn setup() -> Bench {
    let clock = Arc::new(TestClock::fixed(START));
    let services = PushServices::start(clock.clone()).await;
    let server = Server::start_with(Setup {
        delivery: services.delivery_config(),
        clock: Some(clock),
        ..Setup::default()
    })
    .await;
    // One phone holding every user's account (as a shared test device would).
    let phone = Phone::new(&server, 0);
    let info = DeviceInfo {
        platform: "ios".into(),
        device_name: "Bench iPhone".into(),
        app_version: "0.1.0".into(),
        push_token: Some(APNS_TOKEN.into()),
    };
    for user in 0..USERS {
        let uri = server.enrollment_uri(&format!("user{user}")).await;
        phone.enroll_as(&uri, &info).await.unwrap();
    }
    Bench {
        services,
        server,
        _phone: phone,
    }
}

/// How many relying-party requests are in flight at once (a pool of
/// connections, as a web application would keep).
const CONCURRENT_REQUESTS: usize = 32;

async fn create_push(bench: &Bench, user: usize) -> (String, Instant) {
    let response = bench
        .server
        .http
        .post(format!("{}/v1/pushes", bench.server.base))
        .bearer_auth(RP)
        .json(
            &json!({ "user": format!("user{user}"), "resource": "portal",
                       "context": { "ip": "203.0.113.24", "location": "Berlin, DE" } }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    (body["id"].as_str().unwrap().to_owned(), Instant::now())
}

/// One push per user, `CONCURRENT_REQUESTS` at a time, or one every `pace`
/// when given; returns each push's id and the instant its `201` arrived.
async fn push_batch(bench: &Arc<Bench>, pace: Option<Duration>) -> Vec<(String, Instant)> {
    // The previous batch's pushes expire: the pending limit frees every user.
    bench.server.clock.advance(61);
    let slots = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_REQUESTS));
    let mut tasks = Vec::with_capacity(USERS);
    for user in 0..USERS {
        if let Some(pace) = pace {
            tokio::time::sleep(pace).await;
        }
        let slot = slots.clone().acquire_owned().await.unwrap();
        let bench = bench.clone();
        tasks.push(tokio::spawn(async move {
            let created = create_push(&bench, user).await;
            drop(slot);
            created
        }));
    }
    let mut created = Vec::with_capacity(USERS);
    for task in tasks {
        created.push(task.await.unwrap());
    }
    created
}

fn challenge_id(payload: &Value) -> String {
    let jws = payload["countersign_challenge"].as_str().unwrap();
    let claims = BASE64URL_NOPAD
        .decode(jws.split('.').nth(1).unwrap().as_bytes())
        .unwrap();
    let claims: Value = serde_json::from_slice(&claims).unwrap();
    claims["id"].as_str().unwrap().to_owned()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn delivery(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let bench = Arc::new(runtime.block_on(setup()));

    // Added latency: the relying party's answer → the provider's receipt, at
    // a steady 500 pushes a second.
    runtime.block_on(async {
        // Warm up: the HTTP/2 connection, the provider token, the caches.
        let before = bench.services.received_count();
        push_batch(&bench, None).await;
        bench.services.wait_until(before + USERS).await;
        let before = bench.services.received_count();
        let created = push_batch(&bench, Some(Duration::from_millis(2))).await;
        let received = bench.services.wait_for(before + USERS).await;
        let arrived: HashMap<String, Instant> = received[before..]
            .iter()
            .map(|r| (challenge_id(&r.body), r.at))
            .collect();
        let mut latencies: Vec<Duration> = created
            .iter()
            .map(|(id, answered)| arrived[id].saturating_duration_since(*answered))
            .collect();
        latencies.sort();
        eprintln!(
            "added delivery latency over {USERS} pushes at 500/s: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            percentile(&latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies.last().unwrap().as_secs_f64() * 1e3,
        );
    });

    let mut group = c.benchmark_group("push_delivery");
    group.sample_size(10);
    group.throughput(Throughput::Elements(USERS as u64));
    group.bench_function("create_and_deliver_500_over_one_http2_connection", |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let before = bench.services.received_count();
                    let started = Instant::now();
                    push_batch(&bench, None).await;
                    bench.services.wait_until(before + USERS).await;
                    total += started.elapsed();
                }
                total
            })
        })
    });
    group.finish();
    assert!(bench.services.refused().is_empty());
}

criterion_group!(benches, delivery);
criterion_main!(benches);
