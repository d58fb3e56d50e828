//! The attempting marks: sends about to be handed to the HTTP client are marked, as many per
//! transaction as are waiting, and the mark is made durable in the shared group flush before
//! any of them leaves. After a crash only a marked send may have reached Meta; a send without
//! the mark goes out at once.

use tokio::sync::oneshot;

use super::*;

/// Sends marked together in one transaction (and one flush).
const MAX_MARKS_PER_TRANSACTION: usize = 256;

/// A send waiting for its attempting mark; told whether it may go out.
pub(super) struct AttemptRequest {
    key: QueueKey,
    answer: oneshot::Sender<bool>,
}

/// What became of a send's attempting mark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Mark {
    /// Durable: the send may go out.
    Made,
    /// The item is no longer queued: another look at the queue already sent it (a hand-over
    /// and a look can both find a fresh send). Nothing to do.
    Gone,
    /// The mark could not be written or flushed: the send waits.
    Failed,
}

impl OutboxSender {
    /// Marks the send under `key` as attempting and waits until the mark is durable. Only a
    /// `Mark::Made` send may go out.
    pub(super) async fn mark_attempting(
        &self,
        marks: &mpsc::Sender<AttemptRequest>,
        key: &QueueKey,
    ) -> Mark {
        let (answer, marked) = oneshot::channel();
        let request = AttemptRequest {
            key: key.clone(),
            answer,
        };
        if marks.send(request).await.is_err() {
            return Mark::Failed;
        }
        match marked.await {
            Ok(true) => Mark::Made,
            Ok(false) => Mark::Gone,
            Err(_) => Mark::Failed,
        }
    }

    /// Writes the marks of the sends that wait for one, as many per transaction and flush as
    /// have arrived, through the commit path, until every send task is gone.
    pub(super) async fn write_attempting_marks(self, mut requests: mpsc::Receiver<AttemptRequest>) {
        let mut batch = Vec::new();
        while requests
            .recv_many(&mut batch, MAX_MARKS_PER_TRANSACTION)
            .await
            > 0
        {
            let keys: Vec<QueueKey> = batch.iter().map(|request| request.key.clone()).collect();
            let now = Utc::now();
            let written = self
                .writer
                .run(
                    move |tx| -> Result<(Vec<bool>, Effects), TxError<Infallible>> {
                        let mut marked = Vec::with_capacity(keys.len());
                        for key in &keys {
                            marked.push(tx.outbox().mark_attempting(key, now)?);
                        }
                        Ok((marked, Effects::default()))
                    },
                )
                .await;
            match written {
                Ok(marked) => {
                    for (request, marked) in batch.drain(..).zip(marked) {
                        let _ = request.answer.send(marked);
                    }
                }
                Err(error) => {
                    let error = StoreError::from(error);
                    tracing::error!(%error, sends = batch.len(), "attempting marks not made durable; the sends wait");
                    // Dropping the answers tells each send that it may not go out.
                    batch.clear();
                }
            }
        }
    }
}
