//! The fast path of `reportEvents` on our WebSocket. One dispatcher task per server reads the
//! bus; for each event it re-checks every subscriber's session (the user record read once per
//! user), reads the report once, decides visibility once per visibility class and the filter
//! once per (class, document), resolves and serialises the response once per (class, document)
//! (`frames.rs`), and queues each subscriber's frame (its own head spliced before the shared
//! bytes) on its connection's queue (`frame_queue.rs`), which the connection's writer task
//! drains (`socket.rs`). A thousand subscribers cost a thousand queue pushes and writer
//! wake-ups per event, not a thousand polls of async-graphql's protocol stream and of each
//! subscription's own stream.
//!
//! The dispatcher never waits for a subscriber: a full queue drops the frame and marks the
//! subscription lagged; its stream (still run by async-graphql, `watch_member`) is told, waits
//! for room, queues a RESYNC, and from then on gets frames again. The subscription's stream
//! also keeps its other duties: the periodic session re-check, and ending with the session.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use futures_util::Stream;
use tokio::sync::{Notify, broadcast};

use super::fanout::{DocumentKey, VisibilityClass};
use super::frame_queue::{Gate, Offered};
use super::frames::DirectDelivery;
use super::socket::{ConnectionSession, session_ended};
use super::subscription::{ReportEvent, matches_filter};
use super::{Services, to_graphql_error};
use crate::auth::Session;
use crate::domain::access::can_see;
use crate::domain::report::Report;
use crate::domain::user::{Principal, User};
use crate::error::UserError;
use crate::ledger::Ledger;
use crate::workflow::ReportFilter as DomainFilter;

/// When a member joined: it gets the events published from then on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Joined {
    id: u64,
    at: Instant,
}

/// One `reportEvents` subscription on our WebSocket, as the dispatcher sees it.
pub(crate) struct Member {
    pub joined: Joined,
    pub who: Principal,
    pub session: Session,
    pub connection: ConnectionSession,
    pub services: Services,
    pub filter: DomainFilter,
    pub masked: bool,
    pub class: VisibilityClass,
    pub document: DocumentKey,
    pub direct: DirectDelivery,
    /// Lagged or stopped, on the connection's queue.
    pub gate: Gate,
    /// Set when the subscription lagged: its stream queues a RESYNC.
    pub resync: Notify,
}

/// The subscribers of one (class, document): they get the same bytes.
struct DocumentGroup {
    document: DocumentKey,
    members: Vec<Arc<Member>>,
}

struct ClassGroup {
    class: VisibilityClass,
    documents: Vec<DocumentGroup>,
}

#[derive(Default)]
struct HubState {
    next_id: u64,
    members: Vec<Arc<Member>>,
    /// The members by class and document, rebuilt when one joins or leaves; the dispatcher
    /// takes it once per event.
    groups: Arc<Vec<ClassGroup>>,
    dispatching: bool,
}

impl HubState {
    fn regroup(&mut self) {
        let mut classes: Vec<ClassGroup> = Vec::new();
        for member in &self.members {
            let class = match classes.iter().position(|group| group.class == member.class) {
                Some(index) => index,
                None => {
                    classes.push(ClassGroup {
                        class: member.class.clone(),
                        documents: Vec::new(),
                    });
                    classes.len() - 1
                }
            };
            let documents = &mut classes[class].documents;
            match documents
                .iter_mut()
                .find(|group| group.document == member.document)
            {
                Some(group) => group.members.push(Arc::clone(member)),
                None => documents.push(DocumentGroup {
                    document: member.document.clone(),
                    members: vec![Arc::clone(member)],
                }),
            }
        }
        self.groups = Arc::new(classes);
    }
}

/// The subscriptions the dispatcher delivers to.
#[derive(Default)]
pub(crate) struct Hub {
    state: Mutex<HubState>,
}

impl Hub {
    /// Adds the member `build` makes; it gets every event published from now on. The
    /// dispatcher is started with the first member.
    pub fn join(
        self: &Arc<Hub>,
        bus: &crate::bus::Bus,
        build: impl FnOnce(Joined) -> Member,
    ) -> Registration {
        let mut state = lock(&self.state);
        if !state.dispatching {
            state.dispatching = true;
            tokio::spawn(dispatch(Arc::downgrade(self), bus.receiver()));
        }
        let joined = Joined {
            id: state.next_id,
            at: Instant::now(),
        };
        state.next_id += 1;
        let member = Arc::new(build(joined));
        state.members.push(Arc::clone(&member));
        state.regroup();
        drop(state);
        Registration {
            hub: Arc::clone(self),
            member,
            finished: false,
            _listening: bus.listen(),
        }
    }

    fn leave(&self, id: u64) {
        let mut state = lock(&self.state);
        state.members.retain(|member| member.joined.id != id);
        state.regroup();
    }

    fn groups(&self) -> Arc<Vec<ClassGroup>> {
        Arc::clone(&lock(&self.state).groups)
    }

    /// The dispatcher fell behind the bus: every member lost events and resyncs.
    fn lag_everyone(&self) {
        for member in &lock(&self.state).members {
            if member.direct.frames().lag(&member.gate) {
                member.resync.notify_one();
            }
        }
    }
}

/// A member's place in the hub, held by its subscription's stream: dropped, the member leaves,
/// and unless the stream ended by itself (its session ended), its frames still queued are not
/// written (the client completed it or reused its id).
pub(crate) struct Registration {
    hub: Arc<Hub>,
    member: Arc<Member>,
    finished: bool,
    _listening: crate::bus::Listening,
}

impl Registration {
    /// The stream yields its last item: nothing of it is queued after that item, what was
    /// queued before is written.
    fn finish(&mut self) {
        self.finished = true;
        self.member.direct.frames().stop(&self.member.gate);
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.member.direct.frames().stop(&self.member.gate);
        if !self.finished {
            self.member.direct.end();
        }
        self.hub.leave(self.member.joined.id);
    }
}

async fn dispatch(hub: Weak<Hub>, mut events: broadcast::Receiver<crate::bus::ReportEvent>) {
    use broadcast::error::RecvError;
    loop {
        let received = events.recv().await;
        let Some(hub) = hub.upgrade() else { return };
        match received {
            Ok(event) => deliver(&hub.groups(), &event).await,
            Err(RecvError::Lagged(_)) => hub.lag_everyone(),
            Err(RecvError::Closed) => return,
        }
    }
}

/// Whether `member` is to get `event`: published after it joined, its connection still open.
fn receives(member: &Member, event: &crate::bus::ReportEvent) -> bool {
    event
        .published_at
        .is_none_or(|published| published >= member.joined.at)
        && !member.connection.has_ended()
}

/// One event to every member.
async fn deliver(groups: &[ClassGroup], event: &crate::bus::ReportEvent) {
    let mut users: HashMap<&str, Result<Option<User>, UserError>> = HashMap::new();
    // Read when the first member that passes its session check asks.
    let mut report: Option<Option<Arc<Report>>> = None;
    let mut tree = None;
    for class in groups {
        let mut visible = None;
        for document in &class.documents {
            // The first subscriber's decision and bytes, for all of them (`None`: not yet).
            let mut shared: Option<Option<Arc<str>>> = None;
            for member in &document.members {
                if !receives(member, event) || !session_holds(member, &mut users) {
                    continue;
                }
                let services = &member.services;
                let Some(report) = report
                    .get_or_insert_with(|| {
                        let reports = services.workflow.store().reports();
                        reports.get(event.report_id).ok().flatten().map(Arc::new)
                    })
                    .clone()
                else {
                    continue;
                };
                let tree: &Arc<_> = tree.get_or_insert_with(|| services.workflow.units().tree());
                let visible = *visible.get_or_insert_with(|| {
                    can_see(&member.who, &report, tree, services.workflow.rules())
                });
                if !visible {
                    continue;
                }
                let item = ReportEvent::live(event, Arc::clone(&report), member.masked);
                let body = match &shared {
                    Some(None) => continue,
                    Some(Some(body)) => Arc::clone(body),
                    None => {
                        let sla = &services.workflow.clock().sla;
                        if !matches_filter(&report, &member.filter, tree, sla) {
                            shared = Some(None);
                            continue;
                        }
                        let (body, clean) = member.direct.resolve(&item).await;
                        // A response with a field error is each subscriber's own.
                        if clean {
                            shared = Some(Some(Arc::clone(&body)));
                        }
                        body
                    }
                };
                let frame = member.direct.frame(body, event.published_at);
                if member.direct.frames().offer(frame, &member.gate) == Offered::Lagged {
                    member.resync.notify_one();
                }
            }
        }
    }
}

/// Whether `member`'s session still stands for this event, against the user record read once
/// for the event; if not, its connection ends (with every subscription on it).
fn session_holds<'a>(
    member: &'a Member,
    users: &mut HashMap<&'a str, Result<Option<User>, UserError>>,
) -> bool {
    let auth = &member.services.auth;
    let username = member.session.username.as_str();
    let user = users.entry(username).or_insert_with(|| auth.user(username));
    let checked = match user {
        Ok(user) => auth.recheck_against(&member.who, &member.session, user.as_ref()),
        Err(error) => Err(error.clone()),
    };
    match checked {
        Ok(()) => true,
        Err(reason) => {
            tracing::info!(username = %member.who.username, reason = %reason.message, "subscription ended with its session");
            member.connection.end(reason);
            false
        }
    }
}

/// What a member's subscription stream waits for between the dispatcher's deliveries.
struct Watch {
    registration: Registration,
    ending: tokio::sync::watch::Receiver<Option<UserError>>,
    check_due: Pin<Box<tokio::time::Sleep>>,
}

impl Watch {
    fn member(&self) -> &Member {
        &self.registration.member
    }

    /// The periodic re-check, from a fresh read of the user.
    fn recheck(&mut self) -> Result<(), UserError> {
        let member = &self.registration.member;
        let auth = &member.services.auth;
        if let Err(reason) = auth.recheck(&member.who, &member.session) {
            tracing::info!(username = %member.who.username, reason = %reason.message, "subscription ended with its session");
            member.connection.end(reason.clone());
            return Err(reason);
        }
        let next_check = tokio::time::Instant::now() + auth.next_recheck_in(&member.session);
        self.check_due.as_mut().reset(next_check);
        Ok(())
    }

    /// Queues a RESYNC once there is room; `Err` when the socket is gone.
    async fn resync(&self) -> Result<(), ()> {
        let member = self.member();
        let (body, _) = member.direct.resolve(&ReportEvent::resync()).await;
        let frame = member.direct.frame(body, None);
        member
            .direct
            .frames()
            .send_resync(frame, &member.gate)
            .await
    }
}

/// The subscription's stream for async-graphql: it yields nothing but its ending (an error,
/// when the session ends); the events go out through the dispatcher.
pub(crate) fn watch_member(
    registration: Registration,
) -> impl Stream<Item = async_graphql::Result<ReportEvent>> + use<> {
    let member = &registration.member;
    let ending = member.connection.ending();
    let first_check = member.services.auth.next_recheck_in(&member.session);
    let watch = Watch {
        registration,
        ending,
        check_due: Box::pin(tokio::time::sleep(first_check)),
    };
    futures_util::stream::unfold(Some(watch), |watch| async move {
        let mut watch = watch?;
        let member = Arc::clone(&watch.registration.member);
        loop {
            let ended = tokio::select! {
                biased;
                reason = session_ended(&mut watch.ending) => Err(reason),
                () = watch.check_due.as_mut() => watch.recheck(),
                () = member.resync.notified() => match watch.recheck() {
                    Ok(()) => {
                        // The socket is gone: so is the subscription.
                        watch.resync().await.ok()?;
                        Ok(())
                    }
                    Err(reason) => Err(reason),
                },
            };
            if let Err(reason) = ended {
                watch.registration.finish();
                return Some((Err(to_graphql_error(reason)), None));
            }
        }
    })
}

/// The hub's state is plain data; a panic elsewhere while it was held leaves it usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
