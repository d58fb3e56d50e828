//! Group ingestion: webhook deliveries that arrive while a transaction runs are applied
//! together in the next one, on one dedicated thread. Under load this turns hundreds of small
//! transactions (each contending with the others) into a few larger ones, and the durable
//! flush that follows is shared as before. A delivery is still applied as if alone, and its
//! caller still answers 200 only after the flush.

use std::collections::HashMap;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use super::{AcceptError, Delivery, IngestOutcome, Intake};
use crate::domain::ids::Wamid;
use crate::domain::inbound::InboundItem;
use crate::ledger::Commit;
use crate::routing::Suggestion;

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
}

impl IngestBatcher {
    pub fn start(intake: Intake, commit: Commit) -> IngestBatcher {
        let (jobs, queue) = mpsc::channel(QUEUE_CAPACITY);
        let worker = intake.clone();
        let spawned = std::thread::Builder::new()
            .name("siaga-ingest".to_string())
            .spawn(move || run(worker, queue));
        if let Err(error) = spawned {
            // Without the thread every delivery fails with 503 and Meta retries; say why.
            tracing::error!(%error, "the ingest thread could not start");
        }
        IngestBatcher {
            intake,
            jobs,
            commit,
        }
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

fn run(intake: Intake, mut queue: mpsc::Receiver<Job>) {
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
        apply_batch(&intake, batch);
    }
}

fn apply_batch(intake: &Intake, mut batch: Vec<Job>) {
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
    let result = intake.ingest_together(&deliveries);
    drop(deliveries);
    match result {
        Ok(outcomes) => {
            debug_assert_eq!(outcomes.len(), batch.len());
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                // A caller that went away (client disconnected) needs no answer.
                let _ = job.reply.send(Ok(outcome));
            }
        }
        Err(error) => {
            let message = error.to_string();
            for job in batch {
                let _ = job.reply.send(Err(message.clone()));
            }
        }
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
        let intake = intake(&store);
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
        apply_batch(&intake, batch);
        let outcomes = answers
            .into_iter()
            .map(|mut answer| answer.try_recv().unwrap().unwrap())
            .collect();
        (data_dir, store, outcomes)
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
