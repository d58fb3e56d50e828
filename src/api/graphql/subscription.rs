//! Subscriptions: live report events, filtered by what the subscriber may see. Intake never
//! waits for a subscriber: the bus is a bounded broadcast, and a subscriber that falls behind
//! gets a RESYNC event telling it to reload.

use async_graphql::{Context, Enum, Object, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;

use super::types::{ReportFilter, ReportView};
use super::{principal, services};
use crate::bus::ReportEventKind as DomainKind;
use crate::domain::access::{can_see, mask_phones};
use crate::domain::report::Report;
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
        DomainKind::MediaViewed => ReportEventKind::MediaViewed,
        DomainKind::UrgentReport => ReportEventKind::UrgentReport,
        DomainKind::SlaWarning => ReportEventKind::SlaWarning,
        DomainKind::SlaBreached => ReportEventKind::SlaBreached,
        DomainKind::SlaEscalated => ReportEventKind::SlaEscalated,
        DomainKind::ReporterSilent => ReportEventKind::ReporterSilent,
    }
}

/// One subscriber's position on the bus.
struct Follower {
    events: tokio::sync::broadcast::Receiver<crate::bus::ReportEvent>,
    who: crate::domain::user::Principal,
    services: super::Services,
    filter: DomainFilter,
    masked: bool,
}

impl Follower {
    /// The next event this subscriber may see; `None` when the bus is gone.
    async fn next_event(&mut self) -> Option<ReportEvent> {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            let event = match self.events.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(_)) => {
                    return Some(ReportEvent {
                        kind: ReportEventKind::Resync,
                        at: Utc::now(),
                        report: None,
                    });
                }
                Err(RecvError::Closed) => return None,
            };
            let store = self.services.workflow.store();
            let Ok(Some(report)) = store.get_record::<Report>(
                crate::store::Table::Reports,
                &crate::store::keys::u64_key(event.report_id),
            ) else {
                continue;
            };
            let tree = self.services.workflow.units().tree();
            if !can_see(&self.who, &report, &tree, self.services.workflow.rules())
                || !matches_filter(
                    &report,
                    &self.filter,
                    &tree,
                    &self.services.workflow.clock().sla,
                )
            {
                continue;
            }
            let view = ReportView {
                report,
                masked: self.masked,
            };
            return Some(ReportEvent {
                kind: kind_of(event.kind),
                at: event.at,
                report: Some(view),
            });
        }
    }
}

pub struct ReportEvent {
    kind: ReportEventKind,
    at: DateTime<Utc>,
    report: Option<ReportView>,
}

#[Object(name = "ReportEvent")]
impl ReportEvent {
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

pub struct SubscriptionRoot;

fn matches_filter(
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
    /// the subscriber may see and that match `filter`.
    async fn report_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReportFilter>,
    ) -> async_graphql::Result<impl Stream<Item = ReportEvent> + use<>> {
        let who = principal(ctx)?.clone();
        let services = services(ctx)?.clone();
        let filter = filter.unwrap_or_default().to_domain();
        let events = services.bus.subscribe();
        let masked = mask_phones(&who);
        let state = Follower {
            events,
            who,
            services,
            filter,
            masked,
        };
        Ok(futures_util::stream::unfold(
            state,
            |mut state| async move {
                let event = state.next_event().await?;
                Some((event, state))
            },
        ))
    }
}
