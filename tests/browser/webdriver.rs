//! A small W3C WebDriver client over reqwest, enough to drive Debian's headless Chromium
//! through `chromedriver` the way an operator uses the console: open, type, click, wait, run a
//! script, take a screenshot.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// Debian's paths; `SIAGA_TEST_CHROMIUM` and `SIAGA_TEST_CHROMEDRIVER` name others.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
pub const WAIT: Duration = Duration::from_secs(15);

/// Whether this machine can run the browser tests; if not, says how to install what is
/// missing.
pub fn browser_missing() -> Option<String> {
    let missing: Vec<String> = [chromium(), chromedriver()]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "skipped: {} not found; install with `apt-get install -y chromium chromium-driver`",
            missing.join(" and ")
        )
    })
}

fn chromium() -> String {
    std::env::var("SIAGA_TEST_CHROMIUM").unwrap_or_else(|_| CHROMIUM.to_string())
}

fn chromedriver() -> String {
    std::env::var("SIAGA_TEST_CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.to_string())
}

/// A running chromedriver, ended when dropped.
pub struct Driver {
    process: Child,
    url: String,
    client: reqwest::Client,
}

impl Driver {
    pub async fn start() -> Driver {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            listener.local_addr().expect("its address").port()
        };
        let process = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + WAIT;
        loop {
            let ready = client.get(format!("{url}/status")).send().await;
            if ready.is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not answer");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Driver {
            process,
            url,
            client,
        }
    }

    /// A new headless browser window of the given size.
    pub async fn session(&self, width: u32, height: u32) -> Browser {
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         format!("--window-size={width},{height}"), "--autoplay-policy=no-user-gesture-required",
                         "--lang=id-ID"],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
            // The console asks before an action that ends something (a case, an account);
            // a test answers yes, as the operator it plays would.
            "unhandledPromptBehavior": "accept",
        } } });
        let answer: Value = self
            .client
            .post(format!("{}/session", self.url))
            .json(&capabilities)
            .send()
            .await
            .expect("session request")
            .json()
            .await
            .expect("session answer");
        let id = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_string();
        Browser {
            base: format!("{}/session/{id}", self.url),
            client: self.client.clone(),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// One browser window.
pub struct Browser {
    base: String,
    client: reqwest::Client,
}

impl Browser {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request
            .send()
            .await
            .expect("webdriver request")
            .json()
            .await
            .expect("webdriver answers JSON");
        answer["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub async fn eval(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Runs an async function body that calls `arguments[arguments.length - 1]` when done.
    pub async fn eval_async(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    async fn find(&self, css: &str) -> Option<String> {
        let found = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        if std::env::var_os("WEBDRIVER_DEBUG").is_some() {
            eprintln!("find {css}: {found}");
        }
        found[ELEMENT_KEY].as_str().map(str::to_string)
    }

    /// Waits until `css` matches an element, and returns it.
    pub async fn wait_for(&self, css: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(element) = self.find(css).await {
                return element;
            }
            if Instant::now() > deadline {
                let page = self.eval("return document.body.innerText", json!([])).await;
                panic!("no element matches {css} after {WAIT:?}; the page shows:\n{page}");
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    /// Waits until the script (a function body returning a value) returns something truthy.
    pub async fn wait_until(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let value = self.eval(script, json!([])).await;
            let truthy = !(value.is_null()
                || value == json!(false)
                || value == json!(0)
                || value == json!(""));
            if truthy {
                return value;
            }
            if Instant::now() > deadline {
                let page = self.eval("return document.body.innerText", json!([])).await;
                panic!("{what} did not happen after {WAIT:?}; the page shows:\n{page}");
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/clear"),
            Some(json!({})),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Picks a file in an `<input type=file>`, as an operator does in the file dialog.
    pub async fn choose_file(&self, css: &str, path: &std::path::Path) {
        let element = self.wait_for(css).await;
        let answer = self
            .call(
                reqwest::Method::POST,
                &format!("/element/{element}/value"),
                Some(json!({ "text": path.display().to_string() })),
            )
            .await;
        assert!(answer.is_null(), "the file was not chosen: {answer}");
    }

    /// Presses keys on whatever has the focus (`\u{E007}` is Enter).
    pub async fn keys(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|key| {
                [
                    json!({ "type": "keyDown", "value": key.to_string() }),
                    json!({ "type": "keyUp", "value": key.to_string() }),
                ]
            })
            .collect();
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })),
        )
        .await;
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.eval(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : null",
            json!([css]),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Saves a PNG of the window to `target/browser-screenshots/NAME.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let encoded = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .expect("a PNG in base64");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, bytes).expect("screenshot written");
        path
    }

    /// Messages the page wrote to the console (errors included), for diagnosing a failure.
    pub async fn console_log(&self) -> Value {
        self.call(
            reqwest::Method::POST,
            "/se/log",
            Some(json!({ "type": "browser" })),
        )
        .await
    }

    pub async fn close(&self) {
        self.call(reqwest::Method::DELETE, "", None).await;
    }
}

pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("browser-screenshots")
}
