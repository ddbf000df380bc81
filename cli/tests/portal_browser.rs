//! The portal in a real browser (headless Chromium) with this CLI as the
//! phone: the QR code on the Security page is read from a screenshot with the
//! core's scanner and enrolled with `countersign enroll`; the sign-in push is
//! answered with `countersign pending --json` and `countersign approve
//! --number`. `#[ignore]`d where Chromium is missing; `.ci/run` runs it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use countersign_core::scan::scan_image;
use countersign_testkit::browser::Browser;
use countersign_testkit::{Server, Setup};
use reqwest::Method;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

/// Runs the binary off the async runtime, so the in-process server keeps serving.
async fn countersign(dir: &Path, args: &[&str]) -> Output {
    let (dir, args) = (
        dir.to_owned(),
        args.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(),
    );
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_countersign"))
            .args(&args)
            .env("COUNTERSIGN_VAULT", dir.join("phone.sqlite"))
            .env("COUNTERSIGN_KEY_FILE", dir.join("vault.key"))
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn succeeded(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn sign_in(browser: &Browser, base: &str) {
    browser.goto(&format!("{base}/portal/login")).await;
    browser.fill("#username", "jane").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("#sign-in").await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them)"]
async fn the_cli_phone_enrolls_from_the_screen_and_approves_the_sign_in() {
    // The CLI reads the system clock: so does this server.
    let server = Server::start_with(Setup::system_time()).await;
    server
        .admin(
            Method::POST,
            "/v1/admin/users",
            json!({ "name": "jane", "password": PASSWORD }),
        )
        .await;
    let phone = tempfile::tempdir().unwrap();
    let mut browser = Browser::start("cli-phone").await;
    sign_in(&browser, &server.base).await;
    browser.wait_for_path("/portal/security").await;
    browser.click("#enroll-device").await;
    browser
        .wait_for_text("#status", "Waiting for your phone")
        .await;
    browser.wait_for_element("#qr svg").await;
    let png = browser.screenshot("enroll").await;
    let uri = scan_image(&png)
        .unwrap()
        .expect("a QR code on the page")
        .text;
    succeeded(&countersign(phone.path(), &["enroll", &uri, "--name", "Jane's laptop"]).await);
    browser
        .wait_for_text("#done", "Your phone is enrolled")
        .await;

    browser.click("#sign-out").await;
    sign_in(&browser, &server.base).await;
    browser
        .wait_for_text("#status", "Waiting for your approval")
        .await;
    let number = browser.text("#number").await;
    let pending: Value = serde_json::from_str(&succeeded(
        &countersign(phone.path(), &["pending", "--json"]).await,
    ))
    .unwrap();
    let id = pending["requests"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        pending["requests"][0]["resource"]["name"],
        "Countersign portal"
    );
    succeeded(&countersign(phone.path(), &["approve", &id, "--number", &number]).await);
    browser.wait_for_path("/portal/security").await;
    assert!(
        browser
            .text("#device-status")
            .await
            .contains("Jane's laptop")
    );
    browser.finish().await;
}
