//! Group ingestion: webhook deliveries that arrive while a transaction runs are applied
//! together in the next one, on one dedicated thread. Under load this turns hundreds of small
//! transactions (each contending with the others) into a few larger ones, and the durable
//! flush that follows is shared as before. A delivery is still applied as if alone, and its
//! caller still answers 200 only after the flush.
//!
//! The thread never dies of a delivery: a group whose transaction fails (an error or a panic)
//! is applied again one delivery at a time, so one poison delivery never fails its neighbours,
//! and the poison itself is handled in `poison.rs`. Its liveness is on the worker board.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use super::poison::{Failure, Strikes, ThreadHealth, guarded};
use super::{AcceptError, Delivery, IngestOutcome, Intake};
use crate::domain::ids::Wamid;
use crate::domain::inbound::InboundItem;
use crate::ledger::Commit;
use crate::routing::Suggestion;
use crate::worker::ThreadReading;

/// A transaction takes at most about this many items (a single larger delivery goes alone).
const MAX_ITEMS_PER_TRANSACTION: usize = 256;
/// Deliveries waiting for the ingest thread; beyond this, callers wait to hand theirs over.
const QUEUE_CAPACITY: usize = 1024;

struct Job {
    body: Bytes,
    items: Vec<InboundItem>,
    received_at: DateTime<Utc>,
    presuggested: HashMap<Wamid, Suggestion>,
    reply: oneshot::Sender<Result<IngestOutcome, String>>,
}

/// Hands deliveries to the ingest thread. Cheap to clone; the thread ends when the last
/// clone is dropped.
#[derive(Clone)]
pub struct IngestBatcher {
    intake: Intake,
    jobs: mpsc::Sender<Job>,
    commit: Commit,
    health: Arc<ThreadHealth>,
}

impl IngestBatcher {
    pub fn start(intake: Intake, commit: Commit) -> IngestBatcher {
        let (jobs, queue) = mpsc::channel(QUEUE_CAPACITY);
        let worker = intake.clone();
        let health = Arc::new(ThreadHealth::default());
        let thread_health = Arc::clone(&health);
        let spawned = std::thread::Builder::new()
            .name("siaga-ingest".to_string())
            .spawn(move || run(worker, queue, &thread_health));
        if let Err(error) = spawned {
            // Without the thread every delivery fails with 503 and Meta retries; say why.
            health.ended(&format!("the ingest thread could not start: {error}"));
            tracing::error!(%error, "the ingest thread could not start");
        }
        IngestBatcher {
            intake,
            jobs,
            commit,
            health,
        }
    }

    /// The ingest thread's liveness, for `/readyz` and `/metrics` (without keeping the thread
    /// alive, as a clone of the batcher would).
    pub fn health_reader(&self) -> impl Fn() -> ThreadReading + Send + Sync + 'static {
        let health = Arc::clone(&self.health);
        move || health.reading()
    }

    /// Accepts one webhook delivery: applies it (with whatever else is waiting), makes it
    /// durable, and hands what it queued to the workers and its events to the bus. Once this
    /// returns `Ok`, the delivery may be acknowledged.
    pub async fn accept(
        &self,
        body: Bytes,
        items: Vec<InboundItem>,
        received_at: DateTime<Utc>,
    ) -> Result<IngestOutcome, AcceptError> {
        let mut outcome = self
            .ingest(body, items, received_at)
            .await
            .map_err(AcceptError::NotStored)?;
        self.commit
            .settle(outcome.take_effects())
            .await
            .map_err(AcceptError::NotDurable)?;
        Ok(outcome)
    }

    /// Applies one delivery (together with whatever else is waiting) and returns its outcome,
    /// not yet durable (see `accept`).
    async fn ingest(
        &self,
        body: Bytes,
        items: Vec<InboundItem>,
        received_at: DateTime<Utc>,
    ) -> Result<IngestOutcome, String> {
        let presuggested = self.intake.presuggest(&items);
        let (reply, answer) = oneshot::channel();
        let job = Job {
            body,
            items,
            received_at,
            presuggested,
            reply,
        };
        if self.jobs.send(job).await.is_err() {
            return Err("the ingest thread has stopped".to_string());
        }
        answer
            .await
            .unwrap_or_else(|_| Err("the ingest thread dropped the delivery".to_string()))
    }
}

fn run(intake: Intake, mut queue: mpsc::Receiver<Job>, health: &ThreadHealth) {
    let _running = health.running();
    let mut strikes = Strikes::default();
    while let Some(first) = queue.blocking_recv() {
        let mut item_count = first.items.len();
        let mut batch = vec![first];
        while item_count < MAX_ITEMS_PER_TRANSACTION {
            match queue.try_recv() {
                Ok(job) => {
                    item_count += job.items.len();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        health.busy(true);
        // Every apply inside is guarded; this catches the rest (answering, bookkeeping). The
        // batch's callers whose answer was dropped get 503 and Meta retries them.
        let settled = std::panic::catch_unwind(AssertUnwindSafe(|| {
            apply_batch(&intake, batch, &mut strikes, health)
        }));
        if let Err(panic) = settled {
            let message = crate::worker::panic_message(panic.as_ref());
            tracing::error!(panic = %message, "the ingest thread caught a panic outside an apply; its deliveries get 503");
            health.failed_step(&format!("panicked: {message}"));
        }
        health.busy(false);
    }
}

fn apply_batch(intake: &Intake, mut batch: Vec<Job>, strikes: &mut Strikes, health: &ThreadHealth) {
    let presuggested: Vec<HashMap<Wamid, Suggestion>> = batch
        .iter_mut()
        .map(|job| std::mem::take(&mut job.presuggested))
        .collect();
    let deliveries: Vec<Delivery<'_>> = batch
        .iter()
        .zip(presuggested)
        .map(|(job, presuggested)| Delivery {
            raw_body: &job.body,
            items: &job.items,
            received_at: job.received_at,
            presuggested,
        })
        .collect();
    let together = guarded(|| intake.ingest_together(&deliveries));
    let failure = match together {
        Ok(outcomes) => {
            debug_assert_eq!(outcomes.len(), batch.len());
            health.progressed(batch.len() as u64);
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                // A caller that went away (client disconnected) needs no answer.
                let _ = job.reply.send(Ok(outcome));
            }
            return;
        }
        Err(failure) => failure,
    };
    health.failed_step(&failure.to_string());
    if matches!(failure, Failure::Poisoned(_)) {
        // Nothing can be stored any more; applying alone would fail the same way.
        let message = failure.to_string();
        for job in batch {
            let _ = job.reply.send(Err(message.clone()));
        }
        return;
    }
    if deliveries.len() > 1 {
        tracing::warn!(deliveries = deliveries.len(), %failure, "a group's transaction failed; applying each delivery alone");
    }
    // Each alone: the good ones are stored as if nothing happened, the poison is found.
    let answers: Vec<Result<IngestOutcome, String>> = deliveries
        .iter()
        .map(|delivery| {
            let alone = if deliveries.len() == 1 {
                Err(failure.clone())
            } else {
                guarded(|| intake.ingest_together(std::slice::from_ref(delivery)))
            };
            match alone {
                Ok(mut outcomes) => {
                    health.progressed(1);
                    Ok(outcomes.pop().unwrap_or_default())
                }
                Err(failure) => intake.fails_alone(delivery, &failure, strikes),
            }
        })
        .collect();
    drop(deliveries);
    for (job, answer) in batch.into_iter().zip(answers) {
        let _ = job.reply.send(answer);
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::domain::phone::PhoneNumber;
    use crate::intake::IntakeSettings;
    use crate::profile::Profile;
    use crate::store::Store;
    use crate::whatsapp::payload::{Citizen, text_message, to_wire_bytes};
    use crate::whatsapp::webhook::parse_notification;

    fn intake(store: &Store) -> Intake {
        let settings = IntakeSettings {
            thread_window: Duration::hours(24),
            ticket_prefix: "WA".into(),
            follow_up_ack_interval: Duration::minutes(10),
            mark_read: false,
            replies: Profile::load("sumsel").unwrap().replies,
            router: None,
            access: Default::default(),
            category_titles: Default::default(),
            pace_limit: Default::default(),
            channels: Default::default(),
            panic_on_text: None,
        };
        Intake::new(store.clone(), settings)
    }

    fn delivery(phone: &str, wamid: &str, text: &str) -> (Bytes, Vec<InboundItem>) {
        let citizen = Citizen {
            phone: PhoneNumber::parse(phone).unwrap(),
            name: "Warga".into(),
        };
        let body = to_wire_bytes(&text_message(&citizen, wamid, Utc::now().timestamp(), text));
        let items = parse_notification(&body, Utc::now()).unwrap();
        (Bytes::from(body), items)
    }

    /// Applies `deliveries` together, in one transaction, to a fresh store: one batch of jobs
    /// as the ingest thread would take them off its queue.
    fn apply_together(
        deliveries: &[(Bytes, Vec<InboundItem>)],
    ) -> (tempfile::TempDir, Store, Vec<IngestOutcome>) {
        let data_dir = tempfile::tempdir().unwrap();
        let store = Store::open(&data_dir.path().join("store")).unwrap();
        let answers = apply_one_batch(
            &intake(&store),
            &mut Strikes::default(),
            &ThreadHealth::default(),
            deliveries,
        );
        let outcomes = answers.into_iter().map(Result::unwrap).collect();
        (data_dir, store, outcomes)
    }

    /// One batch of jobs as the ingest thread would take them off its queue; the answers.
    fn apply_one_batch(
        intake: &Intake,
        strikes: &mut Strikes,
        health: &ThreadHealth,
        deliveries: &[(Bytes, Vec<InboundItem>)],
    ) -> Vec<Result<IngestOutcome, String>> {
        let mut answers = Vec::new();
        let batch: Vec<Job> = deliveries
            .iter()
            .map(|(body, items)| {
                let (reply, answer) = oneshot::channel();
                answers.push(answer);
                Job {
                    body: body.clone(),
                    items: items.clone(),
                    received_at: Utc::now(),
                    presuggested: intake.presuggest(items),
                    reply,
                }
            })
            .collect();
        apply_batch(intake, batch, strikes, health);
        answers
            .into_iter()
            .map(|mut answer| answer.try_recv().expect("every job is answered"))
            .collect()
    }

    #[test]
    fn a_poison_delivery_in_a_group_fails_alone_and_is_quarantined_when_it_fails_again() {
        use crate::ledger::Ledger;

        let data_dir = tempfile::tempdir().unwrap();
        let store = Store::open(&data_dir.path().join("store")).unwrap();
        let mut settings = intake(&store).settings().clone();
        settings.panic_on_text = Some("racun".into());
        let intake = Intake::new(store.clone(), settings);
        let (mut strikes, health) = (Strikes::default(), ThreadHealth::default());
        let poison = delivery("081377107009", "wamid.poison.9", "racun");

        let first = apply_one_batch(
            &intake,
            &mut strikes,
            &health,
            &[
                delivery("081377107001", "wamid.poison.1", "motor saya dicuri"),
                poison.clone(),
                delivery("081377107002", "wamid.poison.2", "macet di ampera"),
            ],
        );
        assert!(first[0].as_ref().is_ok_and(|o| o.reports_opened == 1));
        assert!(
            first[1]
                .as_ref()
                .is_err_and(|error| error.contains("injected fault")),
            "{:?}",
            first[1]
        );
        assert!(first[2].as_ref().is_ok_and(|o| o.reports_opened == 1));
        assert_eq!(store.reports().count(), 2, "the neighbours are stored");
        assert!(
            store.quarantine().is_empty(),
            "one failure may be transient"
        );
        let poison_wamid = Wamid::parse("wamid.poison.9").unwrap();
        assert_eq!(store.messages().id_by_wamid(&poison_wamid).unwrap(), None);

        let second = apply_one_batch(
            &intake,
            &mut strikes,
            &health,
            &[
                poison.clone(),
                delivery("081377107003", "wamid.poison.3", "ada begal"),
            ],
        );
        let quarantined = second[0].as_ref().expect("acknowledged once quarantined");
        assert_eq!(quarantined.quarantined, 1);
        assert_eq!(quarantined.messages_new, 0);
        assert!(second[1].as_ref().is_ok_and(|o| o.reports_opened == 1));
        let kept = store.quarantine().all().unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].body.as_bytes(), &poison.0[..]);
        assert_eq!(store.reports().count(), 3);
        assert_eq!(store.messages().id_by_wamid(&poison_wamid).unwrap(), None);
        let reading = health.reading();
        assert!(reading.running);
        assert_eq!(reading.errors, 2, "two failed groups");
        assert_eq!(reading.items_done, 3);
    }

    #[test]
    fn deliveries_applied_together_behave_as_if_applied_one_after_the_other() {
        let (_data_dir, store, outcomes) = apply_together(&[
            delivery("081377105001", "wamid.together.1", "motor saya dicuri"),
            delivery("081377105001", "wamid.together.2", "plat BG 1234 AB"),
            delivery("081377105002", "wamid.together.3", "macet di ampera"),
            delivery("081377105002", "wamid.together.3", "macet di ampera"),
        ]);
        let opened: Vec<u64> = outcomes
            .iter()
            .map(|outcome| outcome.reports_opened)
            .collect();
        assert_eq!(
            opened,
            vec![1, 0, 1, 0],
            "the second message joins the first report"
        );
        assert_eq!(
            outcomes[3].duplicates, 1,
            "the same wamid twice is seen once"
        );
        assert_eq!(crate::ledger::Ledger::reports(&store).count(), 2);
        assert_eq!(
            crate::ledger::Ledger::messages(&store).count(),
            3 + 2,
            "three inbound, two automatic replies"
        );
    }

    #[test]
    fn the_replies_handed_to_the_sender_carry_the_records_as_committed() {
        use crate::domain::message::Message;
        use crate::domain::report::Report;
        use crate::domain::reporter::Reporter;
        use crate::ledger::Ledger;
        use crate::ledger::OutboxWork;

        let (_data_dir, store, outcomes) = apply_together(&[
            delivery("081377106001", "wamid.known.1", "motor saya dicuri"),
            delivery("081377106002", "wamid.known.2", "macet di ampera"),
        ]);
        for outcome in &outcomes {
            assert_eq!(outcome.outbox.len(), 1, "one automatic reply each");
            let queued = &outcome.outbox[0];
            let known = queued
                .known
                .as_ref()
                .expect("intake describes its own reply");
            let OutboxWork::Deliver { message_id } = queued.item.work else {
                panic!("a reply, not a read receipt");
            };
            let stored: Message = store.messages().get(message_id).unwrap().unwrap();
            assert_eq!(known.message, stored);
            let reporter: Reporter = store
                .reporters()
                .get(stored.reporter_id.unwrap())
                .unwrap()
                .unwrap();
            assert_eq!(known.reporter, reporter);
            let report: Report = store
                .reports()
                .get(stored.report_id.unwrap())
                .unwrap()
                .unwrap();
            assert_eq!(known.ticket, report.ticket);
        }
    }

    #[tokio::test]
    async fn the_batcher_answers_every_caller_with_its_own_outcome() {
        let data_dir = tempfile::tempdir().unwrap();
        let store = Store::open(&data_dir.path().join("store")).unwrap();
        let (outbox_feed, _) = crate::ledger::outbox_feed();
        let commit = Commit::new(
            store.clone(),
            crate::bus::Bus::new(64),
            outbox_feed,
            Default::default(),
            Default::default(),
        );
        let batcher = IngestBatcher::start(intake(&store), commit);
        let mut calls = Vec::new();
        for index in 0..20 {
            let (body, items) = delivery(
                &format!("0813771051{index:02}"),
                &format!("wamid.batched.{index}"),
                "ada begal",
            );
            let batcher = batcher.clone();
            calls.push(tokio::spawn(async move {
                batcher.ingest(body, items, Utc::now()).await
            }));
        }
        for call in calls {
            let outcome = call.await.unwrap().unwrap();
            assert_eq!(outcome.reports_opened, 1);
            assert_eq!(outcome.messages_new, 1);
        }
        assert_eq!(crate::ledger::Ledger::reports(&store).count(), 20);
    }
}
