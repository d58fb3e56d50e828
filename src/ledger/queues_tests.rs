//! The queues' attempting marks and due reads.

use super::*;
use crate::domain::ids::MessageId;
use crate::ledger::Ledger;

/// A fresh store with `count` messages to send queued in one transaction.
fn store_with_sends(count: u64) -> (tempfile::TempDir, Store, DateTime<Utc>, Vec<Queued>) {
    let data_dir = tempfile::tempdir().unwrap();
    let store = Store::open(&data_dir.path().join("store")).unwrap();
    let now = Utc::now();
    let queued = store
        .transaction(|tx| -> Result<Vec<Queued>, crate::store::TxError<()>> {
            (1..=count)
                .map(|message_id| {
                    Ok(tx.outbox().enqueue(
                        OutboxWork::Deliver {
                            message_id: MessageId::new(message_id),
                        },
                        now,
                    )?)
                })
                .collect()
        })
        .unwrap();
    (data_dir, store, now, queued)
}

#[test]
fn only_an_unattempted_send_this_run_queued_moments_ago_is_left_for_intake() {
    let (_data_dir, store, now, queued) = store_with_sends(1);
    let run = store.run();
    let grace = chrono::Duration::seconds(10);
    let item = queued[0].item.clone();
    assert!(item.freshly_queued_by(run, now, grace));
    assert!(
        !item.freshly_queued_by(run, now + grace, grace),
        "never handed over in time: the queue's to send"
    );
    assert!(
        !item.freshly_queued_by(run + 1, now, grace),
        "an earlier run's"
    );
    let mut attempted = item.clone();
    attempted.mark_attempting(now, run);
    assert!(!attempted.freshly_queued_by(run, now, grace), "a retry");
    let receipt = OutboxItem {
        work: OutboxWork::MarkRead {
            external_id: "wamid.x".parse().unwrap(),
        },
        ..item
    };
    assert!(
        !receipt.freshly_queued_by(run, now, grace),
        "intake does not hand over read receipts"
    );
}

#[test]
fn a_send_is_marked_only_when_attempted_and_only_an_earlier_runs_mark_needs_reconciling() {
    let (_data_dir, store, now, queued) = store_with_sends(2);
    let items: Vec<(QueueKey, OutboxItem)> = store.outbox().due(now, 10, |_| true).unwrap();
    for (_, item) in &items {
        assert_eq!(item.in_flight_since, None, "queued, not attempted");
        assert!(!item.maybe_sent_by_earlier_run(store.run()));
        assert_eq!(item.queued_run, Some(store.run()));
    }

    let later = now + chrono::Duration::seconds(1);
    let marked = crate::ledger::write(&store, |tx| {
        tx.outbox().mark_attempting(&queued[0].key, later)
    })
    .unwrap();
    assert!(marked);
    let send = store.outbox().get(&queued[0].key).unwrap().unwrap();
    assert_eq!(send.in_flight_since, Some(later));
    assert_eq!(send.in_flight_run, Some(store.run()));
    assert!(send.attempted);
    assert!(
        !send.maybe_sent_by_earlier_run(store.run()),
        "this run knows its own sends"
    );
    let untouched = store.outbox().get(&queued[1].key).unwrap().unwrap();
    assert_eq!(
        untouched, queued[1].item,
        "only the attempted send is marked"
    );

    let mut from_a_crashed_run = send.clone();
    from_a_crashed_run.in_flight_run = Some(store.run().wrapping_add(1));
    assert!(from_a_crashed_run.maybe_sent_by_earlier_run(store.run()));
    let mut from_before_runs_were_kept = send.clone();
    from_before_runs_were_kept.in_flight_run = None;
    assert!(from_before_runs_were_kept.maybe_sent_by_earlier_run(store.run()));

    crate::ledger::write(&store, |tx| tx.outbox().remove(&queued[1].key)).unwrap();
    let gone = crate::ledger::write(&store, |tx| {
        tx.outbox().mark_attempting(&queued[1].key, later)
    })
    .unwrap();
    assert!(
        !gone,
        "an item no longer queued is not marked (nor written back)"
    );
    assert_eq!(store.outbox().get(&queued[1].key).unwrap(), None);
}

#[test]
fn due_items_skips_what_the_claim_refuses_without_reading_it() {
    let (_data_dir, store, now, queued) = store_with_sends(5);
    let ids: Vec<u64> = queued.iter().map(|queued| queued.item.id).collect();
    // An unreadable value under a refused id does not matter.
    store
        .put(
            Table::Outbox,
            &QueueKey::new(now, ids[0]).0,
            b"\x00\x01not json",
        )
        .unwrap();
    let mut asked = Vec::new();
    let due: Vec<(QueueKey, OutboxItem)> = store
        .outbox()
        .due(now, 2, |id| {
            asked.push(id);
            id != ids[0] && id != ids[1]
        })
        .unwrap();
    let got: Vec<u64> = due.iter().map(|(_, item)| item.id).collect();
    assert_eq!(got, vec![ids[2], ids[3]]);
    assert_eq!(
        asked,
        ids[..4],
        "no claim is asked for once the limit is reached"
    );
}
