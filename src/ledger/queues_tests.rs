//! The queues' in-flight marks and due reads.

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
    let attempted = OutboxItem {
        attempted: true,
        ..item.clone()
    };
    assert!(!attempted.freshly_queued_by(run, now, grace), "a retry");
    let receipt = OutboxItem {
        in_flight_since: None,
        in_flight_run: None,
        ..item
    };
    assert!(!receipt.freshly_queued_by(run, now, grace), "not marked");
}

#[test]
fn a_queued_send_is_marked_by_this_run_and_only_an_earlier_run_needs_reconciling() {
    let data_dir = tempfile::tempdir().unwrap();
    let store = Store::open(&data_dir.path().join("store")).unwrap();
    let now = Utc::now();
    store
        .transaction(|tx| -> Result<(), crate::store::TxError<()>> {
            tx.outbox().enqueue(
                OutboxWork::Deliver {
                    message_id: MessageId::new(7),
                },
                now,
            )?;
            tx.outbox().enqueue(
                OutboxWork::MarkRead {
                    external_id: "wamid.x".parse().unwrap(),
                },
                now,
            )?;
            Ok(())
        })
        .unwrap();
    let items: Vec<(QueueKey, OutboxItem)> = store.outbox().due(now, 10, |_| true).unwrap();
    let (send, receipt) = (&items[0].1, &items[1].1);
    assert_eq!(send.in_flight_since, Some(now));
    assert_eq!(send.in_flight_run, Some(store.run()));
    assert!(
        !send.maybe_sent_by_earlier_run(store.run()),
        "this run knows its own sends"
    );
    assert_eq!(
        receipt.in_flight_since, None,
        "a read receipt is harmless to repeat"
    );

    let mut from_a_crashed_run = send.clone();
    from_a_crashed_run.in_flight_run = Some(store.run().wrapping_add(1));
    assert!(from_a_crashed_run.maybe_sent_by_earlier_run(store.run()));
    let mut from_before_runs_were_kept = send.clone();
    from_before_runs_were_kept.in_flight_run = None;
    assert!(from_before_runs_were_kept.maybe_sent_by_earlier_run(store.run()));
}

#[test]
fn a_clean_stop_clears_the_marks_of_sends_never_attempted_and_keeps_the_others() {
    let (_data_dir, store, now, queued) = store_with_sends(4);
    // The second was tried and is waiting to retry; the third is from a crashed run.
    let mut retried = queued[1].item.clone();
    retried.attempted = true;
    let mut crashed = queued[2].item.clone();
    crashed.in_flight_run = Some(store.run().wrapping_add(1));
    for (key, item) in [(&queued[1].key, &retried), (&queued[2].key, &crashed)] {
        let value = crate::store::codec::encode(item).unwrap();
        store.put(Table::Outbox, &key.0, &value).unwrap();
    }

    // The fourth is still claimed: its answer could not be recorded.
    let kept = queued[3].item.id;
    assert_eq!(
        store
            .outbox()
            .clear_unattempted_marks(|id| id == kept)
            .unwrap(),
        1
    );
    let items: Vec<OutboxItem> = store
        .outbox()
        .due(now, 10, |_| true)
        .unwrap()
        .into_iter()
        .map(|(_, item)| item)
        .collect();
    assert_eq!(
        items[0].in_flight_since, None,
        "never attempted: sent at once next run"
    );
    assert!(!items[0].maybe_sent_by_earlier_run(store.run()));
    assert!(
        items[1].in_flight_since.is_some(),
        "tried: reconciled next run"
    );
    assert_eq!(
        items[2].in_flight_run, crashed.in_flight_run,
        "not this run's to clear"
    );
    assert!(items[3].in_flight_since.is_some(), "claimed: kept");
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
