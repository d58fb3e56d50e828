//! The media fetcher: downloads the photos, videos, voice notes and documents citizens send,
//! verifies their sha256, and stores them content-addressed under `<data dir>/media`. A message
//! is stored before its media; a failed download is retried with backoff for as long as Meta
//! keeps the media (seven days), then marked failed on the report. A local failure (a full
//! disk) is retried for as long as it lasts, alarmed in the log and in `/metrics`, and never
//! counted against those seven days.
//!
//! This file holds the queue bookkeeping and the worker; `media_download` one download,
//! `media_file` the file on its way to disk.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::bus::{ReportEvent, ReportEventKind};
use crate::config::WhatsAppConfig;
use crate::domain::inbound::{MediaKind, MediaRef};
use crate::domain::message::{MediaState, Message, StoredMedia};
use crate::domain::timeline::{Actor, TimelineKind};
use crate::ledger::{Commit, Effects, Ledger, MediaJob, QueueKey};
use crate::metrics::{Metrics, add};
use crate::store::{Store, StoreError, TxError};

use crate::whatsapp::media_download::{FetchError, FetchRequest, fetch};
use crate::whatsapp::media_file::remove_partials;
use crate::whatsapp::outbox::backoff;
use crate::worker::{InFlight, Worker, WorkerError, WorkerState, WorkerStatus};

/// Meta keeps inbound media downloadable for seven days.
const MEDIA_RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(7);
const CONCURRENT_DOWNLOADS: usize = 4;
/// A local failure is retried at least this often, however long it lasts: a freed disk should
/// not wait an hour for the next try.
const MAX_LOCAL_RETRY_DELAY: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct MediaFetcher {
    pub store: Store,
    pub whatsapp: WhatsAppConfig,
    /// One Graph client per business number; `None` in sandbox mode.
    pub clients: Option<std::sync::Arc<crate::whatsapp::numbers::NumberClients>>,
    pub media_dir: PathBuf,
    pub metrics: Arc<Metrics>,
    /// The commit path: a stored file is announced only once its record is durable.
    pub writer: Commit,
    pub wake: Arc<Notify>,
    /// Local failures in a row per job (not stored: they pace retries, nothing more).
    pub local_failures: Arc<std::sync::Mutex<std::collections::HashMap<u64, u32>>>,
}

/// The largest file accepted per kind, within the configured overall limit.
pub fn size_limit(kind: MediaKind, configured_max: u64) -> u64 {
    const MB: u64 = 1024 * 1024;
    let per_kind = match kind {
        MediaKind::Sticker => MB,
        MediaKind::Image => 16 * MB,
        MediaKind::Audio | MediaKind::Voice => 16 * MB,
        MediaKind::Video | MediaKind::Document => 100 * MB,
    };
    per_kind.min(configured_max)
}

/// Where a file with this hash lives: `<media dir>/ab/abcdef…`.
pub fn media_path(media_dir: &Path, sha256_hex: &str) -> PathBuf {
    let prefix = sha256_hex.get(..2).unwrap_or("00");
    media_dir.join(prefix).join(sha256_hex)
}

impl MediaFetcher {
    /// The fetcher as a worker for the runner (see `MediaWorker`).
    pub fn into_worker(self) -> MediaWorker {
        match remove_partials(&self.media_dir) {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed media files a crash left half written"),
            Err(error) => tracing::warn!(%error, "cannot clear half-written media files"),
        }
        MediaWorker {
            fetcher: self,
            running: tokio::task::JoinSet::new(),
            in_flight: Arc::default(),
            started_total: 0,
        }
    }

    async fn process(&self, key: QueueKey, job: MediaJob) {
        if let Err(error) = self.process_inner(&key, &job).await {
            tracing::error!(%error, job = job.id, "media job bookkeeping failed; will retry");
        }
    }

    async fn process_inner(&self, key: &QueueKey, job: &MediaJob) -> Result<(), StoreError> {
        let Some(message) = self.store.messages().get(job.message_id)? else {
            return self.finish_job(key, job, None).await;
        };
        let Some((kind, media)) = inbound_media(&message) else {
            return self.finish_job(key, job, None).await;
        };
        if message
            .media
            .as_ref()
            .is_some_and(|stored| stored.state == MediaState::Stored)
        {
            return self.finish_job(key, job, None).await;
        }
        let Some(clients) = &self.clients else {
            let state = StoredMedia {
                state: MediaState::Unavailable,
                error: Some("sandbox mode: no access token to download with".into()),
                ..StoredMedia::pending()
            };
            return self.finish_job(key, job, Some((state, None))).await;
        };
        // A number in another business account fetches its media with its own token.
        let client = clients.client(message.channel.as_deref());
        let attempts = job.attempts + 1;
        let request = FetchRequest {
            client,
            media_dir: &self.media_dir,
            kind,
            media: &media,
            limit: size_limit(kind, self.whatsapp.media_max_bytes),
            first_attempt: attempts == 1,
            attempts,
            metrics: &self.metrics,
        };
        match fetch(request).await {
            Ok(stored) => {
                self.forget_local_failures(job.id);
                add(&self.metrics.media_stored, 1);
                let note = format!(
                    "{} stored: sha256 {} ({} bytes)",
                    kind.as_str(),
                    stored.sha256_hex.as_deref().unwrap_or("?"),
                    stored.size_bytes.unwrap_or(0)
                );
                self.finish_job(
                    key,
                    job,
                    Some((stored, Some((TimelineKind::MediaStored, note)))),
                )
                .await
            }
            Err(FetchError::Local(error)) => {
                // Ours, not Meta's: the attempt is not counted and the seven days do not apply.
                add(&self.metrics.media_local_errors, 1);
                let failures = self.note_local_failure(job.id);
                tracing::error!(%error, message = %message.id, failures, "media cannot be written to the local disk; will retry");
                let delay = backoff(self.whatsapp.retry_base, failures).min(MAX_LOCAL_RETRY_DELAY);
                let error = FetchError::Local(error).to_string();
                self.reschedule(key, job, job.attempts, &error, delay).await
            }
            Err(error) => {
                self.forget_local_failures(job.id);
                if error.is_refusal() {
                    add(&self.metrics.media_refused, 1);
                }
                let expired = Utc::now() - message.received_at > MEDIA_RETENTION;
                if error.retryable() && !expired {
                    add(&self.metrics.media_retries, 1);
                    tracing::warn!(%error, message = %message.id, attempts, "media download failed; will retry");
                    let delay = backoff(self.whatsapp.retry_base, attempts);
                    return self
                        .reschedule(key, job, attempts, &error.to_string(), delay)
                        .await;
                }
                add(&self.metrics.media_failed, 1);
                tracing::warn!(%error, message = %message.id, attempts, "media download failed for good");
                let state = StoredMedia {
                    state: MediaState::Failed,
                    attempts,
                    error: Some(error.to_string()),
                    ..StoredMedia::pending()
                };
                let note = format!("{} could not be downloaded: {error}", kind.as_str());
                self.finish_job(
                    key,
                    job,
                    Some((state, Some((TimelineKind::MediaFailed, note)))),
                )
                .await
            }
        }
    }

    fn note_local_failure(&self, job_id: u64) -> u32 {
        let Ok(mut failures) = self.local_failures.lock() else {
            return 1;
        };
        let count = failures.entry(job_id).or_insert(0);
        *count = count.saturating_add(1);
        *count
    }

    fn forget_local_failures(&self, job_id: u64) {
        if let Ok(mut failures) = self.local_failures.lock() {
            failures.remove(&job_id);
        }
    }

    async fn reschedule(
        &self,
        key: &QueueKey,
        job: &MediaJob,
        attempts: u32,
        error: &str,
        delay: Duration,
    ) -> Result<(), StoreError> {
        let due = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
        let mut next = job.clone();
        next.attempts = attempts;
        next.last_error = Some(error.to_string());
        let message_id = job.message_id;
        let (key, error) = (key.clone(), error.to_string());
        self.writer
            .run(move |tx| -> Result<((), Effects), TxError<Infallible>> {
                tx.media_queue().reschedule(&key, due, &next)?;
                if let Some(mut message) = tx.messages().get(message_id)? {
                    let mut media = message.media.clone().unwrap_or_else(StoredMedia::pending);
                    media.attempts = attempts;
                    media.error = Some(error.clone());
                    media.updated_at = Some(Utc::now());
                    message.media = Some(media);
                    tx.messages().save(&message)?;
                }
                Ok(((), Effects::default()))
            })
            .await?;
        Ok(())
    }

    /// Removes the job, and records the final media state (with a timeline note) if given.
    async fn finish_job(
        &self,
        key: &QueueKey,
        job: &MediaJob,
        result: Option<(StoredMedia, Option<(TimelineKind, String)>)>,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        let message_id = job.message_id;
        let key = key.clone();
        let nothing = || Ok(((), Effects::default()));
        self.writer
            .run(move |tx| -> Result<((), Effects), TxError<Infallible>> {
                tx.media_queue().remove(&key)?;
                let Some((media, note)) = &result else {
                    return nothing();
                };
                let Some(mut message) = tx.messages().get(message_id)? else {
                    return nothing();
                };
                message.media = Some(media.clone());
                tx.messages().save(&message)?;
                let (Some((kind, note)), Some(report_id)) = (note, message.report_id) else {
                    return nothing();
                };
                let Some(mut report) = tx.reports().get(report_id)? else {
                    return nothing();
                };
                tx.reports().append_timeline(
                    &mut report,
                    *kind,
                    Actor::System,
                    Some(note.clone()),
                    Some(message_id),
                    now,
                )?;
                report.updated_at = now;
                tx.reports().save(&report)?;
                let event = ReportEvent {
                    kind: ReportEventKind::MediaStored,
                    report_id,
                    ticket: report.ticket.clone(),
                    at: now,
                    message_id: Some(message_id),
                    published_at: None,
                };
                Ok(((), Effects::default().event(event)))
            })
            .await?;
        Ok(())
    }
}

/// The fetcher as a `Worker`: starts a download for each due job (up to
/// `CONCURRENT_DOWNLOADS` at once); woken by intake when media arrives, by a finished download,
/// or when the next retry comes due. On shutdown, downloads under way are finished.
pub struct MediaWorker {
    fetcher: MediaFetcher,
    running: tokio::task::JoinSet<()>,
    /// Jobs being downloaded, so that a job is never started twice.
    in_flight: Arc<std::sync::Mutex<std::collections::HashSet<u64>>>,
    started_total: u64,
}

impl Worker for MediaWorker {
    fn name(&self) -> &'static str {
        "media"
    }

    async fn work(&mut self, _shutdown: &CancellationToken) -> Result<WorkerState, WorkerError> {
        let room = CONCURRENT_DOWNLOADS.saturating_sub(self.running.len());
        let in_flight = &self.in_flight;
        let busy = |id| {
            in_flight
                .lock()
                .map(|set| set.contains(&id))
                .unwrap_or(true)
        };
        let due = self
            .fetcher
            .store
            .media_queue()
            .due(Utc::now(), room, |id| !busy(id))
            .map_err(|error| WorkerError::new("media queue cannot be read", error))?;
        let mut started = 0;
        for (key, job) in due {
            if self.running.len() >= CONCURRENT_DOWNLOADS {
                break;
            }
            let claimed = self
                .in_flight
                .lock()
                .map(|mut set| set.insert(job.id))
                .unwrap_or(false);
            if !claimed {
                continue;
            }
            started += 1;
            let fetcher = self.fetcher.clone();
            let in_flight = Arc::clone(&self.in_flight);
            self.running.spawn(async move {
                let job_id = job.id;
                fetcher.process(key, job).await;
                if let Ok(mut set) = in_flight.lock() {
                    set.remove(&job_id);
                }
                fetcher.wake.notify_one();
            });
        }
        self.started_total += started;
        while self.running.try_join_next().is_some() {}
        if started > 0 && self.running.len() < CONCURRENT_DOWNLOADS {
            return Ok(WorkerState::Busy);
        }
        Ok(WorkerState::Idle)
    }

    async fn wait_for_work(&mut self) -> WorkerState {
        let sleep_for = match self.fetcher.store.media_queue().next_due() {
            Ok(Some((due, _))) => (due - Utc::now())
                .to_std()
                .unwrap_or(Duration::from_millis(5))
                .min(Duration::from_secs(60)),
            _ => Duration::from_secs(60),
        };
        tokio::select! {
            _ = self.fetcher.wake.notified() => {}
            _ = tokio::time::sleep(sleep_for) => {}
        }
        WorkerState::Busy
    }

    fn status(&self) -> WorkerStatus {
        WorkerStatus {
            items_done: self.started_total,
        }
    }

    fn in_flight(&self) -> Option<InFlight> {
        let downloading = Arc::clone(&self.in_flight);
        Some(InFlight::new(move || {
            downloading.lock().map(|set| set.len()).unwrap_or(0)
        }))
    }

    async fn finish(mut self) {
        while self.running.join_next().await.is_some() {}
        tracing::info!("media fetcher stopped");
    }
}

fn inbound_media(message: &Message) -> Option<(MediaKind, MediaRef)> {
    match &message.body {
        crate::domain::message::MessageBody::Inbound { content, .. } => {
            content.media().map(|(kind, media)| (kind, media.clone()))
        }
        _ => None,
    }
}
