//! WhatsApp call events: deduped, filed on the caller's report and described on its timeline.

use super::Apply;
use crate::bus::ReportEventKind;
use crate::domain::inbound::CallEvent;
use crate::domain::message::OutboundPurpose;
use crate::domain::timeline::{Actor, TimelineKind};
use crate::ledger::Ledger;
use crate::store::StoreError;

impl<'t, 'a> Apply<'t, 'a> {
    pub(super) fn call(&mut self, call: &CallEvent) -> Result<(), StoreError> {
        let seen_key = format!("call:{}", call.dedupe_key());
        if !self.tx.channel_log().first_sighting(&seen_key, self.now)? {
            self.outcome.duplicates += 1;
            return Ok(());
        }
        self.outcome.calls += 1;
        let citizen_called = call.direction.as_deref() != Some("business_initiated");
        // A call from the citizen opens the 24-hour window like a message does, from when we
        // hear of it (the stated time may be in the future).
        let window_opens_at = citizen_called.then_some(self.now);
        let Some(mut reporter) = self.upsert_reporter(&call.sender, window_opens_at)? else {
            tracing::warn!(call_id = %call.call_id, "call event without caller identity");
            return Ok(());
        };
        let is_connect = call.event == "connect";
        // A blocked number's call is kept with its messages, out of the queue, unannounced.
        let blocked = citizen_called && reporter.is_blocked(self.now);
        let (mut report, opened) = if blocked {
            let (report, _) = self.thread_report(reporter.blocked_report, reporter.id, true)?;
            reporter.blocked_report = Some(report.id);
            (report, false)
        } else if citizen_called && is_connect {
            self.open_or_join_report(&mut reporter)?
        } else {
            // Only the report open on the number the call came to: a call to number B is
            // never logged on number A's report.
            match reporter.open_report_on(self.channel.as_deref()) {
                Some(open_id) => match self.tx.reports().get(open_id)? {
                    Some(report) => (report, false),
                    None => return self.tx.reporters().save(&reporter),
                },
                None => return self.tx.reporters().save(&reporter),
            }
        };
        let (kind, note) = describe_call(call);
        self.tx.reports().append_timeline(
            &mut report,
            kind,
            Actor::Citizen,
            Some(note),
            None,
            self.now,
        )?;
        report.updated_at = self.now;
        report.last_activity_at = report.last_activity_at.max(self.now);
        if call.event == "terminate" && call.outcome.as_deref() != Some("completed") {
            report.add_flag("missed_call");
        }
        if opened {
            self.reply(&mut report, OutboundPurpose::NewReportReply)?;
        }
        if !blocked {
            self.event(ReportEventKind::CallReceived, &report, None);
        }
        self.tx.reports().save(&report)?;
        self.tx.reporters().save(&reporter)?;
        self.describe_replies(&reporter, &report.ticket);
        Ok(())
    }
}

pub(super) fn describe_call(call: &CallEvent) -> (TimelineKind, String) {
    let direction = call.direction.as_deref().unwrap_or("user_initiated");
    match call.event.as_str() {
        "connect" => (
            TimelineKind::CallReceived,
            format!("whatsapp call ({direction}) from the citizen"),
        ),
        "terminate" => {
            let outcome = call.outcome.as_deref().unwrap_or("unknown");
            let duration = call
                .duration_seconds
                .map(|seconds| format!(", {seconds} s"))
                .unwrap_or_default();
            let missed = if outcome == "completed" {
                ""
            } else {
                " - missed: call the citizen back"
            };
            (
                TimelineKind::CallEnded,
                format!("whatsapp call ended: {outcome}{duration}{missed}"),
            )
        }
        other => (TimelineKind::CallReceived, format!("whatsapp call {other}")),
    }
}
