//! The visibility classes and document keys that decide who shares an event's work, and the
//! shared work of subscriptions that read the bus themselves (those not on our WebSocket, which
//! the dispatcher of `hub.rs` serves): the report is read once, visibility and the
//! subscription's filter are decided once per visibility class and document, and the event's
//! GraphQL value is resolved once per (visibility class, document) and handed, as is, to every
//! subscriber of that class and document. The user record a subscriber's session
//! is re-checked against is read once per event and user, and used for at most
//! `USER_READ_SHARED_FOR`. Each subscriber keeps its own position on the bus, so a slow one lags
//! (and is told to resync) without holding anyone else back.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_graphql::Value;
use chrono::{DateTime, Utc};

use crate::bus::{ReportEvent, ReportEventKind};
use crate::domain::ids::{MessageId, ReportId, UnitCode};
use crate::domain::report::Report;
use crate::domain::user::{Principal, Role, User};
use crate::error::UserError;

/// Events whose shared work is kept: far more than a subscriber is ever behind in practice; one
/// further behind computes its own (correct, just not shared).
const RECENT_EVENTS: usize = 256;

/// How long one read of a user record answers the session re-checks of that user's subscribers
/// for one event. The read is made after the event was published, so an access change
/// committed before the event is seen by every delivery of it; one committed while the event
/// is being delivered is seen within this time (and at the user's next event in any case).
const USER_READ_SHARED_FOR: Duration = Duration::from_millis(20);

/// The field whose value differs for every reader: a link signed for the reader's own token
/// generation. A document that selects it shares nothing across users.
const PER_READER_FIELD: &str = "signedMediaUrl";

/// The set of subscribers that may see exactly the same reports and get exactly the same bytes
/// for the same document: the role (visibility, phone masking for analysts, the status moves
/// offered), the unit for officers (their subtree, and the internal-affairs compartment when
/// the unit is a Propam unit), and the user themself when the document asks for something
/// signed for them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VisibilityClass {
    role: Role,
    unit: Option<UnitCode>,
    reader: Option<String>,
}

impl VisibilityClass {
    pub fn of(who: &Principal, document: &str) -> VisibilityClass {
        VisibilityClass {
            role: who.role,
            unit: match who.role {
                Role::Officer => who.unit.clone(),
                Role::Admin | Role::Supervisor | Role::Operator | Role::Analyst => None,
            },
            reader: document
                .contains(PER_READER_FIELD)
                .then(|| who.username.clone()),
        }
    }
}

/// A subscription's document as executed: operation, fragments, variables. Two subscriptions
/// with the same key resolve the same selection with the same arguments.
pub fn document_key(env: &async_graphql::context::QueryEnv) -> Arc<str> {
    let mut fragments: Vec<_> = env.fragments.iter().collect();
    fragments.sort_by(|left, right| left.0.cmp(right.0));
    format!(
        "{:?}|{:?}|{:?}|{:?}",
        env.operation_name, env.operation, fragments, env.variables
    )
    .into()
}

/// A subscription's document key with its hash, computed once when the subscription starts:
/// the key is long (the whole operation), and it is looked up for every event and subscriber.
/// Keys are equal when their texts are; the hash only picks the bucket.
#[derive(Debug, Clone)]
pub struct DocumentKey {
    hash: u64,
    text: Arc<str>,
}

impl DocumentKey {
    pub fn new(text: Arc<str>) -> DocumentKey {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut hasher);
        DocumentKey {
            hash: hasher.finish(),
            text,
        }
    }
}

impl PartialEq for DocumentKey {
    fn eq(&self, other: &DocumentKey) -> bool {
        self.hash == other.hash && (Arc::ptr_eq(&self.text, &other.text) || self.text == other.text)
    }
}

impl Eq for DocumentKey {}

impl std::hash::Hash for DocumentKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// What one subscriber needs of an event: the report as it is now, if the subscriber's class
/// may see it and it passes the subscriber's filter, and the slot its resolved value is shared
/// in.
pub struct Shared {
    pub report: Arc<Report>,
    pub slot: Arc<SharedValue>,
}

/// The event's value for one (class, document), filled by the first subscriber that resolves
/// it without a field error.
#[derive(Default)]
pub struct SharedValue {
    pub value: OnceLock<Value>,
}

/// The decision of one (class, document) on one event, taken by the first of its subscribers.
struct DocumentWork {
    passes: bool,
    slot: Arc<SharedValue>,
}

/// The decisions of one class, by document: subscribers that get the same bytes.
type ByDocument = HashMap<DocumentKey, Arc<DocumentWork>>;

/// A user record as read for one event's session re-checks, and when it was read.
type UserRead = (Instant, Option<Arc<User>>);

/// One event's shared work.
#[derive(Default)]
struct EventWork {
    report: OnceLock<Option<Arc<Report>>>,
    visible: Mutex<HashMap<VisibilityClass, bool>>,
    documents: Mutex<HashMap<VisibilityClass, ByDocument>>,
    /// The user records read for this event's session re-checks, by username, with when.
    users: Mutex<HashMap<String, UserRead>>,
}

/// An event as the bus tells it; the same event reaches every subscriber as an equal value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EventKey {
    kind: ReportEventKind,
    report_id: ReportId,
    at: DateTime<Utc>,
    message_id: Option<MessageId>,
}

impl EventKey {
    fn of(event: &ReportEvent) -> EventKey {
        EventKey {
            kind: event.kind,
            report_id: event.report_id,
            at: event.at,
            message_id: event.message_id,
        }
    }
}

/// The shared work of the recent events, in the order they were first asked for.
#[derive(Default)]
pub struct Fanout {
    recent: Mutex<Recent>,
    /// The subscriptions on our WebSocket, served by one dispatcher (`hub.rs`).
    pub(crate) hub: Arc<super::hub::Hub>,
}

#[derive(Default)]
struct Recent {
    by_event: HashMap<EventKey, Arc<EventWork>>,
    order: VecDeque<EventKey>,
}

/// How one subscriber's question is answered; the closures are asked only by the first
/// subscriber of the event, of the class, or of the (class, document).
pub struct Question<'a, Read, See, Pass>
where
    Read: FnOnce() -> Option<Report>,
    See: FnOnce(&Report) -> bool,
    Pass: FnOnce(&Report) -> bool,
{
    pub class: &'a VisibilityClass,
    pub document: &'a DocumentKey,
    pub read_report: Read,
    pub can_see: See,
    pub passes_filter: Pass,
}

impl Fanout {
    /// The report of `event` for one subscriber, with the slot its value is shared in; `None`
    /// when the report is gone or the subscriber's class or filter excludes it.
    pub fn share<Read, See, Pass>(
        &self,
        event: &ReportEvent,
        question: Question<'_, Read, See, Pass>,
    ) -> Option<Shared>
    where
        Read: FnOnce() -> Option<Report>,
        See: FnOnce(&Report) -> bool,
        Pass: FnOnce(&Report) -> bool,
    {
        let work = self.work_for(event);
        let report = work
            .report
            .get_or_init(|| (question.read_report)().map(Arc::new))
            .clone()?;
        // Looked up before inserting: the keys are cloned only by the first of a class.
        let known = lock(&work.visible).get(question.class).copied();
        let visible = match known {
            Some(visible) => visible,
            None => *lock(&work.visible)
                .entry(question.class.clone())
                .or_insert_with(|| (question.can_see)(&report)),
        };
        if !visible {
            return None;
        }
        let known = lock(&work.documents)
            .get(question.class)
            .and_then(|documents| documents.get(question.document))
            .cloned();
        let document = match known {
            Some(document) => document,
            None => Arc::clone(
                lock(&work.documents)
                    .entry(question.class.clone())
                    .or_default()
                    .entry(question.document.clone())
                    .or_insert_with(|| {
                        Arc::new(DocumentWork {
                            passes: (question.passes_filter)(&report),
                            slot: Arc::default(),
                        })
                    }),
            ),
        };
        document.passes.then(|| Shared {
            report,
            slot: Arc::clone(&document.slot),
        })
    }

    /// The record of `username` for the session re-check of one subscriber on `event`: read
    /// by `read` at most once per `USER_READ_SHARED_FOR` for the event (a failed read is not
    /// kept).
    pub fn user_for_event(
        &self,
        event: &ReportEvent,
        username: &str,
        read: impl FnOnce() -> Result<Option<User>, UserError>,
    ) -> Result<Option<Arc<User>>, UserError> {
        let work = self.work_for(event);
        if let Some((read_at, user)) = lock(&work.users).get(username)
            && read_at.elapsed() < USER_READ_SHARED_FOR
        {
            return Ok(user.clone());
        }
        let read_at = Instant::now();
        let user = read()?.map(Arc::new);
        lock(&work.users).insert(username.to_string(), (read_at, user.clone()));
        Ok(user)
    }

    fn work_for(&self, event: &ReportEvent) -> Arc<EventWork> {
        let key = EventKey::of(event);
        let mut recent = lock(&self.recent);
        if let Some(work) = recent.by_event.get(&key) {
            return Arc::clone(work);
        }
        let work = Arc::new(EventWork::default());
        recent.by_event.insert(key.clone(), Arc::clone(&work));
        recent.order.push_back(key);
        while recent.order.len() > RECENT_EVENTS {
            if let Some(oldest) = recent.order.pop_front() {
                recent.by_event.remove(&oldest);
            }
        }
        work
    }

    /// Events whose shared work is held (for tests of the bound).
    #[cfg(test)]
    fn held(&self) -> usize {
        lock(&self.recent).order.len()
    }
}

/// The maps hold plain data; a panic elsewhere while one was held leaves it usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, role: Role, unit: Option<&str>) -> Principal {
        Principal {
            username: name.to_string(),
            role,
            unit: unit.map(UnitCode::trusted),
        }
    }

    const DOCUMENT: &str = "subscription { reportEvents { kind report { ticket } } }";

    #[test]
    fn officers_share_a_class_only_with_their_own_unit() {
        let sako = person("sako1", Role::Officer, Some("POLSEK_PLG_SAKO"));
        let sako_too = person("sako2", Role::Officer, Some("POLSEK_PLG_SAKO"));
        let kemuning = person("kemuning1", Role::Officer, Some("POLSEK_PLG_KEMUNING"));
        assert_eq!(
            VisibilityClass::of(&sako, DOCUMENT),
            VisibilityClass::of(&sako_too, DOCUMENT)
        );
        assert_ne!(
            VisibilityClass::of(&sako, DOCUMENT),
            VisibilityClass::of(&kemuning, DOCUMENT)
        );
    }

    #[test]
    fn roles_never_share_a_class_and_their_units_do_not_split_it() {
        let roles = [
            Role::Admin,
            Role::Supervisor,
            Role::Operator,
            Role::Analyst,
            Role::Officer,
        ];
        for (index, role) in roles.into_iter().enumerate() {
            for other in roles.into_iter().skip(index + 1) {
                assert_ne!(
                    VisibilityClass::of(&person("a", role, Some("BIDPROPAM")), DOCUMENT),
                    VisibilityClass::of(&person("b", other, Some("BIDPROPAM")), DOCUMENT)
                );
            }
        }
        assert_eq!(
            VisibilityClass::of(&person("a", Role::Analyst, None), DOCUMENT),
            VisibilityClass::of(
                &person("b", Role::Analyst, Some("COMMAND_CENTER")),
                DOCUMENT
            )
        );
    }

    #[test]
    fn a_document_with_a_signed_link_shares_nothing_across_users() {
        let document = "subscription { reportEvents { report { messages { signedMediaUrl } } } }";
        let one = person("ops1", Role::Operator, None);
        let other = person("ops2", Role::Operator, None);
        assert_ne!(
            VisibilityClass::of(&one, document),
            VisibilityClass::of(&other, document)
        );
        assert_eq!(
            VisibilityClass::of(&one, document),
            VisibilityClass::of(&one, document)
        );
    }

    #[test]
    fn documents_are_told_apart_by_their_text_never_by_their_hash_alone() {
        let one = DocumentKey::new(DOCUMENT.into());
        let same_text = DocumentKey::new(DOCUMENT.to_string().into());
        assert!(!Arc::ptr_eq(&one.text, &same_text.text));
        assert_eq!(one, same_text, "the same document, whoever sent it");
        let filtered = DocumentKey::new(format!("{DOCUMENT}|{{\"status\":\"NEW\"}}").into());
        assert_ne!(one, filtered);
        // Two documents whose hashes collide still get a decision and a value each.
        let colliding = DocumentKey {
            hash: one.hash,
            text: filtered.text.clone(),
        };
        assert_ne!(one, colliding);
        let mut by_document: ByDocument = HashMap::new();
        for (key, passes) in [(&one, true), (&colliding, false), (&same_text, true)] {
            by_document.entry(key.clone()).or_insert_with(|| {
                Arc::new(DocumentWork {
                    passes,
                    slot: Arc::default(),
                })
            });
        }
        assert_eq!(by_document.len(), 2);
        assert!(by_document[&same_text].passes);
        assert!(!by_document[&colliding].passes);
    }

    fn event_at(second: i64) -> ReportEvent {
        ReportEvent {
            kind: ReportEventKind::MessageAdded,
            report_id: ReportId::new(1),
            ticket: crate::domain::ids::Ticket::parse("WA-2026-000001").unwrap(),
            at: DateTime::from_timestamp(second, 0).unwrap(),
            message_id: None,
            published_at: None,
        }
    }

    #[test]
    fn a_user_is_read_once_per_event_and_again_once_the_read_is_old() {
        let fanout = Fanout::default();
        let reads = std::cell::Cell::new(0);
        let read = || {
            reads.set(reads.get() + 1);
            Ok(None)
        };
        let (first, second) = (event_at(1), event_at(2));
        for _ in 0..3 {
            assert!(
                fanout
                    .user_for_event(&first, "ops1", read)
                    .unwrap()
                    .is_none()
            );
        }
        assert_eq!(reads.get(), 1, "one read for the event's subscribers");
        fanout.user_for_event(&first, "ops2", read).unwrap();
        fanout.user_for_event(&second, "ops1", read).unwrap();
        assert_eq!(reads.get(), 3, "another user, another event: read again");
        std::thread::sleep(USER_READ_SHARED_FOR + Duration::from_millis(5));
        fanout.user_for_event(&first, "ops1", read).unwrap();
        assert_eq!(reads.get(), 4, "an old read is not used");
        let failed = fanout.user_for_event(&second, "ops9", || {
            Err(UserError::internal(&"store unavailable"))
        });
        assert!(failed.is_err());
        fanout.user_for_event(&second, "ops9", read).unwrap();
        assert_eq!(reads.get(), 5, "a failed read is not kept");
    }

    #[test]
    fn the_shared_work_of_old_events_is_let_go() {
        let fanout = Fanout::default();
        for second in 0..(RECENT_EVENTS as i64 + 10) {
            let event = event_at(second);
            fanout.work_for(&event);
            fanout.work_for(&event);
        }
        assert_eq!(fanout.held(), RECENT_EVENTS);
    }
}
