//! A live privacyIDEA (started by `scripts/privacyidea/start.sh`) driven through
//! its admin and validate APIs, for the interop tests. The start script writes
//! `target/privacyidea/env`; `PRIVACYIDEA_ENV` names another file.

use std::path::PathBuf;

use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct PrivacyIdea {
    pub url: String,
    pub realm: String,
    admin_token: String,
    http: reqwest::Client,
}

fn env_file() -> PathBuf {
    std::env::var_os("PRIVACYIDEA_ENV").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/privacyidea/env"),
        PathBuf::from,
    )
}

impl PrivacyIdea {
    /// The running server. The tests that need it are `#[ignore]`d, so a plain
    /// `cargo test` says "ignored" rather than passing without having run;
    /// asked for (`-- --include-ignored`, as CI does), a missing server fails.
    pub async fn connect() -> Self {
        match Self::try_connect().await {
            Ok(server) => server,
            Err(reason) => panic!(
                "privacyIDEA is not running ({reason}): start one with \
                 scripts/privacyidea/start.sh"
            ),
        }
    }

    async fn try_connect() -> Result<Self, String> {
        let path = env_file();
        let text = std::fs::read_to_string(&path)
            .map_err(|_| format!("{} does not exist", path.display()))?;
        let get = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(&format!("{name}=")))
                .map(str::to_owned)
                .ok_or(format!("{} has no {name}", path.display()))
        };
        let url = get("PRIVACYIDEA_URL")?;
        // gunicorn closes idle connections after 2 s; a fresh connection per call
        // avoids reusing one it is closing.
        let http = countersign_core::http::client_builder()
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|error| error.to_string())?;
        let auth: Value = http
            .post(format!("{url}/auth"))
            .json(&json!({
                "username": get("PRIVACYIDEA_ADMIN_USER")?,
                "password": get("PRIVACYIDEA_ADMIN_PASSWORD")?,
            }))
            .send()
            .await
            .map_err(|error| format!("it does not answer at {url} ({error})"))?
            .json()
            .await
            .map_err(|error| format!("its /auth answer is not JSON ({error})"))?;
        let admin_token = auth["result"]["value"]["token"]
            .as_str()
            .ok_or(format!("the admin login failed: {auth}"))?
            .to_owned();
        Ok(Self {
            url,
            realm: get("PRIVACYIDEA_REALM")?,
            admin_token,
            http,
        })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .header("Authorization", &self.admin_token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    /// Removes the user's tokens, so a re-run starts clean.
    pub async fn delete_tokens(&self, user: &str) {
        let list = self
            .call(
                reqwest::Method::GET,
                &format!("/token/?user={user}&realm={}", self.realm),
                None,
            )
            .await;
        for token in list["result"]["value"]["tokens"].as_array().unwrap() {
            let serial = token["serial"].as_str().unwrap();
            self.call(reqwest::Method::DELETE, &format!("/token/{serial}"), None)
                .await;
        }
    }

    /// `POST /token/init type=push genkey=1`: the serial and the QR code's URI.
    pub async fn init_push(&self, user: &str) -> (String, String) {
        let answer = self
            .call(
                reqwest::Method::POST,
                "/token/init",
                Some(json!({"type": "push", "genkey": 1, "user": user, "realm": self.realm})),
            )
            .await;
        let detail = &answer["detail"];
        let uri = detail["pushurl"]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("no push URI in {answer}"));
        (
            detail["serial"].as_str().unwrap().to_owned(),
            uri.to_owned(),
        )
    }

    /// What privacyIDEA stored as the token's push (Firebase) token.
    pub async fn firebase_token(&self, serial: &str) -> Option<String> {
        let list = self
            .call(
                reqwest::Method::GET,
                &format!("/token/?serial={serial}"),
                None,
            )
            .await;
        list["result"]["value"]["tokens"][0]["info"]["firebase_token"]
            .as_str()
            .map(str::to_owned)
    }

    pub async fn rollout_state(&self, serial: &str) -> String {
        let list = self
            .call(
                reqwest::Method::GET,
                &format!("/token/?serial={serial}"),
                None,
            )
            .await;
        list["result"]["value"]["tokens"][0]["rollout_state"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// A login with an empty PIN (`POST /validate/check`): the transaction id,
    /// and the option the login screen tells the user to choose, if any.
    pub async fn trigger(&self, user: &str) -> (String, Option<String>) {
        let answer = self
            .validate_check(json!({"user": user, "realm": self.realm, "pass": ""}))
            .await;
        let detail = &answer["detail"];
        let transaction = detail["transaction_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no challenge was triggered: {answer}"));
        (
            transaction.to_owned(),
            detail["presence_answer"].as_str().map(str::to_owned),
        )
    }

    /// `/validate/polltransaction`'s `challenge_status`: pending, accept,
    /// declined or cancelled.
    pub async fn challenge_status(&self, transaction: &str) -> String {
        let answer: Value = self
            .http
            .get(format!(
                "{}/validate/polltransaction?transaction_id={transaction}",
                self.url
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["detail"]["challenge_status"]
            .as_str()
            .unwrap_or_else(|| panic!("no challenge status: {answer}"))
            .to_owned()
    }

    /// Finishes a login with what the user typed (`POST /validate/check` with
    /// the transaction): privacyIDEA's `authentication` (ACCEPT, REJECT …).
    pub async fn finish(&self, user: &str, transaction: &str, typed: &str) -> String {
        let answer = self
            .validate_check(json!({
                "user": user,
                "realm": self.realm,
                "pass": typed,
                "transaction_id": transaction,
            }))
            .await;
        answer["result"]["authentication"]
            .as_str()
            .unwrap_or_else(|| panic!("no authentication result: {answer}"))
            .to_owned()
    }

    /// `POST /validate/check`, as a login screen calls it (no admin token).
    async fn validate_check(&self, body: Value) -> Value {
        self.http
            .post(format!("{}/validate/check", self.url))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// An authentication policy limited to one user.
    pub async fn set_user_policy(&self, name: &str, user: &str, action: &str) {
        let answer = self
            .call(
                reqwest::Method::POST,
                &format!("/policy/{name}"),
                Some(json!({
                    "scope": "authentication",
                    "action": action,
                    "user": user,
                    "realm": self.realm,
                    "active": true,
                })),
            )
            .await;
        assert_eq!(answer["result"]["status"], true, "{answer}");
    }
}
