//! One place for settings: command-line flags, `SIAGA_*` environment variables and an optional
//! TOML file (flags and environment win over the file), validated into typed values.

mod numbers;
mod settings;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use numbers::NumberConfig;
pub use settings::{NumberSettings, Settings, WhatsAppSection};

use crate::profile::ReplyOverrides;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path}: {reason}")]
    File { path: PathBuf, reason: String },
    #[error("setting {name}: {reason}")]
    Invalid { name: &'static str, reason: String },
}

#[derive(Debug, Clone)]
pub struct WhatsAppConfig {
    pub app_secret: Option<String>,
    pub verify_token: Option<String>,
    pub access_token: Option<String>,
    pub phone_number_id: Option<String>,
    /// The WhatsApp Business Account whose templates are listed.
    pub business_account_id: Option<String>,
    /// Every business number, the default first (`config/numbers.rs`); empty in a sandbox
    /// without a phone number id.
    pub numbers: Vec<NumberConfig>,
    pub graph_url: String,
    pub api_version: String,
    pub send_rate_per_second: u32,
    /// Sends in flight at once (each a slot of the outbox sender).
    pub send_concurrency: usize,
    pub retry_base: Duration,
    pub max_attempts: u32,
    pub request_timeout: Duration,
    pub mark_read: bool,
    pub media_max_bytes: u64,
    /// How long a send interrupted by a crash waits, from the restart, for Meta's status
    /// callback before it is sent again.
    pub reconcile_wait: Duration,
}

impl WhatsAppConfig {
    /// Sandbox: no access token, so replies are stored and shown but never sent.
    pub fn sandbox(&self) -> bool {
        self.access_token.is_none()
            && self
                .numbers
                .iter()
                .all(|number| number.access_token.is_none())
    }

    /// The default (first) number's phone number id, if any is configured.
    pub fn default_number_id(&self) -> Option<String> {
        self.numbers
            .first()
            .map(|number| number.phone_number_id.clone())
    }

    /// The configured numbers as intake, workflow and the API see them (no tokens).
    pub fn channels(&self) -> crate::domain::channel::ChannelDirectory {
        numbers::directory(&self.numbers)
    }
}

/// The validated configuration the app is built from.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub whatsapp: WhatsAppConfig,
    pub jwt_secret: Option<String>,
    pub token_lifetime: chrono::Duration,
    /// How long a session may live from sign-in, and how often subscriptions look again.
    pub session_policy: crate::auth::SessionPolicy,
    pub profile: String,
    pub body_limit_bytes: usize,
    pub thread_window: chrono::Duration,
    pub ticket_prefix: String,
    pub ack_interval: chrono::Duration,
    pub log_json: bool,
    pub replies: ReplyOverrides,
    /// `Some(threshold)` when automatic forwarding is on.
    pub auto_forward_min_confidence: Option<f32>,
    pub silent_reporter_after: chrono::Duration,
    /// The automatic per-reporter rate limit.
    pub pace_limit: crate::domain::abuse::PaceLimit,
    /// A claim ends when its holder has not acted on the report for this long.
    pub claim_idle_after: chrono::Duration,
    pub sla_check_interval: Duration,
    /// How long raw bodies and dedupe entries are kept (`crate::retention`).
    pub retention: crate::retention::Retention,
    pub graphql_body_limit_bytes: usize,
    pub webhook_buffer_budget_bytes: usize,
    /// What the caches and buffers are sized to (`crate::memory`).
    pub memory: crate::memory::MemoryBudget,
    pub request_timeout: Duration,
    pub sign_in_limits: crate::auth::SignInLimits,
    pub trusted_proxy_header: Option<axum::http::HeaderName>,
    pub allow_shared_data_dir: bool,
    /// Test hooks (hidden settings); none in production.
    pub faults: Faults,
}

/// Fault injection for the fail-stop tests, set only by hidden settings.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Intake panics on a text message with exactly this text.
    pub panic_on_text: Option<String>,
    /// Every fsync of the store fails once this file exists.
    pub fsync_trigger: Option<PathBuf>,
}

/// No body siaga takes comes near this; larger values are typos.
const MAX_BODY_BYTES: usize = 1024 * 1024 * 1024;

/// Meta retries a webhook delivery for up to 7 days: a dedupe entry must outlive that.
const META_RETRY_DAYS: u32 = 7;

fn validate_retention(settings: &Settings) -> Result<crate::retention::Retention, ConfigError> {
    let raw_body_days = settings.raw_body_retention_days;
    if raw_body_days == Some(0) || raw_body_days.is_some_and(|days| days > 36_500) {
        return Err(invalid(
            "raw-body-retention-days",
            "1 to 36500 days (leave it unset to keep raw bodies forever)",
        ));
    }
    let dedupe_days = settings.dedupe_retention_days.unwrap_or(META_RETRY_DAYS);
    if !(META_RETRY_DAYS..=36_500).contains(&dedupe_days) {
        return Err(invalid(
            "dedupe-retention-days",
            "7 to 36500 days: Meta redelivers a webhook for up to 7 days",
        ));
    }
    Ok(crate::retention::Retention {
        raw_bodies: raw_body_days.map(|days| chrono::Duration::days(i64::from(days))),
        dedupe: chrono::Duration::days(i64::from(dedupe_days)),
    })
}

/// The limits at the doors, validated (see `validate_doors`).
struct Doors {
    graphql_body_limit_bytes: usize,
    webhook_buffer_budget_bytes: usize,
    memory: crate::memory::MemoryBudget,
    request_timeout: Duration,
    sign_in_limits: crate::auth::SignInLimits,
    trusted_proxy_header: Option<axum::http::HeaderName>,
}

fn validate_doors(settings: &Settings, webhook_body_limit: usize) -> Result<Doors, ConfigError> {
    let graphql_body_limit_bytes = settings.graphql_body_limit_bytes.unwrap_or(1024 * 1024);
    if !(1024..=MAX_BODY_BYTES).contains(&graphql_body_limit_bytes) {
        return Err(invalid("graphql-body-limit-bytes", "1024 bytes to 1 GiB"));
    }
    let memory = crate::memory::MemoryBudget::new(settings.memory_budget_mb)
        .map_err(|reason| invalid("memory-budget-mb", reason))?;
    let webhook_buffer_budget_bytes = settings.webhook_buffer_budget_bytes.unwrap_or_else(|| {
        let derived = memory.split(webhook_body_limit as u64).webhook_buffer_bytes;
        usize::try_from(derived).unwrap_or(usize::MAX)
    });
    // The budget is counted in u32 permits of one byte each.
    if webhook_buffer_budget_bytes < webhook_body_limit
        || webhook_buffer_budget_bytes > u32::MAX as usize
    {
        return Err(invalid(
            "webhook-buffer-budget-bytes",
            format!(
                "at least body-limit-bytes ({webhook_body_limit}), so that the largest body fits, and below 4 GiB"
            ),
        ));
    }
    let request_timeout_seconds = settings.request_timeout_seconds.unwrap_or(30);
    if !(1..=3600).contains(&request_timeout_seconds) {
        return Err(invalid("request-timeout-seconds", "1 second to 1 hour"));
    }
    let defaults = crate::auth::SignInLimits::default();
    let sign_in_limits = crate::auth::SignInLimits {
        burst: settings.sign_in_burst.unwrap_or(defaults.burst),
        refill_per_minute: settings
            .sign_in_refill_per_minute
            .unwrap_or(defaults.refill_per_minute),
        password_check_concurrency: settings
            .password_check_concurrency
            .unwrap_or(defaults.password_check_concurrency),
    };
    if !(1..=10_000).contains(&sign_in_limits.burst) {
        return Err(invalid("sign-in-burst", "1 to 10000 attempts"));
    }
    if !(1..=10_000).contains(&sign_in_limits.refill_per_minute) {
        return Err(invalid("sign-in-refill-per-minute", "1 to 10000 attempts"));
    }
    if !(1..=1024).contains(&sign_in_limits.password_check_concurrency) {
        return Err(invalid("password-check-concurrency", "1 to 1024 checks"));
    }
    let trusted_proxy_header = match non_empty(settings.trusted_proxy_header.clone()) {
        None => None,
        Some(name) => Some(
            axum::http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                invalid(
                    "trusted-proxy-header",
                    format!("{name:?} is not a header name (e.g. X-Forwarded-For)"),
                )
            })?,
        ),
    };
    Ok(Doors {
        graphql_body_limit_bytes,
        webhook_buffer_budget_bytes,
        memory,
        request_timeout: Duration::from_secs(request_timeout_seconds),
        sign_in_limits,
        trusted_proxy_header,
    })
}

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.into(),
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty())
}

impl Config {
    pub fn validate(settings: Settings) -> Result<Config, ConfigError> {
        let body_limit_bytes = settings.body_limit_bytes.unwrap_or(4 * 1024 * 1024);
        if !(1024..=MAX_BODY_BYTES).contains(&body_limit_bytes) {
            return Err(invalid("body-limit-bytes", "1024 bytes to 1 GiB"));
        }
        let doors = validate_doors(&settings, body_limit_bytes)?;
        let retention = validate_retention(&settings)?;
        let listen_text = settings
            .listen
            .unwrap_or_else(|| "127.0.0.1:8080".to_string());
        let listen = listen_text.parse::<SocketAddr>().map_err(|error| {
            invalid(
                "listen",
                format!("{listen_text:?} is not host:port ({error})"),
            )
        })?;
        let api_version = settings
            .wa_api_version
            .unwrap_or_else(|| "v25.0".to_string());
        if !api_version.starts_with('v') || api_version[1..].parse::<f32>().is_err() {
            return Err(invalid(
                "wa-api-version",
                format!("{api_version:?} is not like v25.0"),
            ));
        }
        let graph_url = settings
            .wa_graph_url
            .unwrap_or_else(|| "https://graph.facebook.com".to_string());
        if !(graph_url.starts_with("http://") || graph_url.starts_with("https://")) {
            return Err(invalid(
                "wa-graph-url",
                format!("{graph_url:?} is not an http(s) url"),
            ));
        }
        let access_token = non_empty(settings.wa_access_token);
        let app_secret = non_empty(settings.wa_app_secret);
        let phone_number_id = non_empty(settings.wa_phone_number_id);
        let business_account_id = non_empty(settings.wa_business_account_id);
        if let Some(id) = &business_account_id
            && !id.chars().all(|c| c.is_ascii_digit())
        {
            return Err(invalid(
                "wa-business-account-id",
                format!("{id:?} is not a WhatsApp Business Account id (digits only)"),
            ));
        }
        let numbers = numbers::validate_numbers(
            settings
                .whatsapp
                .map(|section| section.numbers)
                .unwrap_or_default(),
            &numbers::Globals {
                phone_number_id: phone_number_id.clone(),
                access_token: access_token.clone(),
                business_account_id: business_account_id.clone(),
            },
        )?;
        if access_token.is_some() && numbers.is_empty() {
            return Err(invalid(
                "wa-phone-number-id",
                "required when an access token is set (the number replies come from)",
            ));
        }
        let any_token =
            access_token.is_some() || numbers.iter().any(|number| number.access_token.is_some());
        if any_token && app_secret.is_none() {
            return Err(invalid(
                "wa-app-secret",
                "required when an access token is set: unsigned webhooks are never accepted live",
            ));
        }
        let ticket_prefix = settings.ticket_prefix.unwrap_or_else(|| "WA".to_string());
        if ticket_prefix.is_empty()
            || ticket_prefix.len() > 12
            || !ticket_prefix.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(invalid("ticket-prefix", "1 to 12 letters or digits"));
        }
        let thread_minutes = settings.thread_window_minutes.unwrap_or(24 * 60);
        if thread_minutes <= 0 {
            return Err(invalid("thread-window-minutes", "must be positive"));
        }
        let ack_minutes = settings.ack_interval_minutes.unwrap_or(30);
        if ack_minutes < 0 {
            return Err(invalid("ack-interval-minutes", "must not be negative"));
        }
        let send_rate = settings.wa_send_rate.unwrap_or(80);
        if send_rate == 0 {
            return Err(invalid("wa-send-rate", "must be at least 1"));
        }
        let send_concurrency = settings.wa_send_concurrency.unwrap_or(256);
        if !(1..=4096).contains(&send_concurrency) {
            return Err(invalid("wa-send-concurrency", "1 to 4096 sends"));
        }
        let log_json = match settings.log_format.as_deref().unwrap_or("text") {
            "text" => false,
            "json" => true,
            other => {
                return Err(invalid(
                    "log-format",
                    format!("{other:?}: use text or json"),
                ));
            }
        };
        let token_lifetime_minutes = settings.token_lifetime_minutes.unwrap_or(12 * 60);
        if !(1..=7 * 24 * 60).contains(&token_lifetime_minutes) {
            return Err(invalid("token-lifetime-minutes", "1 minute to 7 days"));
        }
        let session_max_hours = settings
            .session_max_hours
            .unwrap_or(crate::auth::DEFAULT_SESSION_MAX_HOURS);
        if !(1..=30 * 24).contains(&session_max_hours) {
            return Err(invalid("session-max-hours", "1 hour to 30 days"));
        }
        let subscription_recheck_seconds = settings
            .subscription_recheck_seconds
            .unwrap_or(crate::auth::DEFAULT_RECHECK_SECONDS);
        if !(1..=30).contains(&subscription_recheck_seconds) {
            return Err(invalid("subscription-recheck-seconds", "1 to 30 seconds"));
        }
        if let Some(secret) = &settings.jwt_secret
            && !secret.trim().is_empty()
            && secret.trim().len() < 32
        {
            return Err(invalid("jwt-secret", "at least 32 characters"));
        }
        let auto_forward_min_confidence = settings.auto_forward_min_confidence.unwrap_or(0.85);
        if !(0.0..=1.0).contains(&auto_forward_min_confidence) {
            return Err(invalid(
                "auto-forward-min-confidence",
                "a confidence between 0 and 1",
            ));
        }
        let silent_reporter_minutes = settings.silent_reporter_minutes.unwrap_or(240);
        if silent_reporter_minutes <= 0 {
            return Err(invalid("silent-reporter-minutes", "must be positive"));
        }
        let reporter_rate_window_minutes = settings.reporter_rate_window_minutes.unwrap_or(10);
        if !(1..=24 * 60).contains(&reporter_rate_window_minutes) {
            return Err(invalid("reporter-rate-window-minutes", "1 minute to 1 day"));
        }
        let reporter_rate_limit = settings.reporter_rate_limit.unwrap_or(20);
        if reporter_rate_limit > 10_000 {
            return Err(invalid(
                "reporter-rate-limit",
                "at most 10000 messages (0 turns the limit off)",
            ));
        }
        let claim_idle_minutes = settings.claim_idle_minutes.unwrap_or(30);
        if !(1..=7 * 24 * 60).contains(&claim_idle_minutes) {
            return Err(invalid("claim-idle-minutes", "1 minute to 7 days"));
        }
        let sla_check_seconds = settings.sla_check_seconds.unwrap_or(15);
        if !(1..=3600).contains(&sla_check_seconds) {
            return Err(invalid("sla-check-seconds", "1 second to 1 hour"));
        }
        Ok(Config {
            retention,
            auto_forward_min_confidence: settings
                .auto_forward
                .unwrap_or(false)
                .then_some(auto_forward_min_confidence),
            silent_reporter_after: chrono::Duration::minutes(silent_reporter_minutes),
            pace_limit: crate::domain::abuse::PaceLimit {
                max_messages: reporter_rate_limit,
                window: chrono::Duration::minutes(reporter_rate_window_minutes),
            },
            claim_idle_after: chrono::Duration::minutes(claim_idle_minutes),
            sla_check_interval: Duration::from_secs(sla_check_seconds),
            data_dir: settings
                .data_dir
                .unwrap_or_else(|| PathBuf::from("./siaga-data")),
            listen,
            whatsapp: WhatsAppConfig {
                app_secret,
                verify_token: non_empty(settings.wa_verify_token),
                access_token,
                phone_number_id,
                business_account_id,
                numbers,
                graph_url: graph_url.trim_end_matches('/').to_string(),
                api_version,
                send_rate_per_second: send_rate,
                send_concurrency,
                retry_base: Duration::from_millis(settings.wa_retry_base_ms.unwrap_or(2000).max(1)),
                max_attempts: settings.wa_max_attempts.unwrap_or(8).max(1),
                request_timeout: Duration::from_secs(
                    settings.wa_timeout_seconds.unwrap_or(15).max(1),
                ),
                mark_read: settings.wa_mark_read.unwrap_or(false),
                media_max_bytes: settings.media_max_mb.unwrap_or(100).max(1) * 1024 * 1024,
                reconcile_wait: Duration::from_secs(settings.wa_reconcile_seconds.unwrap_or(60)),
            },
            jwt_secret: non_empty(settings.jwt_secret),
            token_lifetime: chrono::Duration::minutes(token_lifetime_minutes),
            session_policy: crate::auth::SessionPolicy {
                max_age: chrono::Duration::hours(session_max_hours),
                recheck_interval: Duration::from_secs(subscription_recheck_seconds),
            },
            profile: settings.profile.unwrap_or_else(|| "sumsel".to_string()),
            body_limit_bytes,
            thread_window: chrono::Duration::minutes(thread_minutes),
            ticket_prefix,
            ack_interval: chrono::Duration::minutes(ack_minutes),
            log_json,
            replies: settings.replies.unwrap_or_default(),
            graphql_body_limit_bytes: doors.graphql_body_limit_bytes,
            webhook_buffer_budget_bytes: doors.webhook_buffer_budget_bytes,
            memory: doors.memory,
            request_timeout: doors.request_timeout,
            sign_in_limits: doors.sign_in_limits,
            trusted_proxy_header: doors.trusted_proxy_header,
            allow_shared_data_dir: settings.allow_shared_data_dir.unwrap_or(false),
            faults: Faults {
                panic_on_text: settings.fault_panic_on_text,
                fsync_trigger: settings.fault_fsync_trigger,
            },
        })
    }
}
