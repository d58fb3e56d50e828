//! The SLA watcher as a `Worker`: clock passes on a timer, and automatic forwarding of a new
//! report as soon as it arrives.

use chrono::Utc;

use super::ClockPass;
use crate::bus::ReportEventKind;
use crate::domain::ids::ReportId;
use crate::worker::{Worker, WorkerError, WorkerState, WorkerStatus};
use crate::workflow::Workflow;

/// What the SLA watcher does in its next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClockStep {
    /// A clock pass over the open reports.
    Pass,
    /// A new report, or a new message on one: try forwarding it automatically at once.
    AutoForward(ReportId),
}

/// The SLA watcher as a `Worker`: a clock pass every `interval`; with automatic forwarding on,
/// a new report (or a new message, which may add the place) is looked at at once instead of
/// at the next tick. A failed pass is tried again at the next tick.
pub struct ClockWorker {
    workflow: Workflow,
    ticker: tokio::time::Interval,
    events: tokio::sync::broadcast::Receiver<crate::bus::ReportEvent>,
    bus_open: bool,
    auto_forward_on: bool,
    next: Option<ClockStep>,
    reports_checked: u64,
}

impl ClockWorker {
    pub fn new(workflow: Workflow, interval: std::time::Duration) -> ClockWorker {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ClockWorker {
            events: workflow.writer.bus().subscribe(),
            bus_open: true,
            auto_forward_on: workflow.clock.auto_forward_min_confidence.is_some(),
            workflow,
            ticker,
            // The ticker's first tick is immediate: the first pass runs at once.
            next: None,
            reports_checked: 0,
        }
    }
}

impl Worker for ClockWorker {
    fn name(&self) -> &'static str {
        "clock"
    }

    async fn work(
        &mut self,
        _shutdown: &tokio_util::sync::CancellationToken,
    ) -> Result<WorkerState, WorkerError> {
        match self.next.take() {
            None => {}
            Some(ClockStep::Pass) => match self.workflow.run_clock(Utc::now()).await {
                Ok(pass) => {
                    self.reports_checked += pass.reports_checked as u64;
                    if pass
                        != (ClockPass {
                            reports_checked: pass.reports_checked,
                            ..ClockPass::default()
                        })
                    {
                        tracing::info!(?pass, "sla watcher pass");
                    }
                }
                Err(error) => {
                    return Err(WorkerError::new(
                        "sla watcher pass failed; retrying at the next tick",
                        error,
                    ));
                }
            },
            Some(ClockStep::AutoForward(report_id)) => {
                if let Err(error) = self.workflow.auto_forward(report_id, Utc::now()).await {
                    return Err(WorkerError::new(
                        &format!(
                            "automatic forward of report {report_id} failed; the next pass retries"
                        ),
                        error,
                    ));
                }
            }
        }
        Ok(WorkerState::Idle)
    }

    async fn wait_for_work(&mut self) -> WorkerState {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            tokio::select! {
                _ = self.ticker.tick() => {
                    self.next = Some(ClockStep::Pass);
                    break;
                }
                event = self.events.recv(), if self.bus_open && self.auto_forward_on => match event {
                    Ok(event) if matches!(event.kind, ReportEventKind::ReportCreated | ReportEventKind::MessageAdded) => {
                        self.next = Some(ClockStep::AutoForward(event.report_id));
                        break;
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => self.bus_open = false,
                },
            }
        }
        WorkerState::Busy
    }

    fn status(&self) -> WorkerStatus {
        WorkerStatus {
            items_done: self.reports_checked,
        }
    }
}
