//! Subscriptions: live report events, filtered by what the subscriber may see. Intake never
//! waits for a subscriber: the bus is a bounded broadcast, and a subscriber that falls behind
//! gets a RESYNC event telling it to reload. A subscription lives no longer than its session:
//! it re-checks the user and token before every event and at least every re-check interval,
//! and ends with UNAUTHENTICATED once they no longer hold. On our WebSocket a subscription
//! writes its items as frames itself (`frames.rs`); its ending error goes through async-graphql.

use std::borrow::Cow;
use std::pin::Pin;
use std::sync::Arc;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{
    Context, ContextSelectionSet, Enum, Object, OutputType, Positioned, ServerResult, Subscription,
    Value,
};
use chrono::{DateTime, Utc};

use crate::ledger::Ledger;
use futures_util::stream::BoxStream;

use super::fanout::{DocumentKey, Question, SharedValue, VisibilityClass, document_key};
use super::frames::{DirectDelivery, SubscriptionId};
use super::hub::{Member, watch_member};
use super::socket::{ConnectionSession, session_ended};
use super::types::{ReportFilter, ReportView};
use super::{principal, services, session, to_graphql_error};
use crate::auth::Session;
use crate::bus::ReportEventKind as DomainKind;
use crate::domain::access::{can_see, mask_phones};
use crate::domain::report::Report;
use crate::error::UserError;
use crate::workflow::ReportFilter as DomainFilter;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ReportEventKind")]
pub enum ReportEventKind {
    ReportCreated,
    MessageAdded,
    ReplyQueued,
    DeliveryUpdated,
    DeliveryFailed,
    MediaStored,
    CallReceived,
    StatusChanged,
    Assigned,
    Triaged,
    NoteAdded,
    CallLogged,
    Merged,
    /// Linked into an incident (one event, many reporters), or unlinked from one.
    Linked,
    MediaViewed,
    /// A report judged urgent (threat to life or body, crime in progress, fire, drowning,
    /// missing child).
    UrgentReport,
    /// A service-level target of the report is 80% used up.
    SlaWarning,
    /// A service-level target of the report was missed.
    SlaBreached,
    /// A breached report that was already forwarded is escalated to the parent of its unit
    /// (whose officers see it, as they see everything below them).
    SlaEscalated,
    /// The reporter did not answer the command center's question in time.
    ReporterSilent,
    /// The citizen answered "Tidak puas" to the satisfaction question once the report was
    /// resolved: for supervisors to look at (`Report.satisfaction`).
    Dissatisfied,
    /// Events were dropped because this subscriber fell behind: reload what you show.
    Resync,
}

/// Exhaustive, so that a kind added to the bus cannot be forgotten here.
fn kind_of(kind: DomainKind) -> ReportEventKind {
    match kind {
        DomainKind::ReportCreated => ReportEventKind::ReportCreated,
        DomainKind::MessageAdded => ReportEventKind::MessageAdded,
        DomainKind::ReplyQueued => ReportEventKind::ReplyQueued,
        DomainKind::DeliveryUpdated => ReportEventKind::DeliveryUpdated,
        DomainKind::DeliveryFailed => ReportEventKind::DeliveryFailed,
        DomainKind::MediaStored => ReportEventKind::MediaStored,
        DomainKind::CallReceived => ReportEventKind::CallReceived,
        DomainKind::StatusChanged => ReportEventKind::StatusChanged,
        DomainKind::Assigned => ReportEventKind::Assigned,
        DomainKind::Triaged => ReportEventKind::Triaged,
        DomainKind::NoteAdded => ReportEventKind::NoteAdded,
        DomainKind::CallLogged => ReportEventKind::CallLogged,
        DomainKind::Merged => ReportEventKind::Merged,
        DomainKind::Linked => ReportEventKind::Linked,
        DomainKind::MediaViewed => ReportEventKind::MediaViewed,
        DomainKind::UrgentReport => ReportEventKind::UrgentReport,
        DomainKind::SlaWarning => ReportEventKind::SlaWarning,
        DomainKind::SlaBreached => ReportEventKind::SlaBreached,
        DomainKind::SlaEscalated => ReportEventKind::SlaEscalated,
        DomainKind::ReporterSilent => ReportEventKind::ReporterSilent,
        DomainKind::Dissatisfied => ReportEventKind::Dissatisfied,
    }
}

/// One subscriber's position on the bus.
struct Follower {
    events: tokio::sync::broadcast::Receiver<crate::bus::ReportEvent>,
    who: crate::domain::user::Principal,
    session: Session,
    /// The WebSocket connection the subscription runs on, when there is one: it closes when
    /// the session ends, and its other subscriptions end too.
    connection: Option<ConnectionSession>,
    ending: Option<tokio::sync::watch::Receiver<Option<UserError>>>,
    /// The periodic re-check, for when no event comes; one timer kept for the subscription's
    /// life and moved on after each periodic check.
    check_due: Pin<Box<tokio::time::Sleep>>,
    services: super::Services,
    filter: DomainFilter,
    masked: bool,
    /// Who else gets the same value: the subscribers of the same class and document share the
    /// event's work (`fanout.rs`).
    class: VisibilityClass,
    document: DocumentKey,
}

impl Follower {
    /// Tells the socket when the item it is about to write was published (see
    /// `ConnectionSession::stamp`).
    fn stamp(&self, published_at: Option<std::time::Instant>) {
        if let Some(connection) = &self.connection {
            connection.stamp(published_at);
        }
    }

    /// Whether the session still stands, from a fresh read of the user; if not, it is recorded
    /// as ended on the connection. The next periodic check is due one interval later.
    fn recheck(&mut self) -> Result<(), UserError> {
        let auth = &self.services.auth;
        let checked = auth.recheck(&self.who, &self.session);
        self.ended_if(checked)?;
        let next_check = tokio::time::Instant::now() + auth.next_recheck_in(&self.session);
        self.check_due.as_mut().reset(next_check);
        Ok(())
    }

    /// Whether the session still stands for `event`, against the user record read for this
    /// event (shared by the user's subscribers for a few milliseconds, `fanout.rs`).
    fn recheck_for(&self, event: &crate::bus::ReportEvent) -> Result<(), UserError> {
        let auth = &self.services.auth;
        let username = &self.session.username;
        let checked = self
            .services
            .fanout
            .user_for_event(event, username, || auth.user(username))
            .and_then(|user| auth.recheck_against(&self.who, &self.session, user.as_deref()));
        self.ended_if(checked)
    }

    fn ended_if(&self, checked: Result<(), UserError>) -> Result<(), UserError> {
        if let Err(reason) = checked {
            tracing::info!(username = %self.who.username, reason = %reason.message, "subscription ended with its session");
            if let Some(connection) = &self.connection {
                connection.end(reason.clone());
            }
            return Err(reason);
        }
        Ok(())
    }

    /// The next event this subscriber may see; `None` when the bus is gone, an error when the
    /// session has ended (the last item of the stream).
    async fn next_event(&mut self) -> Option<Result<ReportEvent, UserError>> {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            let received = tokio::select! {
                biased;
                reason = ended_elsewhere(&mut self.ending) => return Some(Err(reason)),
                () = self.check_due.as_mut() => {
                    if let Err(reason) = self.recheck() {
                        return Some(Err(reason));
                    }
                    continue;
                }
                received = self.events.recv() => received,
            };
            // The user may have lost access since the last check: look before every event.
            let event = match received {
                Ok(event) => event,
                Err(RecvError::Lagged(_)) => {
                    if let Err(reason) = self.recheck() {
                        return Some(Err(reason));
                    }
                    return Some(Ok(ReportEvent {
                        kind: ReportEventKind::Resync,
                        at: Utc::now(),
                        report: None,
                        published_at: None,
                        shared: None,
                    }));
                }
                Err(RecvError::Closed) => return None,
            };
            if let Err(reason) = self.recheck_for(&event) {
                return Some(Err(reason));
            }
            let services = &self.services;
            let tree = services.workflow.units().tree();
            let Some(shared) = services.fanout.share(
                &event,
                Question {
                    class: &self.class,
                    document: &self.document,
                    read_report: || {
                        services
                            .workflow
                            .store()
                            .reports()
                            .get(event.report_id)
                            .ok()
                            .flatten()
                    },
                    can_see: |report| can_see(&self.who, report, &tree, services.workflow.rules()),
                    passes_filter: |report| {
                        matches_filter(report, &self.filter, &tree, &services.workflow.clock().sla)
                    },
                },
            ) else {
                continue;
            };
            return Some(Ok(ReportEvent {
                kind: kind_of(event.kind),
                at: event.at,
                report: Some((shared.report, self.masked)),
                shared: Some(shared.slot),
                published_at: event.published_at,
            }));
        }
    }
}

/// The reason another subscription or the socket found the session over; never, without a
/// connection.
async fn ended_elsewhere(
    ending: &mut Option<tokio::sync::watch::Receiver<Option<UserError>>>,
) -> UserError {
    match ending {
        Some(ending) => session_ended(ending).await,
        None => std::future::pending().await,
    }
}

/// An event as one subscriber receives it. Its value is resolved by the first subscriber of
/// its visibility class and document and copied by the others.
pub struct ReportEvent {
    kind: ReportEventKind,
    at: DateTime<Utc>,
    /// The report as it is now, and whether phone numbers are masked; absent for RESYNC.
    report: Option<(Arc<Report>, bool)>,
    shared: Option<Arc<SharedValue>>,
    /// When the bus event was published (not exposed: for the fan-out histogram).
    published_at: Option<std::time::Instant>,
}

impl ReportEvent {
    /// `event` with its report as it is now, for one (class, document) of the dispatcher.
    pub(super) fn live(event: &crate::bus::ReportEvent, report: Arc<Report>, masked: bool) -> Self {
        ReportEvent {
            kind: kind_of(event.kind),
            at: event.at,
            report: Some((report, masked)),
            shared: None,
            published_at: event.published_at,
        }
    }

    /// RESYNC: events were dropped, reload.
    pub(super) fn resync() -> Self {
        ReportEvent {
            kind: ReportEventKind::Resync,
            at: Utc::now(),
            report: None,
            shared: None,
            published_at: None,
        }
    }
}

/// The event's GraphQL object, resolved afresh.
struct ResolvedEvent {
    kind: ReportEventKind,
    at: DateTime<Utc>,
    report: Option<ReportView>,
}

#[Object(name = "ReportEvent")]
impl ResolvedEvent {
    async fn kind(&self) -> ReportEventKind {
        self.kind
    }
    async fn at(&self) -> DateTime<Utc> {
        self.at
    }
    /// The report as it is now; absent for RESYNC.
    async fn report(&self) -> Option<&ReportView> {
        self.report.as_ref()
    }
}

impl OutputType for ReportEvent {
    fn type_name() -> Cow<'static, str> {
        <ResolvedEvent as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <ResolvedEvent as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        if let Some(value) = self.shared.as_ref().and_then(|shared| shared.value.get()) {
            return Ok(value.clone());
        }
        let event = ResolvedEvent {
            kind: self.kind,
            at: self.at,
            report: self.report.as_ref().map(|(report, masked)| ReportView {
                report: Report::clone(report),
                masked: *masked,
            }),
        };
        let errors_before = errors_so_far(ctx);
        let value = OutputType::resolve(&event, ctx, field).await?;
        // A field error goes to this response's error list, not into the value: such a value
        // is not shared, so that every subscriber gets its own error.
        if let Some(shared) = &self.shared
            && errors_before.is_some()
            && errors_so_far(ctx) == errors_before
        {
            let _ = shared.value.set(value.clone());
        }
        Ok(value)
    }
}

fn errors_so_far(ctx: &ContextSelectionSet<'_>) -> Option<usize> {
    ctx.query_env.errors.lock().ok().map(|errors| errors.len())
}

pub struct SubscriptionRoot;

pub(super) fn matches_filter(
    report: &Report,
    filter: &DomainFilter,
    tree: &crate::domain::unit::UnitTree,
    sla: &crate::domain::sla::SlaPolicy,
) -> bool {
    crate::workflow::filter_matches(filter, report, tree, sla, chrono::Utc::now())
}

#[Subscription]
impl SubscriptionRoot {
    /// New reports, messages, status changes, assignments and delivery failures, for reports
    /// the subscriber may see and that match `filter`. Ends with an UNAUTHENTICATED error when
    /// the session ends: the token expires, the user is deactivated, their password, role or
    /// unit changes, or the session reaches its maximum age. The WebSocket then closes (4401).
    async fn report_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReportFilter>,
    ) -> async_graphql::Result<BoxStream<'static, async_graphql::Result<ReportEvent>>> {
        let who = principal(ctx)?.clone();
        let session = session(ctx)?.clone();
        let services = services(ctx)?.clone();
        let connection = ctx.data_opt::<ConnectionSession>().cloned();
        let filter = filter
            .unwrap_or_default()
            .to_domain(&who, services.workflow.channels())
            .map_err(to_graphql_error)?;
        let masked = mask_phones(&who);
        let mut document = document_key(ctx.query_env);
        // `assignedToMe` names the subscriber: such a filter is shared with nobody else.
        if filter.asks_for_assignee() {
            document = format!("{document}|reader={}", who.username).into();
        }
        let class = VisibilityClass::of(&who, &document);
        // On our WebSocket the dispatcher delivers the events (`hub.rs`).
        if let (Some(connection), Some(id)) = (&connection, ctx.data_opt::<SubscriptionId>()) {
            // A subscription opened on a connection whose session has ended gets nothing.
            if let Err(reason) = services.auth.recheck(&who, &session) {
                connection.end(reason.clone());
                return Err(to_graphql_error(reason));
            }
            let direct = DirectDelivery::new(ctx, id, connection.protocol(), connection.frames());
            let hub = Arc::clone(&services.fanout.hub);
            let bus = services.bus.clone();
            let connection = connection.clone();
            let registration = hub.join(&bus, |joined| Member {
                joined,
                who,
                session,
                connection,
                services,
                filter,
                masked,
                class,
                document: DocumentKey::new(document),
                direct,
                gate: Default::default(),
                resync: Default::default(),
            });
            return Ok(futures_util::stream::StreamExt::boxed(watch_member(
                registration,
            )));
        }
        let events = services.bus.subscribe();
        let mut follower = Follower {
            events,
            who,
            session,
            ending: connection.as_ref().map(ConnectionSession::ending),
            connection,
            check_due: Box::pin(tokio::time::sleep(std::time::Duration::ZERO)),
            services,
            filter,
            masked,
            class,
            document: DocumentKey::new(document),
        };
        // A subscription opened on a connection whose session has ended gets nothing.
        follower.recheck().map_err(to_graphql_error)?;
        Ok(futures_util::stream::StreamExt::boxed(
            futures_util::stream::unfold(Some(follower), |follower| async move {
                let mut follower = follower?;
                match follower.next_event().await? {
                    Ok(event) => {
                        follower.stamp(event.published_at);
                        Some((Ok(event), Some(follower)))
                    }
                    // The error is the stream's last item.
                    Err(reason) => {
                        follower.stamp(None);
                        Some((Err(to_graphql_error(reason)), None))
                    }
                }
            }),
        ))
    }
}
