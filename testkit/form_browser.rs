//! A browser without JavaScript, for portal tests that need no rendering: it
//! keeps cookies, reads each page's CSRF token from its hidden field, posts
//! forms, and follows no redirect by itself (tests check where it goes).

use reqwest::StatusCode;

#[derive(Debug)]
pub struct FormBrowser {
    pub http: reqwest::Client,
    pub base: String,
    pub cookies: Vec<String>,
}

/// A page, or where a redirect points.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Answer {
    /// The text of the element with `id` (inner tags dropped, entities
    /// decoded), as a person reads it.
    pub fn text_of(&self, id: &str) -> Option<String> {
        let marker = format!("id=\"{id}\"");
        let at = self.body.find(&marker)?;
        let tag_start = self.body[..at].rfind('<')? + 1;
        let tag: String = self.body[tag_start..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let open = self.body[at..].find('>')? + at + 1;
        let close = self.body[open..].find(&format!("</{tag}>"))? + open;
        let mut text = String::new();
        let mut in_tag = false;
        for c in self.body[open..close].chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        Some(unescape(text.trim()))
    }

    /// The page's CSRF token.
    pub fn csrf(&self) -> Option<String> {
        let start = self.body.find("name=\"csrf\" value=\"")? + 19;
        Some(self.body[start..].split('"').next()?.to_owned())
    }
}

fn unescape(text: &str) -> String {
    text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/")
}

fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

impl FormBrowser {
    pub fn new(base: &str) -> Self {
        Self {
            http: countersign_core::http::client_builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            cookies: Vec::new(),
        }
    }

    fn remember(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let pair = value
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned();
            let name = pair.split('=').next().unwrap().to_owned();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            if !pair.ends_with('=') {
                self.cookies.push(pair);
            }
        }
    }

    async fn answer(&mut self, response: reqwest::Response) -> Answer {
        self.remember(&response);
        Answer {
            status: response.status(),
            location: response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned()),
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookies.join("; "))
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    /// Posts `fields` (and the CSRF token `csrf`) to `path`.
    pub async fn post(&mut self, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Answer {
        let mut body = format!("csrf={}", form_encode(csrf));
        for (name, value) in fields {
            body.push_str(&format!("&{name}={}", form_encode(value)));
        }
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookies.join("; "))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    /// Fills and sends the sign-in form.
    pub async fn sign_in(&mut self, user: &str, password: &str) -> Answer {
        let csrf = self.get("/portal/login").await.csrf().unwrap();
        self.post(
            "/portal/login/password",
            &csrf,
            &[("username", user), ("password", password)],
        )
        .await
    }
}
