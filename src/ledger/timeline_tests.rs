//! The timeline as one record per report, read together with older builds' single entries.

use super::*;
use crate::ledger::{Ledger, write};

fn event(report: u64, sequence: u64, minute: i64) -> TimelineEvent {
    TimelineEvent {
        report_id: ReportId::new(report),
        sequence,
        at: DateTime::from_timestamp(1_800_000_000 + minute * 60, 0).unwrap(),
        kind: TimelineKind::Note,
        actor: Actor::System,
        note: Some(format!("entry {sequence}")),
        message_id: None,
    }
}

fn sequences(events: &[TimelineEvent]) -> Vec<u64> {
    events.iter().map(|event| event.sequence).collect()
}

fn open_store() -> (tempfile::TempDir, Store) {
    let data_dir = tempfile::tempdir().unwrap();
    let store = Store::open(&data_dir.path().join("store")).unwrap();
    (data_dir, store)
}

#[test]
fn entries_appended_in_one_transaction_are_one_key_written_once() {
    let (_data_dir, store) = open_store();
    let before = store.write_counts();
    write(&store, |tx| {
        for sequence in 1..=3 {
            append_event(tx, &event(7, sequence, sequence as i64))?;
        }
        Ok(())
    })
    .unwrap();
    let after = store.write_counts();
    assert_eq!(after.of(Table::Timeline) - before.of(Table::Timeline), 1);
    assert_eq!(after.transactions - before.transactions, 1);
    assert_eq!(store.len(Table::Timeline), 1);
    assert_eq!(
        sequences(&store.reports().timeline(ReportId::new(7)).unwrap()),
        [1, 2, 3]
    );
    write(&store, |tx| append_event(tx, &event(7, 4, 9))).unwrap();
    let timeline = store.reports().timeline(ReportId::new(7)).unwrap();
    assert_eq!(sequences(&timeline), [1, 2, 3, 4]);
    assert_eq!(timeline[3], event(7, 4, 9));
    assert_eq!(store.len(Table::Timeline), 1);
}

#[test]
fn an_older_builds_single_entries_read_with_the_record_in_sequence_order() {
    let (_data_dir, store) = open_store();
    // Report 5 was opened by an older build (entries 1 and 2 under their own keys) and went on
    // with this one; report 6 is all old; report 4 all new.
    write(&store, |tx| {
        plant_single_entry(tx, &event(5, 1, 1))?;
        plant_single_entry(tx, &event(5, 2, 2))?;
        plant_single_entry(tx, &event(6, 1, 1))?;
        append_event(tx, &event(4, 1, 1))
    })
    .unwrap();
    write(&store, |tx| {
        append_event(tx, &event(5, 3, 3))?;
        append_event(tx, &event(5, 4, 4))
    })
    .unwrap();
    assert_eq!(
        sequences(&store.reports().timeline(ReportId::new(5)).unwrap()),
        [1, 2, 3, 4]
    );
    assert_eq!(
        sequences(&store.reports().timeline(ReportId::new(6)).unwrap()),
        [1]
    );
    let surveyed: Vec<(u64, u64)> = store
        .survey()
        .timeline()
        .map(|entry| {
            let (report_id, event) = entry.unwrap();
            assert_eq!(report_id, event.report_id);
            (report_id.get(), event.sequence)
        })
        .collect();
    assert_eq!(surveyed, [(4, 1), (5, 1), (5, 2), (5, 3), (5, 4), (6, 1)]);
    assert_eq!(store.survey().timeline_len(), 6);
}

#[test]
fn an_unreadable_record_is_an_error_not_an_empty_timeline() {
    let (_data_dir, store) = open_store();
    store
        .put(Table::Timeline, &u64_key(3), b"\x00\x01not json")
        .unwrap();
    assert!(store.reports().timeline(ReportId::new(3)).is_err());
    assert!(store.survey().timeline().any(|entry| entry.is_err()));
}
