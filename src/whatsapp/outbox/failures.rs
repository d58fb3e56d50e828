//! A send that did not go out: retried, sent as a template, recorded in sandbox mode, or
//! failed for good, always visible on the report.

use std::convert::Infallible;

use super::*;

impl OutboxSender {
    pub(super) async fn handle_send_error(
        &self,
        key: &QueueKey,
        item: &OutboxItem,
        message: &Message,
        error: GraphError,
    ) -> Result<Outcome, StoreError> {
        let attempts = item.attempts + 1;
        tracing::warn!(%error, message = %message.id, attempts, "send failed");
        match error.disposition() {
            Disposition::Retry | Disposition::RetryForRecipient
                if attempts < self.whatsapp.max_attempts =>
            {
                add(&self.metrics.send_retries, 1);
                let mut delay = backoff(self.whatsapp.retry_base, attempts);
                if error.disposition() == Disposition::RetryForRecipient {
                    // Meta's pair limit is about one message per six seconds per citizen.
                    delay = delay.max(self.whatsapp.retry_base * 3);
                }
                self.bump_attempts(key, item, &error).await?;
                Ok(Outcome::RetryAt(
                    Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default(),
                ))
            }
            Disposition::ChannelUnhealthy => {
                let pause = self.whatsapp.retry_base * 150;
                if let Some(client) = self.client_for(item, Some(message)) {
                    self.health
                        .mark_unhealthy(client.phone_number_id(), error.to_string(), pause);
                }
                Ok(Outcome::RetryAt(
                    Utc::now() + chrono::Duration::from_std(pause).unwrap_or_default(),
                ))
            }
            Disposition::OutsideWindow => {
                self.fail(
                    message,
                    "outside the 24-hour window",
                    Some(api_error_of(&error)),
                )
                .await?;
                Ok(Outcome::Done)
            }
            _ => {
                self.fail(message, &error.to_string(), Some(api_error_of(&error)))
                    .await?;
                Ok(Outcome::Done)
            }
        }
    }

    pub(super) async fn bump_attempts(
        &self,
        key: &QueueKey,
        item: &OutboxItem,
        error: &GraphError,
    ) -> Result<(), StoreError> {
        let text = error.to_string();
        let (key, item) = (key.clone(), item.clone());
        self.writer
            .bookkeep(move |tx| -> Result<(), TxError<Infallible>> {
                let mut current = tx.outbox().get(&key)?.unwrap_or_else(|| item.clone());
                current.attempts = item.attempts + 1;
                current.last_error = Some(text.clone());
                tx.outbox().update(&key, &current)?;
                Ok(())
            })
            .await?;
        Ok(())
    }

    pub(super) async fn record_sandbox(&self, message: &Message) -> Result<(), StoreError> {
        let now = Utc::now();
        let message_id = message.id;
        self.writer
            .run(move |tx| -> Result<((), Effects), TxError<Infallible>> {
                let Some(mut message) = tx.messages().get(message_id)? else {
                    return Ok(((), Effects::default()));
                };
                if let Some(delivery) = message.delivery.as_mut() {
                    delivery.status = DeliveryStatus::Sandbox;
                    delivery.updated_at = now;
                }
                tx.messages().save(&message)?;
                let Some(mut report) = message
                    .report_id
                    .map(|id| tx.reports().get(id))
                    .transpose()?
                    .flatten()
                else {
                    return Ok(((), Effects::default()));
                };
                let note = Some("sandbox mode: stored, not sent".to_string());
                tx.reports().append_timeline(
                    &mut report,
                    TimelineKind::ReplySent,
                    Actor::System,
                    note,
                    Some(message_id),
                    now,
                )?;
                tx.reports().save_bookkeeping(&report)?;
                let event = ReportEvent {
                    kind: ReportEventKind::DeliveryUpdated,
                    report_id: report.id,
                    ticket: report.ticket.clone(),
                    at: now,
                    message_id: Some(message_id),
                    published_at: None,
                };
                Ok(((), Effects::default().event(event)))
            })
            .await?;
        add(&self.metrics.replies_sandboxed, 1);
        Ok(())
    }

    /// Marks the message failed (final), says so on the report's timeline, and for a closed
    /// window queues the configured template instead.
    pub(super) async fn fail(
        &self,
        message: &Message,
        reason: &str,
        error: Option<ApiError>,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        let error = error.unwrap_or(ApiError {
            code: 0,
            title: None,
            message: Some(reason.to_string()),
            details: None,
        });
        let change = DeliveryChange {
            status: DeliveryStatus::Failed,
            at: now,
            error: Some(error),
        };
        let message_id = message.id;
        let intake = Arc::clone(&self.intake);
        self.writer
            .run(move |tx| -> Result<((), Effects), TxError<Infallible>> {
                let applied = apply_status_to_message(tx, &intake, message_id, &change, now)?;
                let effects = Effects {
                    events: applied.event.into_iter().collect(),
                    outbox_queued: applied.fallback_queued,
                    ..Effects::default()
                };
                Ok(((), effects))
            })
            .await?;
        add(&self.metrics.replies_failed, 1);
        if let Some(clients) = &self.clients {
            let number = clients.client(message.channel.as_deref()).phone_number_id();
            self.health.count_failure(number);
        }
        tracing::warn!(message = %message_id, reason, "reply failed");
        Ok(())
    }

    pub(super) async fn mark_read(&self, receipt: &ReadReceipt) -> Result<Outcome, StoreError> {
        let Some(client) = self.client_for(&receipt.item, None) else {
            return Ok(Outcome::Done);
        };
        self.pacer.wait_turn().await;
        let (key, item) = (&receipt.key, &receipt.item);
        match client.mark_read(&receipt.external_id).await {
            Ok(()) => Ok(Outcome::Done),
            Err(error) => {
                let attempts = item.attempts + 1;
                if error.disposition() == Disposition::ChannelUnhealthy {
                    self.health.mark_unhealthy(
                        client.phone_number_id(),
                        error.to_string(),
                        self.whatsapp.retry_base * 150,
                    );
                }
                // A read receipt is a courtesy: a few tries, then it is dropped.
                if attempts >= 3 || error.disposition() == Disposition::Permanent {
                    tracing::debug!(%error, "read receipt dropped");
                    return Ok(Outcome::Done);
                }
                self.bump_attempts(key, item, &error).await?;
                Ok(Outcome::RetryAt(
                    Utc::now()
                        + chrono::Duration::from_std(backoff(self.whatsapp.retry_base, attempts))
                            .unwrap_or_default(),
                ))
            }
        }
    }
}

pub(super) fn error_text<E: std::fmt::Debug>(error: TxError<E>) -> StoreError {
    match error {
        TxError::Store(error) => error,
        TxError::Abort(reason) => StoreError::Engine(format!("{reason:?}")),
    }
}

pub(super) fn outside_window_error() -> ApiError {
    ApiError {
        code: crate::domain::inbound::OUTSIDE_WINDOW_CODE,
        title: Some("Re-engagement message".into()),
        message: Some("more than 24 hours have passed since the citizen last wrote".into()),
        details: None,
    }
}

pub(super) fn api_error_of(error: &GraphError) -> ApiError {
    match error {
        GraphError::Api(failure) => ApiError {
            code: failure.code,
            title: None,
            message: failure.message.clone(),
            details: failure.details.clone(),
        },
        other => ApiError {
            code: 0,
            title: None,
            message: Some(other.to_string()),
            details: None,
        },
    }
}
