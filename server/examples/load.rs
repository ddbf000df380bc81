//! Load on loopback: 1,000 enrolled devices; concurrent workers each start a
//! push (relying party), fetch it as the device (signed request), and approve it
//! (signed answer). Prints round trips per second and latency percentiles.
//!   cargo run --release -p countersign-server --example load \
//!       [-- SECONDS WORKERS [postgres://… [INSTANCES]]]
//! Without a database URL the server keeps its data in SQLite. With one, it
//! uses that (empty) PostgreSQL database, and with INSTANCES > 1 it runs that
//! many server instances on it, sharing keys and public URL, and sends the
//! requests round-robin over them as a load balancer without stickiness would
//! (each of a round trip's three requests may reach another instance).
//! Bounded: stops after SECONDS (default 10) or 200,000 round trips.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign_core::SystemClock;
use countersign_core::push::EnrollmentUri;
use countersign_core::push::jose::{self, Compact, JwsSigner, SoftwareKey};
use countersign_core::push::wire::*;
use countersign_core::{Clock, clock::UnixTime};
use countersign_server::Config;
use countersign_server::sealing::KeySource;
use reqwest::Client;
use serde_json::{Value, json};

const DEVICES: usize = 1_000;
const ADMIN: &str = "load-admin-token-0123456789";
const RP: &str = "load-rp-token-0123456789";

struct Device {
    user: String,
    id: String,
    key: SoftwareKey,
}

fn nonce() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new().fill(&mut bytes).unwrap();
    jose::base64url(&bytes)
}

fn now() -> UnixTime {
    SystemClock.now()
}

/// Where requests go: the public URL (what devices sign) and the instances.
struct Target {
    public: String,
    instances: Vec<String>,
}

impl Target {
    fn pick(&self, turn: usize) -> &str {
        &self.instances[turn % self.instances.len()]
    }
}

async fn enroll(http: &Client, target: &Target, index: usize) -> Device {
    let base = target.pick(index);
    let user = format!("user{index:04}");
    http.post(format!("{base}/v1/admin/users"))
        .bearer_auth(ADMIN)
        .json(&json!({ "name": user }))
        .send()
        .await
        .unwrap();
    let body: Value = http
        .post(format!("{base}/v1/admin/users/{user}/enrollments"))
        .bearer_auth(ADMIN)
        .json(&json!({ "kind": "push" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uri = EnrollmentUri::parse(body["uri"].as_str().unwrap()).unwrap();
    let key = SoftwareKey::generate().unwrap();
    let claims = EnrollClaims {
        token: uri.token,
        jwk: key.public_jwk(),
        platform: "desktop".into(),
        push_token: None,
        device_name: "load".into(),
        app_version: "0".into(),
        iat: now(),
        user_key: None,
    };
    let jws = jose::sign(TYP_ENROLL, &claims, &key, false).unwrap();
    let response: EnrollResponse = http
        .post(format!("{base}/v1/enroll"))
        .header("content-type", "application/jose")
        .body(jws)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let record: DeviceRecord = Compact::parse(&response.record).unwrap().claims().unwrap();
    let device = Device {
        user,
        id: record.device_id,
        key,
    };
    // Approve the server's enrollment confirmation, as the app does at once.
    let confirmation = challenges(http, target, base, &device)
        .await
        .into_iter()
        .map(|jws| {
            Compact::parse(&jws)
                .unwrap()
                .claims::<ChallengeClaims>()
                .unwrap()
        })
        .find(|claims| claims.kind == ChallengeKind::EnrollmentConfirm)
        .unwrap();
    assert_eq!(
        answer(http, base, &device, &confirmation.id, None).await,
        AnswerStatus::Approved
    );
    device
}

/// The device's pending challenges (signed request), as JWS.
async fn challenges(http: &Client, target: &Target, base: &str, device: &Device) -> Vec<String> {
    let path = format!("/v1/devices/{}/challenges", device.id);
    let request = RequestClaims {
        htm: "GET".into(),
        htu: format!("{}{path}", target.public),
        iat: now(),
        nonce: nonce(),
        push_token: None,
    };
    let auth = jose::sign(TYP_REQUEST, &request, &device.key, false).unwrap();
    let list: ChallengesResponse = http
        .get(format!("{base}{path}"))
        .header("authorization", format!("Countersign {auth}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list.challenges
}

/// Approves challenge `id` (signed answer).
async fn answer(
    http: &Client,
    base: &str,
    device: &Device,
    id: &str,
    number: Option<String>,
) -> AnswerStatus {
    let answer = AnswerClaims {
        challenge: id.into(),
        device: device.id.clone(),
        decision: Decision::Approve,
        fraud: false,
        number,
        uv: false,
        iat: now(),
    };
    let jws = jose::sign(TYP_ANSWER, &answer, &device.key, false).unwrap();
    let response: AnswerResponse = http
        .post(format!("{base}/v1/challenges/{id}/answer"))
        .header("content-type", "application/jose")
        .body(jws)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    response.status
}

/// One full round trip; returns its duration.
async fn round_trip(
    http: &Client,
    target: &Target,
    turn: usize,
    device: &Device,
    server_key: &countersign_core::push::Jwk,
) -> Duration {
    let started = Instant::now();
    let created: Value = http
        .post(format!("{}/v1/pushes", target.pick(turn)))
        .bearer_auth(RP)
        .json(&json!({ "user": device.user, "resource": "portal", "context": { "ip": "203.0.113.9", "time": 0 } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"));
    let list = challenges(http, target, target.pick(turn + 1), device).await;
    let challenge = Compact::parse(list.last().unwrap()).unwrap();
    challenge.verify(server_key, TYP_CHALLENGE).unwrap();
    let claims: ChallengeClaims = challenge.claims().unwrap();
    assert_eq!(claims.id, id);
    let number = created["number"].as_str().map(str::to_owned);
    assert_eq!(
        answer(http, target.pick(turn + 2), device, id, number).await,
        AnswerStatus::Approved
    );
    started.elapsed()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(10, |s| s.parse().unwrap());
    let workers: usize = args.next().map_or(16, |s| s.parse().unwrap());
    let database = args.next();
    let count: usize = args.next().map_or(1, |s| s.parse().unwrap());
    assert!(
        count == 1 || database.is_some(),
        "more than one instance needs a PostgreSQL database URL"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut servers = Vec::new();
    let mut public = None;
    for index in 0..count {
        let config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().join(format!("instance{index}")),
            database: database.clone(),
            database_pool_size: None,
            sealing_key: Some(KeySource::File(dir.path().join("sealing.key"))),
            key_file: Some(dir.path().join("server-key.pk8")),
            public_url: public.clone(),
            org: "Load".into(),
            admin_token: ADMIN.into(),
            rp_token: RP.into(),
            portal: Default::default(),
            delivery: Default::default(),
            attestation: Default::default(),
        };
        let server = countersign_server::start(&config, Arc::new(SystemClock))
            .await
            .unwrap();
        public.get_or_insert_with(|| server.base_url());
        servers.push(server);
    }
    let target = Arc::new(Target {
        public: public.unwrap(),
        instances: servers.iter().map(|server| server.base_url()).collect(),
    });
    println!(
        "{} instance(s) on {}",
        count,
        if database.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let server_key = servers[0].state.server_jwk.clone();
    let http = countersign_core::http::client_builder().build().unwrap();
    let enrolling = Instant::now();
    let mut devices = Vec::with_capacity(DEVICES);
    for index in 0..DEVICES {
        devices.push(enroll(&http, &target, index).await);
    }
    println!(
        "enrolled {DEVICES} devices in {:.1} s",
        enrolling.elapsed().as_secs_f64()
    );
    let devices = Arc::new(devices);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let cpu_before = (
        cpu_ticks(|comm| comm == "self"),
        cpu_ticks(|comm| comm == "postgres"),
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..workers {
        let (http, target, devices, server_key) = (
            http.clone(),
            target.clone(),
            devices.clone(),
            server_key.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            // Each worker owns every `workers`-th device: one pending push per user at a time.
            let mine: Vec<&Device> = devices.iter().skip(worker).step_by(workers).collect();
            let mut turn = 0;
            while Instant::now() < deadline && latencies.len() < 200_000 / workers {
                latencies.push(
                    round_trip(
                        &http,
                        &target,
                        worker + turn,
                        mine[turn % mine.len()],
                        &server_key,
                    )
                    .await,
                );
                turn += 1;
            }
            latencies
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = (
        cpu_ticks(|comm| comm == "self"),
        cpu_ticks(|comm| comm == "postgres"),
    );
    latencies.sort();
    let pick =
        |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
    println!(
        "{} round trips (push created, fetched by the device, approved) in {elapsed:.1} s with {workers} workers: {:.0} per second",
        latencies.len(),
        latencies.len() as f64 / elapsed
    );
    println!(
        "latency of one round trip (3 HTTP requests): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pick(0.5),
        pick(0.99),
        pick(1.0)
    );
    // Linux counts CPU time in ticks of 10 ms (USER_HZ 100).
    let per_trip =
        |before: u64, after: u64| (after - before) as f64 * 10.0 / latencies.len().max(1) as f64;
    println!(
        "CPU per round trip: this process (servers and load client) {:.2} ms, PostgreSQL {:.2} ms",
        per_trip(cpu_before.0, cpu_after.0),
        per_trip(cpu_before.1, cpu_after.1)
    );
    for server in servers {
        server.stop().await;
    }
}

/// User + system CPU ticks of this process (`"self"`) or of every process
/// whose name `matches` (PostgreSQL's backends), from /proc; 0 elsewhere.
fn cpu_ticks(matches: impl Fn(&str) -> bool) -> u64 {
    let ticks = |stat: &str| -> u64 {
        // Fields after the parenthesised name: utime is the 12th, stime the 13th.
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        fields
            .get(11)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
            + fields
                .get(12)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
    };
    if matches("self") {
        return std::fs::read_to_string("/proc/self/stat").map_or(0, |stat| ticks(&stat));
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|entry| {
            let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
            matches(comm.trim())
                .then(|| std::fs::read_to_string(entry.path().join("stat")).ok())
                .flatten()
        })
        .map(|stat| ticks(&stat))
        .sum()
}
