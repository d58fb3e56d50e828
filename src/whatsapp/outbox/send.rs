//! One send: from a claimed queue item to the Graph API, and the acceptances recorded in
//! batches.

use super::*;

impl OutboxSender {
    /// Decides what an item needs, from the store (or from what intake `known` wrote, for a
    /// reply it handed over): a send, a read receipt, or nothing more (already sent, sandbox,
    /// failed, or waiting for a reconciling status).
    pub(super) async fn prepare(
        &self,
        key: QueueKey,
        item: OutboxItem,
        known: Option<Box<KnownSend>>,
    ) -> Result<Step, StoreError> {
        let message_id = match &item.work {
            OutboxWork::Deliver { message_id } => *message_id,
            OutboxWork::MarkRead { external_id } => {
                let external_id = external_id.clone();
                return Ok(Step::ReadReceipt(ReadReceipt {
                    key,
                    item,
                    external_id,
                }));
            }
        };
        let settled = |outcome| Step::Settled {
            key: key.clone(),
            item: item.clone(),
            outcome,
        };
        // What intake wrote in the transaction that queued the reply, when it handed it over;
        // otherwise the store.
        let known = known.filter(|known| known.message.id == message_id);
        let (message, known_reporter, ticket) = match known {
            Some(known) => {
                let KnownSend {
                    message,
                    reporter,
                    ticket,
                } = *known;
                (message, Some(reporter), Some(ticket))
            }
            None => {
                let Some(message) = self.store.messages().get(message_id)? else {
                    return Ok(settled(Outcome::Done));
                };
                (message, None, None)
            }
        };
        let status = message
            .delivery
            .as_ref()
            .map_or(DeliveryStatus::Queued, |delivery| delivery.status);
        if status != DeliveryStatus::Queued || message.external_id.is_some() {
            return Ok(settled(Outcome::Done));
        }
        let MessageBody::Outbound { content, .. } = &message.body else {
            return Ok(settled(Outcome::Done));
        };
        let reporter = known_reporter.or_else(|| {
            message
                .reporter_id
                .and_then(|id| self.store.reporters().get(id).ok().flatten())
        });
        let Some(reporter) = reporter else {
            self.fail(&message, "the reporter of this message is unknown", None)
                .await?;
            return Ok(settled(Outcome::Done));
        };
        let Some(client) = self.client_for(&item, Some(&message)) else {
            self.record_sandbox(&message).await?;
            return Ok(settled(Outcome::Done));
        };
        let number = client.phone_number_id().to_string();
        // A number whose token Meta rejected waits; the other numbers go on sending.
        let paused_for = self.health.pause_remaining_for(&number);
        if !paused_for.is_zero() {
            let until = Utc::now() + chrono::Duration::from_std(paused_for).unwrap_or_default();
            return Ok(settled(Outcome::RetryAt(until)));
        }
        if let Some(since) = item.in_flight_since
            && item.maybe_sent_by_earlier_run(self.store.run())
        {
            // A send that may have reached Meta before a crash: give its status callback time
            // to arrive (it adopts the wamid) before sending again. Meta cannot deliver it
            // while the process is down, so the time counts from this run's start.
            let reconcile_until = since.max(self.started_at)
                + chrono::Duration::from_std(self.whatsapp.reconcile_wait).unwrap_or_default();
            if Utc::now() < reconcile_until {
                return Ok(settled(Outcome::RetryAt(reconcile_until)));
            }
        }
        let is_template = matches!(content, OutboundContent::Template { .. });
        // Meta keeps the window per citizen and business number.
        if !is_template && !reporter.window_open_on(Some(&number), Utc::now()) {
            let error = outside_window_error();
            self.fail(&message, "outside the 24-hour window", Some(error))
                .await?;
            return Ok(settled(Outcome::Done));
        }
        let recipient = match (&reporter.phone, &reporter.bsuid) {
            (Some(phone), _) => Recipient::Phone(phone.clone()),
            (None, Some(bsuid)) => Recipient::Bsuid(bsuid.clone()),
            (None, None) => {
                self.fail(
                    &message,
                    "the reporter has neither phone number nor user id",
                    None,
                )
                .await?;
                return Ok(settled(Outcome::Done));
            }
        };
        let mut outgoing = to_graph_message(content);
        let media = match content {
            OutboundContent::Media { attachment_id, .. } => {
                match self.media_to_send(*attachment_id, &mut outgoing)? {
                    Some(media) => Some(media),
                    None => {
                        self.fail(&message, "the attachment's record is missing", None)
                            .await?;
                        return Ok(settled(Outcome::Done));
                    }
                }
            }
            _ => None,
        };
        Ok(Step::Send(Box::new(PendingSend {
            key,
            item,
            message,
            ticket,
            recipient,
            outgoing,
            media,
        })))
    }

    /// Sends one reply once its attempting mark is durable (which also makes durable the
    /// transaction that queued it). An accepted send goes to the recorder, which keeps the item
    /// claimed until the acceptance is stored; any other answer is settled here.
    pub(super) async fn transmit(
        &self,
        mut send: PendingSend,
        marks: mpsc::Sender<AttemptRequest>,
        accepted: mpsc::Sender<Accepted>,
    ) {
        let Some(client) = self.client_for(&send.item, Some(&send.message)) else {
            self.release(send.item.id);
            return;
        };
        self.pacer.wait_turn().await;
        let mark = self.mark_attempting(&marks, &send.key).await;
        if mark == Mark::Gone {
            self.release(send.item.id);
            return;
        }
        if mark == Mark::Failed {
            tracing::warn!(
                item = send.item.id,
                "the send could not be marked attempting; it waits"
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
            self.release(send.item.id);
            self.wake.notify_one();
            return;
        }
        let callback_data = format!("{CALLBACK_PREFIX}{}", send.message.id);
        let latency = &self.metrics.latency;
        // A media message's file goes up first; its upload is not timed as a send.
        let answer = match self.upload_if_needed(client, &mut send).await {
            Ok(()) => {
                let started = std::time::Instant::now();
                let answer = client
                    .send_message(&send.recipient, &send.outgoing, Some(&callback_data))
                    .await;
                latency.observe_graph_send(answer.is_ok(), started.elapsed());
                answer
            }
            Err(error) => Err(error),
        };
        match answer {
            Ok(receipt) => {
                let since_queued = (Utc::now() - send.item.queued_at)
                    .to_std()
                    .unwrap_or_default();
                latency.reply.observe(since_queued.as_secs_f64());
                self.health.mark_healthy(client.phone_number_id());
                let item_id = send.item.id;
                // Waits (holding its send slot) while the recorder is a queue's length behind.
                let handed_over = accepted
                    .send(Accepted {
                        key: send.key,
                        item_id,
                        message_id: send.message.id,
                        wamid: receipt.wamid,
                        ticket: send.ticket,
                    })
                    .await;
                if handed_over.is_err() {
                    // Only at shutdown: the item stays in flight and is reconciled at start.
                    self.release(item_id);
                }
            }
            Err(error) => {
                let outcome = if self.reused_media_id_rejected(&send, &error) {
                    self.forget_media_id(&send).await
                } else {
                    self.handle_send_error(&send.key, &send.item, &send.message, error)
                        .await
                };
                self.settle(&send.key, &send.item, outcome).await;
                self.release(send.item.id);
                // A retry time to wait for: the loop may be asleep for longer.
                self.wake.notify_one();
            }
        }
    }

    /// Stores accepted sends, as many per transaction and flush as have arrived, until every
    /// send task is gone.
    pub(super) async fn record_acceptances(self, mut accepted: mpsc::Receiver<Accepted>) {
        let mut batch = Vec::new();
        while accepted
            .recv_many(&mut batch, MAX_ACCEPTANCES_PER_TRANSACTION)
            .await
            > 0
        {
            // The transaction waits for sled's lock while intake's runs: on a blocking thread,
            // so that the runtime's workers go on serving webhooks meanwhile.
            let recorder = self.clone();
            let taken = std::mem::take(&mut batch);
            let stored =
                tokio::task::spawn_blocking(move || recorder.store_acceptances_or_each(taken))
                    .await;
            let (recorded, events) = match stored {
                Ok(stored) => stored,
                // The runtime is shutting down, or the recording panicked: the items stay
                // claimed and marked in flight, and the next run reconciles them.
                Err(error) => {
                    tracing::error!(%error, "accepted sends could not be recorded");
                    break;
                }
            };
            add(&self.metrics.replies_sent, recorded.len() as u64);
            let effects = Effects {
                events,
                ..Effects::default()
            };
            if let Err(error) = self.writer.settle(effects).await {
                tracing::error!(%error, "accepted sends could not be made durable");
            }
            for one in recorded {
                self.release(one.item_id);
            }
        }
    }

    /// Stores the batch in one transaction; if that fails, each one on its own, so that one
    /// unreadable record does not hold back the others. Returns what was recorded.
    pub(super) fn store_acceptances_or_each(
        &self,
        batch: Vec<Accepted>,
    ) -> (Vec<Accepted>, Vec<ReportEvent>) {
        if let Ok(events) = self.store_acceptances(&batch) {
            return (batch, events);
        }
        let mut recorded = Vec::new();
        let mut events = Vec::new();
        for one in batch {
            match self.store_acceptances(std::slice::from_ref(&one)) {
                Ok(more) => {
                    recorded.push(one);
                    events.extend(more);
                }
                // The item stays claimed, so this run never sends it again; the next run waits
                // for its status callback before it would.
                Err(error) => tracing::error!(
                    %error,
                    message = %one.message_id,
                    wamid = %one.wamid,
                    "accepted send could not be recorded; it waits for its status callback"
                ),
            }
        }
        (recorded, events)
    }

    pub(super) fn store_acceptances(
        &self,
        batch: &[Accepted],
    ) -> Result<Vec<ReportEvent>, StoreError> {
        let now = Utc::now();
        self.store
            .transaction(|tx| -> Result<Vec<ReportEvent>, TxError<()>> {
                let mut events = Vec::new();
                for accepted in batch {
                    if let Some(event) = record_accepted(tx, &self.intake, accepted, now)? {
                        events.push(event);
                    }
                    tx.outbox().remove(&accepted.key)?;
                }
                Ok(events)
            })
            .map_err(error_text)
    }
}

/// Stores one accepted send inside the recorder's transaction: the wamid (so that status
/// callbacks find the message), the delivery state, the timeline entry, and any statuses that
/// overtook the send's answer.
pub(super) fn record_accepted(
    tx: &Tx<'_>,
    intake: &IntakeSettings,
    accepted: &Accepted,
    now: DateTime<Utc>,
) -> Result<Option<ReportEvent>, StoreError> {
    let Some(mut message) = tx.messages().get(accepted.message_id)? else {
        return Ok(None);
    };
    message.external_id = Some(accepted.wamid.clone());
    if let Some(delivery) = message.delivery.as_mut() {
        delivery.attempts += 1;
        if delivery.status.may_advance_to(DeliveryStatus::Accepted) {
            delivery.status = DeliveryStatus::Accepted;
            delivery.updated_at = now;
        }
    }
    tx.messages().save(&message)?;
    tx.messages()
        .link_wamid(&accepted.wamid, accepted.message_id)?;
    // The acceptance is recorded on the message (its wamid and delivery state), which the
    // report's REPLY_QUEUED entry points to; the report itself is not rewritten for it, as it
    // would be twice per answered message otherwise. Failures do go on the timeline.
    // The event names the report by its ticket: given by intake for its own replies, read
    // from the report otherwise.
    let ticket = match (message.report_id, &accepted.ticket) {
        (Some(_), Some(ticket)) => Some(ticket.clone()),
        (Some(report_id), None) => tx.reports().get(report_id)?.map(|report| report.ticket),
        (None, _) => None,
    };
    let event = message
        .report_id
        .zip(ticket)
        .map(|(report_id, ticket)| ReportEvent {
            kind: ReportEventKind::DeliveryUpdated,
            report_id,
            ticket,
            at: now,
            message_id: Some(accepted.message_id),
            published_at: None,
        });
    // Statuses that overtook the send answer.
    if let Some(pending) = tx.channel_log().take_pending_statuses(&accepted.wamid)? {
        for update in &pending.updates {
            apply_status_to_message(
                tx,
                intake,
                accepted.message_id,
                &DeliveryChange::reported(update),
                now,
            )?;
        }
    }
    Ok(event)
}

pub(super) fn to_graph_message(content: &OutboundContent) -> OutgoingMessage {
    match content {
        OutboundContent::Text { body } => OutgoingMessage::Text {
            body: body.clone(),
            reply_to: None,
        },
        OutboundContent::Template {
            name,
            language,
            parameters,
            parameter_names,
        } => OutgoingMessage::Template {
            name: name.clone(),
            language: language.clone(),
            body_parameters: parameters.clone(),
            parameter_names: parameter_names.clone(),
        },
        OutboundContent::LocationRequest { body } => {
            OutgoingMessage::LocationRequest { body: body.clone() }
        }
        OutboundContent::CallPermissionRequest { body } => {
            OutgoingMessage::CallPermissionRequest { body: body.clone() }
        }
        OutboundContent::Buttons { body, choices } => OutgoingMessage::Buttons {
            body: body.clone(),
            buttons: pairs(choices),
        },
        OutboundContent::Media {
            kind,
            caption,
            file_name,
            ..
        } => OutgoingMessage::Media {
            kind: kind.as_str(),
            // Filled in by `media_to_send` or `upload_if_needed`.
            media_id: String::new(),
            caption: caption.clone(),
            file_name: file_name.clone(),
        },
        OutboundContent::List {
            body,
            button,
            choices,
        } => OutgoingMessage::List {
            body: body.clone(),
            button: button.clone(),
            rows: choices
                .iter()
                .map(|choice| {
                    (
                        choice.id.clone(),
                        choice.title.clone(),
                        choice.description.clone(),
                    )
                })
                .collect(),
        },
    }
}

fn pairs(choices: &[crate::domain::questions::Choice]) -> Vec<(String, String)> {
    choices
        .iter()
        .map(|choice| (choice.id.clone(), choice.title.clone()))
        .collect()
}
