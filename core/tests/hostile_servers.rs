//! A push server that answers with more than any real one sends: the phone
//! stops reading at 1 MiB and says so, instead of holding the whole body in
//! memory (before the cap, a server could exhaust the phone with one answer).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use countersign_core::FixedClock;
use countersign_core::http::MAX_RESPONSE_BYTES;
use countersign_core::keys::MemorySecretStore;
use countersign_core::push::device::{DeviceInfo, EnrollmentCode, PushDevice, PushError};
use countersign_core::push::privacyidea::{ClientError, PiClient};
use countersign_core::push::{EnrollmentUri, SoftwareKey};
use countersign_core::vault::Vault;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone, Copy)]
enum Framing {
    /// Content-Length says 2 MiB up front.
    Declared,
    /// Chunked: the size shows only while reading.
    Chunked,
}

/// Answers every request with a 2 MiB JSON string; returns its base URL.
async fn oversized_server(framing: Framing) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut request = [0u8; 8192];
                let _ = socket.read(&mut request).await;
                let body = format!("\"{}\"", "x".repeat(2 * MAX_RESPONSE_BYTES));
                let head = match framing {
                    Framing::Declared => format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    ),
                    Framing::Chunked => "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_owned(),
                };
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                match framing {
                    Framing::Declared => {
                        let _ = socket.write_all(body.as_bytes()).await;
                    }
                    Framing::Chunked => {
                        for chunk in body.as_bytes().chunks(64 * 1024) {
                            let frame = format!("{:x}\r\n", chunk.len());
                            if socket.write_all(frame.as_bytes()).await.is_err()
                                || socket.write_all(chunk).await.is_err()
                                || socket.write_all(b"\r\n").await.is_err()
                            {
                                return;
                            }
                        }
                        let _ = socket.write_all(b"0\r\n\r\n").await;
                    }
                }
            });
        }
    });
    base
}

fn enrollment_uri(base: &str) -> String {
    let server_key = SoftwareKey::generate().unwrap();
    EnrollmentUri {
        url: base.to_owned(),
        token: "tok_0123456789abcdefghijkl".into(),
        sk: countersign_core::push::JwsSigner::public_jwk(&server_key).thumbprint(),
        user: "alice".into(),
        org: "Example".into(),
        exp: 2_000_000_000,
    }
    .build()
}

async fn enroll_against(framing: Framing) -> Result<(), PushError> {
    let base = oversized_server(framing).await;
    let device = PushDevice::new(Arc::new(FixedClock::new(1_767_268_800)))
        .unwrap()
        .allowing_loopback_http();
    let dir = tempfile::tempdir().unwrap();
    let vault = Vault::open(
        &dir.path().join("vault.sqlite"),
        std::sync::Arc::new(MemorySecretStore::new()),
    )
    .unwrap();
    let info = DeviceInfo {
        platform: "android".into(),
        push_token: None,
        device_name: "test".into(),
        app_version: "1".into(),
    };
    device
        .enroll(
            &vault.into(),
            EnrollmentCode::new(&enrollment_uri(&base), 1_767_268_800),
            &info,
        )
        .await
        .map(|_| ())
}

#[tokio::test]
async fn a_declared_oversized_answer_is_refused() {
    let result = enroll_against(Framing::Declared).await;
    assert!(
        matches!(result, Err(PushError::AnswerTooLarge)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_chunked_oversized_answer_is_refused_while_reading() {
    let result = enroll_against(Framing::Chunked).await;
    assert!(
        matches!(result, Err(PushError::AnswerTooLarge)),
        "{result:?}"
    );
}

#[tokio::test]
async fn privacyidea_answers_are_capped_too() {
    let base = oversized_server(Framing::Chunked).await;
    let client = PiClient::new(countersign_core::http::client_builder().build().unwrap());
    let result = client.get(&format!("{base}/ttype/push"), true, &[]).await;
    match result {
        Err(ClientError::Network(reason)) => assert!(reason.contains("1024 KiB"), "{reason}"),
        other => panic!("expected the answer refused, got {other:?}"),
    }
}
