//! The settings as given: each optional, so that flags, environment and the TOML file can be
//! layered (`Settings::over`) before `Config::validate` turns them into typed values.

use std::path::PathBuf;

use serde::Deserialize;

use super::ConfigError;
use crate::profile::ReplyOverrides;

/// Every setting, each optional so that the sources can be layered. The same struct is read
/// from the command line (clap) and from the TOML file (serde).
#[derive(Debug, Clone, Default, clap::Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where the store, the search index and media files live [default: ./siaga-data].
    #[arg(long, env = "SIAGA_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "SIAGA_LISTEN")]
    pub listen: Option<String>,
    /// The Meta app secret: key of the X-Hub-Signature-256 header on webhooks.
    #[arg(long, env = "SIAGA_WA_APP_SECRET", hide_env_values = true)]
    pub wa_app_secret: Option<String>,
    /// The token Meta echoes in the webhook verification handshake.
    #[arg(long, env = "SIAGA_WA_VERIFY_TOKEN", hide_env_values = true)]
    pub wa_verify_token: Option<String>,
    /// Graph API bearer token; without it WhatsApp runs in sandbox mode (nothing is sent).
    #[arg(long, env = "SIAGA_WA_ACCESS_TOKEN", hide_env_values = true)]
    pub wa_access_token: Option<String>,
    /// The phone number id replies are sent from.
    #[arg(long, env = "SIAGA_WA_PHONE_NUMBER_ID")]
    pub wa_phone_number_id: Option<String>,
    /// The WhatsApp Business Account id whose message templates are listed (`templates`);
    /// not the phone number id. Without it the template list cannot be refreshed.
    #[arg(long, env = "SIAGA_WA_BUSINESS_ACCOUNT_ID")]
    pub wa_business_account_id: Option<String>,
    /// Graph API base url [default: https://graph.facebook.com].
    #[arg(long, env = "SIAGA_WA_GRAPH_URL")]
    pub wa_graph_url: Option<String>,
    /// Graph API version [default: v25.0].
    #[arg(long, env = "SIAGA_WA_API_VERSION")]
    pub wa_api_version: Option<String>,
    /// Messages per second the sender may hand to the Graph API [default: 80].
    #[arg(long, env = "SIAGA_WA_SEND_RATE")]
    pub wa_send_rate: Option<u32>,
    /// Sends the outbox sender keeps in flight at once [default: 256]. It needs about the
    /// reply rate times the Graph API's latency: 200 replies/s at 300 ms take 60 or more.
    #[arg(long, env = "SIAGA_WA_SEND_CONCURRENCY")]
    pub wa_send_concurrency: Option<usize>,
    /// First retry delay of a failed send or download, doubled each time [default: 2000].
    #[arg(long, env = "SIAGA_WA_RETRY_BASE_MS")]
    pub wa_retry_base_ms: Option<u64>,
    /// Attempts before a send is marked failed [default: 8].
    #[arg(long, env = "SIAGA_WA_MAX_ATTEMPTS")]
    pub wa_max_attempts: Option<u32>,
    /// Timeout of one Graph API request [default: 15].
    #[arg(long, env = "SIAGA_WA_TIMEOUT_SECONDS")]
    pub wa_timeout_seconds: Option<u64>,
    /// After a crash, seconds a possibly-sent reply (one marked attempting) waits, from the
    /// restart, for Meta's status callback before it is sent again [default: 60].
    #[arg(long, env = "SIAGA_WA_RECONCILE_SECONDS")]
    pub wa_reconcile_seconds: Option<u64>,
    /// Send read receipts for inbound messages [default: false].
    #[arg(long, env = "SIAGA_WA_MARK_READ")]
    pub wa_mark_read: Option<bool>,
    /// Largest media file downloaded, in MB, for any type [default: 100].
    #[arg(long, env = "SIAGA_MEDIA_MAX_MB")]
    pub media_max_mb: Option<u64>,
    /// Lifetime of an operator token in minutes: one shift [default: 720].
    #[arg(long, env = "SIAGA_TOKEN_LIFETIME_MINUTES")]
    pub token_lifetime_minutes: Option<i64>,
    /// Longest session, in hours from entering the password: refreshToken never issues a token
    /// that lives past it [default: 168].
    #[arg(long, env = "SIAGA_SESSION_MAX_HOURS")]
    pub session_max_hours: Option<i64>,
    /// How often an open subscription re-checks its user and token when no event comes, in
    /// seconds, 1 to 30 [default: 30].
    #[arg(long, env = "SIAGA_SUBSCRIPTION_RECHECK_SECONDS")]
    pub subscription_recheck_seconds: Option<u64>,
    /// HS256 key for operator tokens; generated once and kept in the data dir when unset.
    #[arg(long, env = "SIAGA_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Built-in profile name, or a path to a profile folder [default: sumsel].
    #[arg(long, env = "SIAGA_PROFILE")]
    pub profile: Option<String>,
    /// Largest webhook body accepted, in bytes [default: 4194304].
    #[arg(long, env = "SIAGA_BODY_LIMIT_BYTES")]
    pub body_limit_bytes: Option<usize>,
    /// A message joins the reporter's open report within this many minutes of its last
    /// activity [default: 1440].
    #[arg(long, env = "SIAGA_THREAD_WINDOW_MINUTES")]
    pub thread_window_minutes: Option<i64>,
    /// Ticket number prefix, as in WA-2026-000123 [default: WA].
    #[arg(long, env = "SIAGA_TICKET_PREFIX")]
    pub ticket_prefix: Option<String>,
    /// At most one acknowledgement of follow-up messages per this many minutes [default: 30].
    #[arg(long, env = "SIAGA_ACK_INTERVAL_MINUTES")]
    pub ack_interval_minutes: Option<i64>,
    /// Forward NEW reports to the suggested territorial unit by themselves [default: false].
    #[arg(long, env = "SIAGA_AUTO_FORWARD")]
    pub auto_forward: Option<bool>,
    /// Smallest suggestion confidence, in [0, 1], that is forwarded automatically [default: 0.85].
    #[arg(long, env = "SIAGA_AUTO_FORWARD_MIN_CONFIDENCE")]
    pub auto_forward_min_confidence: Option<f32>,
    /// Minutes a report may wait for its reporter's answer before it is flagged for a
    /// supervisor and the citizen reminded [default: 240].
    #[arg(long, env = "SIAGA_SILENT_REPORTER_MINUTES")]
    pub silent_reporter_minutes: Option<i64>,
    /// The automatic rate limit per reporter: more messages than this within
    /// `reporter-rate-window-minutes` earn one "slow down" reply and hold back the automatic
    /// replies until the rate is within the limit again; 0 turns it off [default: 20].
    #[arg(long, env = "SIAGA_REPORTER_RATE_LIMIT")]
    pub reporter_rate_limit: Option<u32>,
    /// The window of the per-reporter rate limit, in minutes [default: 10].
    #[arg(long, env = "SIAGA_REPORTER_RATE_WINDOW_MINUTES")]
    pub reporter_rate_window_minutes: Option<i64>,
    /// Minutes without action by its holder after which a claim on a report ends [default: 30].
    #[arg(long, env = "SIAGA_CLAIM_IDLE_MINUTES")]
    pub claim_idle_minutes: Option<i64>,
    /// How often the SLA watcher looks at the open reports, in seconds [default: 15].
    #[arg(long, env = "SIAGA_SLA_CHECK_SECONDS")]
    pub sla_check_seconds: Option<u64>,
    /// Days a raw webhook body (evidence, kept compressed) is kept before the retention worker
    /// removes it; unset keeps them forever [default: forever].
    #[arg(long, env = "SIAGA_RAW_BODY_RETENTION_DAYS")]
    pub raw_body_retention_days: Option<u32>,
    /// Days an applied status or call event is remembered to skip Meta's redeliveries; Meta
    /// retries for 7 days, so less is refused [default: 7].
    #[arg(long, env = "SIAGA_DEDUPE_RETENTION_DAYS")]
    pub dedupe_retention_days: Option<u32>,
    /// Log format: text or json [default: text].
    #[arg(long, env = "SIAGA_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Reply texts (TOML file only: a [replies] table).
    #[arg(skip)]
    #[serde(default)]
    pub replies: Option<ReplyOverrides>,
    /// The business numbers (TOML file only: `[[whatsapp.numbers]]` entries).
    #[arg(skip)]
    #[serde(default)]
    pub whatsapp: Option<WhatsAppSection>,
    /// Largest POST /graphql body, in bytes [default: 1048576].
    #[arg(long, env = "SIAGA_GRAPHQL_BODY_LIMIT_BYTES")]
    pub graphql_body_limit_bytes: Option<usize>,
    /// Bytes of webhook bodies held in memory at once before their signature is checked; a
    /// webhook that finds no room within a second gets 503 [default: 1/16 of the memory budget,
    /// at least body-limit-bytes].
    #[arg(long, env = "SIAGA_WEBHOOK_BUFFER_BUDGET_BYTES")]
    pub webhook_buffer_budget_bytes: Option<usize>,
    /// Memory siaga sizes its caches and buffers to, in MB, at least 96: sled's cache, the
    /// search index's writer and reader cache, the indexer's batches and the webhook buffers
    /// (README, "Memory budget") [default: 256].
    #[arg(long, env = "SIAGA_MEMORY_BUDGET_MB")]
    pub memory_budget_mb: Option<u64>,
    /// Seconds an HTTP request may take before it is answered 503; the WebSocket is exempt
    /// [default: 30].
    #[arg(long, env = "SIAGA_REQUEST_TIMEOUT_SECONDS")]
    pub request_timeout_seconds: Option<u64>,
    /// Sign-in attempts (and failed authentications) one client address may make at once
    /// [default: 20].
    #[arg(long, env = "SIAGA_SIGN_IN_BURST")]
    pub sign_in_burst: Option<u32>,
    /// Sign-in attempts given back to each client address per minute [default: 10].
    #[arg(long, env = "SIAGA_SIGN_IN_REFILL_PER_MINUTE")]
    pub sign_in_refill_per_minute: Option<u32>,
    /// argon2 password checks running at once, over all clients [default: the CPU count].
    #[arg(long, env = "SIAGA_PASSWORD_CHECK_CONCURRENCY")]
    pub password_check_concurrency: Option<usize>,
    /// Take the client address from this header (the rightmost entry), e.g. X-Forwarded-For.
    /// Only behind a reverse proxy that sets it on every request [default: the TCP peer].
    #[arg(long, env = "SIAGA_TRUSTED_PROXY_HEADER")]
    pub trusted_proxy_header: Option<String>,
    /// Start even when the data dir is readable or writable by group or others [default: false].
    #[arg(
        long,
        env = "SIAGA_ALLOW_SHARED_DATA_DIR",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub allow_shared_data_dir: Option<bool>,
    /// Test hook: intake panics on a text message with exactly this text.
    #[arg(long, env = "SIAGA_FAULT_PANIC_ON_TEXT", hide = true)]
    #[serde(skip)]
    pub fault_panic_on_text: Option<String>,
    /// Test hook: every fsync of the store fails (EIO) once this file exists.
    #[arg(long, env = "SIAGA_FAULT_FSYNC_TRIGGER", hide = true)]
    #[serde(skip)]
    pub fault_fsync_trigger: Option<PathBuf>,
}

/// The `[whatsapp]` table of the TOML file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatsAppSection {
    #[serde(default)]
    pub numbers: Vec<NumberSettings>,
}

/// One `[[whatsapp.numbers]]` entry, as written.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumberSettings {
    pub phone_number_id: String,
    #[serde(default)]
    pub display_number: String,
    pub label: String,
    /// A unit code of the profile.
    pub default_unit: Option<String>,
    /// For a number in another WhatsApp Business Account; else `wa-access-token`.
    pub access_token: Option<String>,
    /// For its templates; else `wa-business-account-id`.
    pub business_account_id: Option<String>,
    /// Reply texts of this number, over the `[replies]` table's and the profile's.
    pub replies: Option<ReplyOverrides>,
}

impl std::fmt::Debug for NumberSettings {
    // Settings end up in startup logs; the token must not.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NumberSettings")
            .field("phone_number_id", &self.phone_number_id)
            .field("label", &self.label)
            .field("default_unit", &self.default_unit)
            .field("has_access_token", &self.access_token.is_some())
            .finish_non_exhaustive()
    }
}

macro_rules! layer {
    ($high:expr, $low:expr, $($field:ident),+ $(,)?) => {
        Settings { $($field: $high.$field.or($low.$field)),+ }
    };
}

impl Settings {
    /// `self` wins over `lower` field by field.
    pub fn over(self, lower: Settings) -> Settings {
        layer!(
            self,
            lower,
            data_dir,
            listen,
            wa_app_secret,
            wa_verify_token,
            wa_access_token,
            wa_phone_number_id,
            wa_business_account_id,
            wa_graph_url,
            wa_api_version,
            wa_send_rate,
            wa_send_concurrency,
            wa_retry_base_ms,
            wa_max_attempts,
            wa_timeout_seconds,
            wa_reconcile_seconds,
            wa_mark_read,
            media_max_mb,
            token_lifetime_minutes,
            session_max_hours,
            subscription_recheck_seconds,
            jwt_secret,
            profile,
            body_limit_bytes,
            thread_window_minutes,
            ticket_prefix,
            ack_interval_minutes,
            auto_forward,
            auto_forward_min_confidence,
            silent_reporter_minutes,
            reporter_rate_limit,
            reporter_rate_window_minutes,
            claim_idle_minutes,
            sla_check_seconds,
            raw_body_retention_days,
            dedupe_retention_days,
            log_format,
            replies,
            whatsapp,
            graphql_body_limit_bytes,
            webhook_buffer_budget_bytes,
            memory_budget_mb,
            request_timeout_seconds,
            sign_in_burst,
            sign_in_refill_per_minute,
            password_check_concurrency,
            trusted_proxy_header,
            allow_shared_data_dir,
            fault_panic_on_text,
            fault_fsync_trigger,
        )
    }

    pub fn from_toml_file(path: &std::path::Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::File {
            path: path.to_path_buf(),
            reason: error.to_string(),
        })?;
        toml::from_str(&text).map_err(|error| ConfigError::File {
            path: path.to_path_buf(),
            reason: error.to_string(),
        })
    }
}
