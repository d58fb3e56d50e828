//! The scale example's store build: the stories' deliveries applied through intake's batch path
//! (`Intake::ingest_together`, the transaction the webhook's batcher runs, here with hundreds of
//! deliveries per transaction and one flush per batch), then the desk's outcome of each report
//! (triage, forward, status moves, a note) written through the ledger with its timeline, as the
//! workflow would have written it at the corpus's times. The automatic replies and media
//! downloads intake queued are taken off their queues as if sent and fetched (the replies'
//! messages stay `queued`; no media file is written: bytes per report exclude media).
//!
//! Resumable: `progress` in the work dir counts the stories whose batch is complete; a build
//! stopped midway starts again at the first incomplete batch, whose deliveries intake then
//! recognises as duplicates, and the outcome pass finds their reports by wamid.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use siaga::app::open_core;
use siaga::config::{Config, Settings};
use siaga::domain::ids::{UnitCode, Wamid};
use siaga::domain::report::{Report, ReportStatus};
use siaga::domain::timeline::{Actor, TimelineKind};
use siaga::intake::Intake;
use siaga::ledger::{Ledger, write};
use siaga::search::IndexDoc;
use siaga::store::{Store, StoreError, Tx};
use siaga::whatsapp::webhook::parse_notification;

use super::corpus::Corpus;
use super::stories::{Story, stories};

/// What the build did, for the table.
pub struct Built {
    pub reports: u64,
    /// Stories applied by this run (0 when the store was already built).
    pub applied_now: u64,
    pub elapsed: Duration,
}

pub const SEED: u64 = 160;

fn progress_file(work: &Path) -> std::path::PathBuf {
    work.join("progress")
}

/// Stories whose batch is complete in the store under `work`.
pub fn stories_done(work: &Path) -> u64 {
    std::fs::read_to_string(progress_file(work))
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(0)
}

/// The settings of the build's store, as `siaga serve` opens it (profile, defaults).
pub fn store_settings(data_dir: &Path) -> Settings {
    Settings {
        data_dir: Some(data_dir.to_path_buf()),
        ..Settings::default()
    }
}

/// Builds (or completes) a store of `count` reports in `work/data`, `batch` stories per
/// transaction.
pub fn build(work: &Path, count: u64, batch: usize) -> anyhow::Result<Built> {
    let done = stories_done(work);
    let started = Instant::now();
    if done >= count {
        return Ok(Built {
            reports: done,
            applied_now: 0,
            elapsed: started.elapsed(),
        });
    }
    let core = open_core(&Config::validate(store_settings(&work.join("data")))?)?;
    let corpus = Corpus::load();
    let mut all = stories(&corpus, count, SEED, None).skip(done as usize);
    let mut position = done;
    let mut last_print = Instant::now();
    loop {
        let chunk: Vec<Story> = all.by_ref().take(batch).collect();
        if chunk.is_empty() {
            break;
        }
        apply_batch(&core.intake, &core.store, &chunk)?;
        position += chunk.len() as u64;
        std::fs::write(progress_file(work), position.to_string())?;
        if last_print.elapsed() > Duration::from_secs(10) {
            let rate = (position - done) as f64 / started.elapsed().as_secs_f64();
            eprintln!("build: {position}/{count} reports, {rate:.0} reports/s");
            last_print = Instant::now();
        }
    }
    Ok(Built {
        reports: position,
        applied_now: position - done,
        elapsed: started.elapsed(),
    })
}

/// Applies one batch of stories: their deliveries in one intake transaction, then their
/// outcomes in one ledger transaction, then one durable flush.
pub fn apply_batch(intake: &Intake, store: &Store, chunk: &[Story]) -> anyhow::Result<()> {
    ingest(intake, chunk)?;
    // Read before the transaction: sled's transaction holds the tables a plain read waits on.
    let far = Utc::now() + chrono::Duration::days(3650);
    let replies = store.outbox().due(far, 100_000, |_| true)?;
    let downloads = store.media_queue().due(far, 100_000, |_| true)?;
    write(store, |tx| {
        for story in chunk {
            apply_outcome(tx, story)?;
        }
        for (key, _) in &replies {
            tx.outbox().remove(key)?;
        }
        for (key, _) in &downloads {
            tx.media_queue().remove(key)?;
        }
        Ok(())
    })?;
    store.flush_blocking()?;
    Ok(())
}

/// The stories' deliveries through intake's batch path, in order, in one transaction.
pub fn ingest(intake: &Intake, chunk: &[Story]) -> anyhow::Result<()> {
    let parsed: Vec<_> = chunk
        .iter()
        .flat_map(|story| &story.deliveries)
        .map(|delivery| {
            parse_notification(&delivery.body, delivery.received_at).map(|items| (delivery, items))
        })
        .collect::<Result<_, _>>()?;
    let deliveries: Vec<_> = parsed
        .iter()
        .map(|(delivery, items)| intake.delivery(&delivery.body, items, delivery.received_at))
        .collect();
    intake.ingest_together(&deliveries)?;
    Ok(())
}

/// The desk's work on the story's report, at the corpus's times, by a named operator.
fn apply_outcome(tx: &Tx<'_>, story: &Story) -> Result<(), StoreError> {
    let first = &story.deliveries[0];
    let wamid = Wamid::parse(&first.wamid).expect("a generated wamid");
    let Some(message_id) = tx.messages().id_by_wamid(&wamid)? else {
        return Ok(());
    };
    let Some(report_id) = tx
        .messages()
        .get(message_id)?
        .and_then(|message| message.report_id)
    else {
        return Ok(());
    };
    let Some(mut report) = tx.reports().get(report_id)? else {
        return Ok(());
    };
    if report.status != ReportStatus::New {
        // Already applied (a resumed batch).
        return Ok(());
    }
    let doc = &story.outcome;
    if doc.status == ReportStatus::New {
        return Ok(());
    }
    let operator = Actor::User(format!("op{:02}", doc.report_id.get() % 40));
    let at =
        |seconds: Option<i64>| doc.created_at + chrono::Duration::seconds(seconds.unwrap_or(0));
    let mut timeline = TimelineWriter {
        tx,
        report: &mut report,
        actor: operator,
    };
    let acted = at(doc.first_action_secs);
    timeline.triage(doc, acted)?;
    timeline.status(ReportStatus::Triaged, acted)?;
    if let Some(unit) = doc.unit_path.last() {
        let forwarded = at(doc.forward_secs);
        timeline.report.assigned_unit = Some(UnitCode::trusted(unit.as_str()));
        timeline.append(
            TimelineKind::Forwarded,
            format!("forwarded to {unit}"),
            forwarded,
        )?;
        timeline.status(ReportStatus::Forwarded, forwarded)?;
        if let Some(note) = doc.notes.first() {
            timeline.append(TimelineKind::Note, note.clone(), forwarded)?;
        }
    }
    let path: &[ReportStatus] = match doc.status {
        ReportStatus::InProgress => &[ReportStatus::InProgress],
        ReportStatus::Resolved => &[ReportStatus::InProgress, ReportStatus::Resolved],
        ReportStatus::Closed => &[
            ReportStatus::InProgress,
            ReportStatus::Resolved,
            ReportStatus::Closed,
        ],
        ReportStatus::Rejected => &[ReportStatus::Rejected],
        ReportStatus::Spam => &[ReportStatus::Spam],
        _ => &[],
    };
    let finished = at(doc.resolve_secs.or(doc.forward_secs));
    for next in path {
        if timeline.report.status.can_move_to(*next, None) {
            timeline.status(*next, finished)?;
        }
    }
    tx.reports().save(&report)
}

/// Appends timeline entries to one report as one operator.
struct TimelineWriter<'w, 'tx> {
    tx: &'w Tx<'tx>,
    report: &'w mut Report,
    actor: Actor,
}

impl TimelineWriter<'_, '_> {
    fn append(
        &mut self,
        kind: TimelineKind,
        note: String,
        at: chrono::DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.tx.reports().append_timeline(
            self.report,
            kind,
            self.actor.clone(),
            Some(note),
            None,
            at,
        )?;
        self.report.mark_acted_on(at);
        self.report.updated_at = at;
        self.report.last_activity_at = self.report.last_activity_at.max(at);
        Ok(())
    }

    fn triage(&mut self, doc: &IndexDoc, at: chrono::DateTime<Utc>) -> Result<(), StoreError> {
        self.report.category = doc.category.clone().or(self.report.category.take());
        self.report.priority = doc.priority.or(self.report.priority);
        self.report.summary = doc.summary.clone();
        let note = format!(
            "category {}; priority {}",
            self.report.category.as_deref().unwrap_or("-"),
            self.report
                .priority
                .map_or("-", |priority| priority.as_str())
        );
        self.append(TimelineKind::Triaged, note, at)
    }

    fn status(&mut self, next: ReportStatus, at: chrono::DateTime<Utc>) -> Result<(), StoreError> {
        let note = format!("{} -> {next}", self.report.status);
        self.report.move_to(next, at);
        self.append(TimelineKind::StatusChanged, note, at)
    }
}
