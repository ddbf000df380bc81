//! A real browser for the portal tests: Debian's headless Chromium driven
//! through its chromedriver (WebDriver) with fantoccini. Each `Browser` has
//! its own chromedriver on a free 127.0.0.1 port and a fresh profile, so tests
//! do not share cookies. Console errors (a script error, a CSP violation) are
//! collected and fail the test at `finish`. Screenshots go to
//! `target/portal-screenshots/`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Whether this machine has Debian's Chromium and its driver.
pub fn available() -> bool {
    Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()
}

/// Why a browser test did not start, for `#[ignore]`d runs that need one.
pub fn require() {
    assert!(
        available(),
        "the portal browser tests need {CHROMIUM} and {CHROMEDRIVER}: \
         apt-get install chromium chromium-driver"
    );
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    name: String,
    shots: usize,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser").field("name", &self.name).finish()
    }
}

/// Chromium's legacy log endpoint: chromedriver keeps the console there.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or("")))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

impl Browser {
    /// A headless Chromium; `name` prefixes its screenshots.
    pub async fn start(name: &str) -> Self {
        require();
        let port = crate::free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let profile = tempfile::tempdir().unwrap();
        let mut capabilities = Capabilities::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1000,1400",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(error) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = error;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("chromedriver did not start: {error}"),
            }
        };
        Self {
            client,
            driver,
            _profile: profile,
            name: name.to_owned(),
            shots: 0,
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// The text of `css`, once the page has it (a click may still be loading
    /// the next page).
    pub async fn text(&self, css: &str) -> String {
        self.wait_for_element(css).await;
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("{css}: {error}"))
            .text()
            .await
            .unwrap()
    }

    /// Waits until an element matching `css` is on the page.
    pub async fn wait_for_element(&self, css: &str) {
        self.wait_for(&format!("{css} to appear"), || async {
            self.client.find(Locator::Css(css)).await.is_ok()
        })
        .await;
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// Waits (up to 15 s) until `check` holds on the page, polling.
    pub async fn wait_for<F, Fut>(&self, what: &str, check: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while !check().await {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "timed out waiting for {what} on {}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element `css` is shown and its text contains `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) {
        self.wait_for(&format!("{css} to say {text:?}"), || async {
            match self.client.find(Locator::Css(css)).await {
                Ok(element) => {
                    element.is_displayed().await.unwrap_or(false)
                        && element.text().await.unwrap_or_default().contains(text)
                }
                Err(_) => false,
            }
        })
        .await;
    }

    pub async fn wait_for_path(&self, path: &str) {
        self.wait_for(&format!("the page {path}"), || async {
            self.path().await == path
        })
        .await;
    }

    /// A PNG of the page, also written to `target/portal-screenshots/`.
    pub async fn screenshot(&mut self, label: &str) -> Vec<u8> {
        let png = self.client.screenshot().await.unwrap();
        self.shots += 1;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(format!("{}-{:02}-{label}.png", self.name, self.shots)),
            &png,
        )
        .unwrap();
        png
    }

    /// The console's messages at level SEVERE since the last call.
    pub async fn console_errors(&self) -> Vec<String> {
        let log = self.client.issue_cmd(BrowserLog).await.unwrap();
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            // The portal answers some pages with 4xx on purpose (a refused
            // form, a wrong code); Chromium logs each as a failed resource.
            .filter(|message| !message.contains("Failed to load resource"))
            .collect()
    }

    /// Ends the session; fails the test if the page logged console errors.
    pub async fn finish(mut self) {
        let errors = self.console_errors().await;
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        assert!(errors.is_empty(), "browser console errors: {errors:?}");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/portal-screenshots")
}
