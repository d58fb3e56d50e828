//! The cached list of the account's message templates: read from Meta on demand
//! (`refreshTemplates`, `templates(refresh: true)`) and every hour by the `templates` worker,
//! and kept in the store so that it survives a restart and answers while Meta cannot be
//! reached. A failed refresh keeps the list and records when and why it failed.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::graph::{GraphClient, TemplateAccount};
use crate::domain::templates::TemplateCatalogue;
use crate::ledger::{Commit, CommitError, Effects, Ledger};
use crate::store::{StoreError, TxError};
use crate::worker::{Worker, WorkerError, WorkerState, WorkerStatus};

/// How often the worker reads the list again.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Reads the template lists from Meta into the store; one refresh at a time.
pub struct TemplateSync {
    /// The default number's account first, then every other account a number belongs to,
    /// each with the client of a number in it (its token reads the list). Empty in sandbox
    /// mode or without a business account id.
    sources: Vec<(GraphClient, TemplateAccount)>,
    writer: Commit,
    one_at_a_time: tokio::sync::Mutex<()>,
}

impl TemplateSync {
    pub fn new(sources: Vec<(GraphClient, TemplateAccount)>, writer: Commit) -> Arc<TemplateSync> {
        Arc::new(TemplateSync {
            sources,
            writer,
            one_at_a_time: tokio::sync::Mutex::new(()),
        })
    }

    /// One source per distinct business account of the numbers, the default number's first.
    pub fn sources_of(
        clients: Option<&super::numbers::NumberClients>,
        numbers: &[crate::config::NumberConfig],
    ) -> Vec<(GraphClient, TemplateAccount)> {
        let Some(clients) = clients else {
            return Vec::new();
        };
        let mut sources: Vec<(GraphClient, TemplateAccount)> = Vec::new();
        for number in numbers {
            let Some(account) = &number.business_account_id else {
                continue;
            };
            if sources
                .iter()
                .any(|(_, known)| &known.business_account_id == account)
            {
                continue;
            }
            sources.push((
                clients.client(Some(&number.phone_number_id)).clone(),
                TemplateAccount {
                    business_account_id: account.clone(),
                    access_token: None,
                },
            ));
        }
        sources
    }

    /// Whether Meta can be asked at all (a token and a business account id are configured).
    pub fn configured(&self) -> bool {
        !self.sources.is_empty()
    }

    /// The cached list as it is.
    pub fn cached(&self) -> Result<TemplateCatalogue, StoreError> {
        self.writer.store().templates().catalogue()
    }

    /// Reads every account's list from Meta and stores it; on failure the cached list stays
    /// and the failure is recorded beside it. Returns the default account's catalogue as
    /// stored afterwards.
    pub async fn refresh(&self) -> Result<TemplateCatalogue, StoreError> {
        let _one = self.one_at_a_time.lock().await;
        let mut default_catalogue = None;
        for (index, (client, account)) in self.sources.iter().enumerate() {
            let fetched = client
                .list_message_templates(account)
                .await
                .map_err(|error| format!("the graph api refused the template list: {error}"));
            // The default account's list keeps its old place; the others go by their id.
            let stored_as = (index > 0).then(|| account.business_account_id.clone());
            let stored = self.store_fetched(stored_as, fetched).await?;
            if index == 0 {
                default_catalogue = Some(stored);
            }
        }
        match default_catalogue {
            Some(catalogue) => Ok(catalogue),
            None => {
                let missing = "no WhatsApp Business Account id (wa-business-account-id) or \
                               access token is configured: the template list cannot be read \
                               from Meta";
                self.store_fetched(None, Err(missing.to_string())).await
            }
        }
    }

    /// Stores one account's fetched list (or the failure beside its cached list).
    async fn store_fetched(
        &self,
        account: Option<String>,
        fetched: Result<Vec<crate::domain::templates::MessageTemplate>, String>,
    ) -> Result<TemplateCatalogue, StoreError> {
        if let Err(error) = &fetched {
            tracing::warn!(%error, account = account.as_deref(), "template list not refreshed; the cached list stays");
        }
        let now = Utc::now();
        let stored = self
            .writer
            .run(move |tx| {
                let mut catalogue = tx.templates().catalogue_of(account.as_deref())?;
                catalogue.attempted_at = Some(now);
                match &fetched {
                    Ok(templates) => {
                        catalogue.templates = templates.clone();
                        catalogue.refreshed_at = Some(now);
                        catalogue.last_error = None;
                    }
                    Err(error) => catalogue.last_error = Some(error.clone()),
                }
                tx.templates()
                    .save_catalogue_of(account.as_deref(), &catalogue)?;
                Ok::<_, TxError<std::convert::Infallible>>((catalogue, Effects::default()))
            })
            .await;
        match stored {
            Ok(catalogue) => Ok(catalogue),
            Err(CommitError::Store(error)) => Err(error),
            Err(CommitError::Refused(never)) => match never {},
        }
    }

    /// The worker that refreshes the list at start and then every `REFRESH_INTERVAL`.
    pub fn worker(self: &Arc<TemplateSync>) -> TemplateWorker {
        self.worker_every(REFRESH_INTERVAL)
    }

    /// The worker, refreshing every `interval` (tests shorten the hour).
    fn worker_every(self: &Arc<TemplateSync>, interval: Duration) -> TemplateWorker {
        TemplateWorker {
            sync: Arc::clone(self),
            due: true,
            refreshes: 0,
            interval,
        }
    }
}

/// Refreshes the template list hourly (`templates` on the worker board).
pub struct TemplateWorker {
    sync: Arc<TemplateSync>,
    due: bool,
    refreshes: u64,
    interval: Duration,
}

impl Worker for TemplateWorker {
    fn name(&self) -> &'static str {
        "templates"
    }

    async fn work(&mut self, _shutdown: &CancellationToken) -> Result<WorkerState, WorkerError> {
        if !self.due {
            return Ok(WorkerState::Idle);
        }
        self.due = false;
        self.refreshes += 1;
        let catalogue = self
            .sync
            .refresh()
            .await
            .map_err(|error| WorkerError::new("storing the template list failed", error))?;
        match catalogue.last_error {
            // Shown in `/readyz` until a later refresh succeeds; the cached list still serves.
            Some(error) => Err(WorkerError::new("template list not refreshed", error)),
            None => Ok(WorkerState::Idle),
        }
    }

    async fn wait_for_work(&mut self) -> WorkerState {
        tokio::time::sleep(self.interval).await;
        self.due = true;
        WorkerState::Busy
    }

    fn status(&self) -> WorkerStatus {
        WorkerStatus {
            items_done: self.refreshes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worker refreshes at start and then once per interval, not in between: the hour of
    /// `REFRESH_INTERVAL` shortened to 200 ms. (The refresh itself, against the mock Graph API,
    /// is in `tests/graphql_api/templates.rs`.)
    #[tokio::test]
    async fn the_worker_refreshes_at_start_and_then_every_interval() {
        assert_eq!(REFRESH_INTERVAL, Duration::from_secs(3600), "hourly");
        let data_dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&data_dir.path().join("store")).unwrap();
        let (outbox_feed, _) = crate::ledger::outbox_feed();
        let writer = Commit::new(
            store.clone(),
            crate::bus::Bus::new(16),
            outbox_feed,
            Default::default(),
            Default::default(),
        );
        // No account configured: each refresh is attempted, fails and is recorded.
        let sync = TemplateSync::new(Vec::new(), writer);
        let interval = Duration::from_millis(200);
        let mut worker = sync.worker_every(interval);
        let shutdown = CancellationToken::new();
        assert!(worker.work(&shutdown).await.is_err(), "not configured");
        assert_eq!(worker.status().items_done, 1, "refreshed at start");
        let first = sync
            .cached()
            .unwrap()
            .attempted_at
            .expect("attempt recorded");
        assert!(matches!(
            worker.work(&shutdown).await,
            Ok(WorkerState::Idle)
        ));
        assert_eq!(
            worker.status().items_done,
            1,
            "not again before the interval"
        );

        let started = std::time::Instant::now();
        assert!(matches!(worker.wait_for_work().await, WorkerState::Busy));
        assert!(started.elapsed() >= interval, "{:?}", started.elapsed());
        assert!(worker.work(&shutdown).await.is_err());
        assert_eq!(
            worker.status().items_done,
            2,
            "refreshed after the interval"
        );
        let second = sync.cached().unwrap().attempted_at.unwrap();
        assert!(second > first);
    }
}
