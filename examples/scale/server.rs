//! The server under measure: the release `siaga` binary as a process of its own on loopback,
//! its accounts made through `siaga user add` while it is stopped, its readiness by `/readyz`,
//! its memory from `/proc/PID/status`, and a GraphQL client that signs in as each account.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The app secret the scale server checks webhook signatures with: the subscription
/// clients' own, whose webhooks it must accept.
pub use super::clients::SECRET;
const JWT_SECRET: &str = "scale-jwt-secret-0123456789abcdef-0123456789abcdef";
pub const PASSWORD: &str = "scale-password-1";

/// The accounts the measures sign in as: (username, role, unit).
pub const ACCOUNTS: &[(&str, &str, Option<&str>)] = &[
    ("scale_admin", "admin", None),
    ("scale_operator", "operator", None),
    ("scale_polres", "officer", Some("POLRESTABES_PALEMBANG")),
    ("scale_polsek", "officer", Some("POLSEK_PLG_ILIR_BARAT_I")),
    ("scale_analyst", "analyst", None),
];

pub struct Server {
    child: Child,
    pub base: String,
    /// From the spawn to the first 200 of `/readyz`.
    pub ready_after: Duration,
}

impl Server {
    /// Starts `siaga serve` on `data_dir` (sandbox mode: no access token, so replies are kept
    /// and never sent) and waits for `/readyz` 200; its log goes to `log`.
    pub async fn start(binary: &Path, data_dir: &Path, log: &Path) -> anyhow::Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)?;
        let started = Instant::now();
        let child = Command::new(binary)
            .arg("serve")
            .env("SIAGA_DATA_DIR", data_dir)
            .env("SIAGA_LISTEN", format!("127.0.0.1:{port}"))
            .env("SIAGA_WA_APP_SECRET", SECRET)
            .env("SIAGA_JWT_SECRET", JWT_SECRET)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()?;
        let mut server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            ready_after: Duration::ZERO,
        };
        server.wait_ready(started).await?;
        Ok(server)
    }

    async fn wait_ready(&mut self, started: Instant) -> anyhow::Result<()> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        loop {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!("siaga serve exited before it was ready: {status}");
            }
            let ready = client
                .get(format!("{}/readyz", self.base))
                .send()
                .await
                .is_ok_and(|response| response.status().is_success());
            if ready {
                self.ready_after = started.elapsed();
                return Ok(());
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(3600),
                "siaga serve was not ready within an hour"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now, split into the heap and the mapped files.
    pub fn memory(&self) -> Resident {
        Resident::of(self.pid())
    }

    /// `memory()` after `REST` without load: mimalloc gives freed pages back to the kernel
    /// 10 s after they are freed (`src/allocator.rs`), so an idle server is read after that.
    pub async fn memory_at_rest(&self) -> Resident {
        tokio::time::sleep(REST).await;
        self.memory()
    }

    /// CPU time the server process has used so far.
    pub fn cpu_time(&self) -> Duration {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // The fields after the command name (which may hold spaces) start after the last ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace()
            .collect();
        let ticks = |index: usize| fields.get(index).and_then(|v| v.parse::<u64>().ok());
        // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
        let total = ticks(11).unwrap_or(0) + ticks(12).unwrap_or(0);
        Duration::from_millis(total * 10)
    }

    /// Waits until the server has used less than 5% of a core for two seconds (the index's
    /// catch-up and the SLA clock's first pass done), at most `limit`.
    pub async fn wait_quiet(&self, limit: Duration) -> Duration {
        let started = Instant::now();
        while started.elapsed() < limit {
            let before = self.cpu_time();
            tokio::time::sleep(Duration::from_secs(2)).await;
            if self.cpu_time().saturating_sub(before) < Duration::from_millis(100) {
                break;
            }
        }
        started.elapsed()
    }

    /// SIGTERM, then waits for the process to exit.
    pub fn stop(mut self) -> anyhow::Result<()> {
        // SAFETY: kill(2) on the child we spawned and have not reaped.
        let sent = unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        anyhow::ensure!(sent == 0, "SIGTERM could not be sent");
        let status = self.child.wait()?;
        anyhow::ensure!(status.success(), "siaga serve stopped with {status}");
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// How long a server is left idle before its memory at rest is read.
pub const REST: Duration = Duration::from_secs(15);

/// A process's resident memory, in KiB: the whole, the anonymous part (the heap) and the
/// mapped files (the binary, tantivy's segments), which the kernel can drop.
#[derive(Debug, Clone, Copy, Default)]
pub struct Resident {
    pub rss: u64,
    pub anon: u64,
    pub file: u64,
}

impl Resident {
    pub fn of(pid: u32) -> Resident {
        Resident {
            rss: proc_status_kib(pid, "VmRSS:"),
            anon: proc_status_kib(pid, "RssAnon:"),
            file: proc_status_kib(pid, "RssFile:"),
        }
    }
}

impl std::fmt::Display for Resident {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.0} MB (anon {:.0}, file {:.0})",
            self.rss as f64 / 1024.0,
            self.anon as f64 / 1024.0,
            self.file as f64 / 1024.0
        )
    }
}

/// A field of `/proc/PID/status` in KiB, 0 where there is none.
pub fn proc_status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| {
            line.strip_prefix(field)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// Creates the measuring accounts on the stopped server's data dir; an account left by an
/// earlier run on the same store is kept.
pub fn add_accounts(binary: &Path, data_dir: &Path) -> anyhow::Result<()> {
    for (username, role, unit) in ACCOUNTS {
        let mut command = Command::new(binary);
        command
            .args(["user", "add", "--username", username, "--role", role])
            .arg("--password-stdin")
            .env("SIAGA_DATA_DIR", data_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(unit) = unit {
            command.args(["--unit", unit]);
        }
        let mut child = command.spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            writeln!(stdin, "{PASSWORD}")?;
        }
        let output = child.wait_with_output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        anyhow::ensure!(
            output.status.success() || stderr.contains("exists") || stderr.contains("taken"),
            "siaga user add {username} failed: {stderr}"
        );
    }
    Ok(())
}

/// GraphQL over HTTP as one signed-in account.
#[derive(Clone)]
pub struct Session {
    client: reqwest::Client,
    url: String,
    token: String,
}

impl Session {
    pub async fn sign_in(base: &str, username: &str) -> anyhow::Result<Session> {
        let client = reqwest::Client::new();
        let url = format!("{base}/graphql");
        let answer: Value = client
            .post(&url)
            .json(&json!({
                "query": "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
                "variables": { "u": username, "p": PASSWORD },
            }))
            .send()
            .await?
            .json()
            .await?;
        let token = answer["data"]["login"]["token"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("sign-in of {username} refused: {answer}"))?
            .to_string();
        Ok(Session { client, url, token })
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// Runs one operation; an answer with errors is an error.
    pub async fn query(&self, query: &str, variables: &Value) -> anyhow::Result<Value> {
        let answer: Value = self
            .client
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await?
            .json()
            .await?;
        anyhow::ensure!(
            answer.get("errors").is_none(),
            "the query failed: {}",
            answer["errors"]
        );
        Ok(answer)
    }
}

/// Bytes of the files under `folder`, leaving out any folder named `skip`.
pub fn folder_bytes(folder: &Path, skip: &str) -> u64 {
    let mut total = 0;
    let mut pending: Vec<PathBuf> = vec![folder.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            match entry.metadata() {
                Ok(meta) if meta.is_dir() && entry.file_name() != skip => {
                    pending.push(entry.path())
                }
                Ok(meta) if meta.is_file() => total += meta.len(),
                _ => {}
            }
        }
    }
    total
}
