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
    /// Events were dropped because this subscriber fell behind: reload what you show.
    Resync,
}

/// The bus kinds by their wire names, so that a kind added to the bus shows up here as soon as
/// it is named in the enum above (and as STATUS_CHANGED until then).
fn kind_of(kind: DomainKind) -> ReportEventKind {
    let name = serde_json::to_value(kind)
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_default();
    match name.as_str() {
        "REPORT_CREATED" => ReportEventKind::ReportCreated,
        "MESSAGE_ADDED" => ReportEventKind::MessageAdded,
        "REPLY_QUEUED" => ReportEventKind::ReplyQueued,
        "DELIVERY_UPDATED" => ReportEventKind::DeliveryUpdated,
        "DELIVERY_FAILED" => ReportEventKind::DeliveryFailed,
        "MEDIA_STORED" => ReportEventKind::MediaStored,
        "CALL_RECEIVED" => ReportEventKind::CallReceived,
        "ASSIGNED" => ReportEventKind::Assigned,
        "TRIAGED" => ReportEventKind::Triaged,
        "NOTE_ADDED" => ReportEventKind::NoteAdded,
        _ => ReportEventKind::StatusChanged,
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
                || !matches_filter(&report, &self.filter, &tree)
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
) -> bool {
    crate::workflow::filter_matches(filter, report, tree)
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
