//! The portal's mail over a real SMTP conversation (the test kit's SMTP
//! server on 127.0.0.1), and the operator's app download link on the
//! enrollment page.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use countersign_server::PortalConfig;
use countersign_testkit::form_browser::FormBrowser;
use countersign_testkit::smtp::SmtpPeer;
use countersign_testkit::{Server, Setup};
use reqwest::{Method, StatusCode};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_link_arrives_by_smtp_and_the_enrollment_page_offers_the_app() {
    let smtp = SmtpPeer::start().await;
    let server = Server::start_with(Setup {
        portal: PortalConfig {
            smtp_url: Some(smtp.url()),
            mail_from: Some("Example Corp <portal@example.com>".into()),
            app_download_url: Some("https://apps.example.com/countersign".into()),
        },
        ..Setup::default()
    })
    .await;
    server
        .admin(
            Method::POST,
            "/v1/admin/users",
            json!({ "name": "jane", "password": PASSWORD, "email": "jane@example.com" }),
        )
        .await;
    let mut browser = FormBrowser::new(&server.base);
    let csrf = browser.get("/portal/password-reset").await.csrf().unwrap();
    let asked = browser
        .post("/portal/password-reset/request", &csrf, &[("who", "jane")])
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    let started = Instant::now();
    while smtp.messages().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no mail arrived"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mail = smtp.messages().remove(0);
    assert_eq!(
        (mail.from.as_str(), mail.to.as_slice()),
        (
            "portal@example.com",
            ["jane@example.com".to_owned()].as_slice()
        )
    );
    assert!(
        mail.data.contains("Subject: Reset your password"),
        "{}",
        mail.data
    );
    // Long lines travel quoted-printable: undo its soft breaks, as a mail
    // client would.
    assert!(
        mail.data
            .contains("Content-Transfer-Encoding: quoted-printable")
            || !mail.data.contains("=\r\n"),
        "{}",
        mail.data
    );
    let body = mail.data.replace("=\r\n", "").replace("=3D", "=");
    let link = body
        .lines()
        .find(|line| line.starts_with("http://"))
        .unwrap()
        .to_owned();
    let path = link.strip_prefix(&server.base).unwrap().to_owned();
    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"set-password\""));
    assert!(
        !server.data_dir().join("outbox").exists(),
        "SMTP, not the outbox"
    );

    // The enrollment page offers the app's download link as a QR code.
    let signed_in = browser.sign_in("jane", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let security = browser.get("/portal/security").await;
    let enroll = browser
        .post("/portal/security/device", &security.csrf().unwrap(), &[])
        .await;
    assert_eq!(
        enroll.text_of("download-url").as_deref(),
        Some("https://apps.example.com/countersign")
    );
    assert!(enroll.body.contains("View QR code to download the app"));
}

#[tokio::test]
async fn an_unusable_smtp_setting_stops_the_server_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = countersign_server::Config {
        portal: PortalConfig {
            smtp_url: Some("gopher://mail.example.com".into()),
            ..PortalConfig::default()
        },
        ..countersign_server::Config::loopback(
            dir.path().to_owned(),
            "Example Corp",
            countersign_testkit::ADMIN.into(),
            countersign_testkit::RP.into(),
        )
    };
    let started =
        countersign_server::start(&config, std::sync::Arc::new(countersign_core::SystemClock))
            .await;
    let error = started.expect_err("refused").to_string();
    assert!(
        error.contains("mail cannot be sent as configured"),
        "{error}"
    );
}
