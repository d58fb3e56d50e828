//! Workflow tests against a real store in a temporary directory and the real Sumsel profile;
//! reports are created by the real intake from inbound messages, as a webhook would.

mod abuse;
mod catalogue;
mod contact;
mod journal;
mod listing;
mod roles;
mod status_table;
mod units;
mod visibility;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;

use super::{UnitDirectory, Workflow};
use crate::bus::{Bus, ReportEvent};
use crate::domain::ids::{MessageId, ReportId, UnitCode, Wamid};
use crate::domain::inbound::{
    InboundItem, InboundMessage, MediaKind, MediaRef, MessageContent, Sender,
};
use crate::domain::message::{MediaState, Message, StoredMedia};
use crate::domain::phone::PhoneNumber;
use crate::domain::report::Report;
use crate::domain::timeline::TimelineEvent;
use crate::domain::user::{Principal, Role};
use crate::error::{ErrorCode, UserError};
use crate::intake::{Intake, IntakeSettings};
use crate::ledger::Ledger;
use crate::profile::{Profile, TemplateRef};
use crate::store::{Store, TxError};

/// A Polres and two of its Polsek, for visibility by subtree.
pub const POLRESTABES: &str = "POLRESTABES_PALEMBANG";
pub const POLSEK_ILIR_BARAT_I: &str = "POLSEK_PLG_ILIR_BARAT_I";
pub const POLSEK_ILIR_BARAT_II: &str = "POLSEK_PLG_ILIR_BARAT_II";
pub const POLRES_OKI: &str = "POLRES_OKI";

pub struct Fixture {
    _data_dir: tempfile::TempDir,
    pub store: Store,
    pub intake: Intake,
    pub workflow: Workflow,
    pub bus: Bus,
    pub outbox_wake: Arc<Notify>,
    next_number: AtomicU64,
}

/// A fresh store, the Sumsel profile, no fallback template.
pub fn fixture() -> Fixture {
    fixture_with_template(None)
}

/// As `fixture`, with the fallback template `status_laporan` configured.
pub fn fixture_with_fallback_template() -> Fixture {
    fixture_with_template(Some(TemplateRef {
        name: "status_laporan".into(),
        language: "id".into(),
    }))
}

fn fixture_with_template(template: Option<TemplateRef>) -> Fixture {
    let data_dir = tempfile::tempdir().unwrap();
    let store = Store::open(&data_dir.path().join("store")).unwrap();
    let profile = Profile::load("sumsel").unwrap();
    let mut replies = profile.replies.clone();
    replies.fallback_template = template;
    let settings = IntakeSettings {
        thread_window: Duration::hours(24),
        ticket_prefix: "WA".into(),
        follow_up_ack_interval: Duration::minutes(10),
        mark_read: false,
        replies,
        router: None,
        access: Default::default(),
        category_titles: Default::default(),
        pace_limit: Default::default(),
        channels: Default::default(),
        panic_on_text: None,
    };
    let intake = Intake::new(store.clone(), settings.clone());
    let units = UnitDirectory::load_or_seed(&store, &profile).unwrap();
    let bus = Bus::new(1024);
    let outbox_wake = Arc::new(Notify::new());
    // Workflow hands no sends over (the sender finds its replies in the queue).
    let (outbox_feed, _) = crate::ledger::outbox_feed();
    let writer = crate::ledger::Commit::new(
        store.clone(),
        bus.clone(),
        outbox_feed,
        Arc::clone(&outbox_wake),
        Arc::new(Notify::new()),
    );
    let workflow = Workflow::new(settings, units, profile.access_rules(), writer);
    Fixture {
        _data_dir: data_dir,
        store,
        intake,
        workflow,
        bus,
        outbox_wake,
        next_number: AtomicU64::new(1001),
    }
}

impl Fixture {
    /// A phone number no other citizen of this fixture used.
    pub fn new_phone(&self) -> String {
        let number = self.next_number.fetch_add(1, Ordering::Relaxed);
        format!("08137710{number:04}")
    }

    /// A new citizen writes now: a fresh report inside the 24-hour window.
    pub fn new_report(&self) -> Report {
        let phone = self.new_phone();
        self.citizen_writes(&phone, "tolong pak, motor saya dicuri di depan rumah")
    }

    /// A new citizen who wrote 30 hours ago and not since: the window is closed.
    pub fn new_report_with_closed_window(&self) -> Report {
        let phone = self.new_phone();
        let long_ago = Utc::now() - Duration::hours(30);
        let content = MessageContent::Text {
            body: "lapor pak, ada pungli".into(),
        };
        self.citizen_sends(&phone, content, long_ago, long_ago).0
    }

    /// A report `phone` opened 30 hours ago, past its thread window: the citizen's next
    /// message opens another report (a merge needs two reports of one citizen).
    pub fn older_report_of(&self, phone: &str) -> Report {
        let long_ago = Utc::now() - Duration::hours(30);
        let content = MessageContent::Text {
            body: "motor saya hilang kemarin".into(),
        };
        self.citizen_sends(phone, content, long_ago, long_ago).0
    }

    pub fn citizen_writes(&self, phone: &str, text: &str) -> Report {
        let now = Utc::now();
        self.citizen_sends(phone, MessageContent::Text { body: text.into() }, now, now)
            .0
    }

    /// Ingests one message through the real intake; returns the report it joined and the
    /// message's id.
    pub fn citizen_sends(
        &self,
        phone: &str,
        content: MessageContent,
        sent_at: DateTime<Utc>,
        received_at: DateTime<Utc>,
    ) -> (Report, MessageId) {
        let external_id = Wamid::parse(&format!(
            "wamid.test.{}",
            self.next_number.fetch_add(1, Ordering::Relaxed)
        ))
        .unwrap();
        let message = InboundMessage {
            external_id: external_id.clone(),
            sender: Sender {
                bsuid: None,
                phone: Some(PhoneNumber::parse(phone).unwrap()),
                profile_name: Some("Warga Palembang".into()),
                username: None,
            },
            sent_at,
            content,
            context: Default::default(),
            errors: Vec::new(),
            recipient_account: Some("1234567890".into()),
            raw: serde_json::json!({ "id": external_id.as_str() }),
        };
        self.intake
            .ingest(b"{}", &[InboundItem::Message(message)], received_at)
            .unwrap();
        let message_id = self
            .store
            .transaction(|tx| -> Result<Option<MessageId>, TxError<()>> {
                Ok(tx.messages().id_by_wamid(&external_id)?)
            })
            .unwrap()
            .unwrap();
        let message = self.message(message_id);
        (self.stored_report(message.report_id.unwrap()), message_id)
    }

    /// A photo from a new citizen, already downloaded by the media fetcher.
    pub fn new_report_with_stored_photo(&self) -> (Report, MessageId) {
        let phone = self.new_phone();
        let content = MessageContent::Media {
            kind: MediaKind::Image,
            media: MediaRef {
                media_id: "media-1".into(),
                mime_type: Some("image/jpeg".into()),
                caption: Some("ini plat nomornya".into()),
                ..MediaRef::default()
            },
        };
        let now = Utc::now();
        let (report, message_id) = self.citizen_sends(&phone, content, now, now);
        self.store
            .transaction(|tx| -> Result<(), TxError<()>> {
                let mut message = tx.messages().get(message_id)?.unwrap();
                message.media = Some(StoredMedia {
                    state: MediaState::Stored,
                    sha256_hex: Some("ab".repeat(32)),
                    size_bytes: Some(1234),
                    content_type: Some("image/jpeg".into()),
                    attempts: 1,
                    error: None,
                    updated_at: Some(now),
                });
                Ok(tx.messages().save(&message)?)
            })
            .unwrap();
        (report, message_id)
    }

    pub fn stored_report(&self, report_id: ReportId) -> Report {
        self.store.reports().get(report_id).unwrap().unwrap()
    }

    pub fn message(&self, message_id: MessageId) -> Message {
        self.store.messages().get(message_id).unwrap().unwrap()
    }

    pub fn messages(&self, report_id: ReportId) -> Vec<Message> {
        self.store.reports().messages(report_id).unwrap()
    }

    pub fn timeline(&self, report_id: ReportId) -> Vec<TimelineEvent> {
        self.store.reports().timeline(report_id).unwrap()
    }

    pub fn outbox_len(&self) -> usize {
        self.store.outbox().len()
    }

    /// Everything a refused change must leave as it was.
    pub fn snapshot(&self, report_id: ReportId) -> (Report, Vec<TimelineEvent>, usize, usize) {
        (
            self.stored_report(report_id),
            self.timeline(report_id),
            self.outbox_len(),
            self.store.messages().count(),
        )
    }

    /// A report forwarded by an operator to `unit`.
    pub async fn forwarded_report(&self, code: &str) -> Report {
        let report = self.new_report();
        self.workflow
            .forward(&operator(), report.id, &unit(code), None)
            .await
            .unwrap()
    }
}

pub fn person(role: Role, unit: Option<&str>) -> Principal {
    let username = match unit {
        Some(unit) => format!("{}_{}", role.as_str(), unit.to_lowercase()),
        None => role.as_str().to_string(),
    };
    Principal {
        username,
        role,
        unit: unit.map(UnitCode::trusted),
    }
}

pub fn admin() -> Principal {
    person(Role::Admin, None)
}

pub fn supervisor() -> Principal {
    person(Role::Supervisor, None)
}

pub fn operator() -> Principal {
    person(Role::Operator, None)
}

pub fn analyst() -> Principal {
    person(Role::Analyst, None)
}

pub fn officer(unit: &str) -> Principal {
    person(Role::Officer, Some(unit))
}

#[track_caller]
pub fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, UserError>,
    code: ErrorCode,
) -> UserError {
    match result {
        Ok(value) => panic!("expected {code:?}, got Ok({value:?})"),
        Err(error) => {
            assert_eq!(error.code, code, "{}", error.message);
            error
        }
    }
}

/// Every event published since the receiver was created.
pub fn drain(receiver: &mut tokio::sync::broadcast::Receiver<ReportEvent>) -> Vec<ReportEvent> {
    let mut events = Vec::new();
    while let Ok(event) = receiver.try_recv() {
        events.push(event);
    }
    events
}

/// A unit code the test names (it must be well formed).
pub fn unit(code: &str) -> UnitCode {
    UnitCode::parse(code).unwrap()
}
