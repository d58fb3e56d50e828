//! Reports in a person's hands: claiming and releasing a report, a supervisor assigning it to
//! someone, and a claim ending by itself: when its holder has not acted for the idle period
//! (the SLA clock's pass, `clock/`), when the report is forwarded to a unit the holder cannot
//! see, or when it is closed (any final status).
//!
//! Only one person holds a report: a second claim is CONFLICT and names the holder. A claim is
//! limited to reports the claimer can see, and a supervisor can assign a report only to an
//! active supervisor, operator or officer who can see it. Every change of hands is a timeline
//! entry and an ASSIGNED event, whose report names the new holder (none when released).

use chrono::{DateTime, Utc};

use super::permissions::{Action, require_role};
use super::{Committed, Workflow, load_existing_report, refuse, report_event};
use crate::bus::{ReportEvent, ReportEventKind};
use crate::domain::access::can_see;
use crate::domain::assignment::Assignee;
use crate::domain::ids::ReportId;
use crate::domain::report::Report;
use crate::domain::timeline::{Actor, TimelineKind};
use crate::domain::unit::UnitTree;
use crate::domain::user::{Principal, Role, User};
use crate::error::UserError;
use crate::ledger::Ledger;
use crate::store::{StoreError, Tx, TxError};

impl Workflow {
    /// Puts the report in `who`'s hands. Claiming a report one already holds is not an error
    /// (and counts as an action); a report someone else holds is CONFLICT, naming them.
    pub async fn claim_report(
        &self,
        who: &Principal,
        report_id: ReportId,
    ) -> Result<Report, UserError> {
        self.change_own_hold(who, report_id, |tx, who, mut report, now| {
            refuse_if_final(&report)?;
            if let Some(holder) = &report.assignee {
                if holder.username != who.username {
                    let named = describe_user(tx, &holder.username)?;
                    return refuse(UserError::conflict(format!(
                        "report {} is already claimed by {named} since {}",
                        report.ticket,
                        holder.since.format("%Y-%m-%d %H:%M UTC")
                    )));
                }
                // A second claim by the holder says "still on it": the idle timer starts again.
                if let Some(assignee) = report.assignee.as_mut() {
                    assignee.last_action_at = now;
                }
                tx.reports().save(&report)?;
                return Ok(Committed::new(report));
            }
            report.assignee = Some(Assignee::new(&who.username, now, None));
            change_hands(tx, report, TimelineKind::Claimed, who.actor(), None, now)
        })
        .await
    }

    /// Lets go of a report. Its holder may, and a supervisor may release anyone's claim; a
    /// report nobody holds is returned as it is.
    pub async fn release_report(
        &self,
        who: &Principal,
        report_id: ReportId,
    ) -> Result<Report, UserError> {
        self.change_own_hold(who, report_id, |tx, who, mut report, now| {
            let Some(holder) = report.assignee.take() else {
                return Ok(Committed::new(report));
            };
            let note = if holder.username == who.username {
                "released by the holder".to_string()
            } else if who.role == Role::Supervisor {
                format!("taken from {} by a supervisor", holder.username)
            } else {
                let named = describe_user(tx, &holder.username)?;
                return refuse(UserError::forbidden(format!(
                    "report {} is held by {named}: only they or a supervisor may release it",
                    report.ticket
                )));
            };
            let actor = who.actor();
            change_hands(tx, report, TimelineKind::Released, actor, Some(note), now)
        })
        .await
    }

    /// Claim or release: one transaction that loads the report, checks that `who` sees it and
    /// may claim, then runs `change`.
    async fn change_own_hold(
        &self,
        who: &Principal,
        report_id: ReportId,
        change: impl Fn(&Tx<'_>, &Principal, Report, DateTime<Utc>) -> HoldResult + Send + 'static,
    ) -> Result<Report, UserError> {
        let tree = self.units.tree();
        let now = Utc::now();
        let who = who.clone();
        self.commit(move |this, tx| {
            let report = load_existing_report(tx, report_id)?;
            this.require(&who, Action::Claim, &report, &tree)?;
            change(tx, &who, report, now)
        })
        .await
    }

    /// A supervisor puts the report in `username`'s hands, whoever held it before. The person
    /// must be an active supervisor, operator or officer who can see the report.
    pub async fn assign_report(
        &self,
        who: &Principal,
        report_id: ReportId,
        username: String,
    ) -> Result<Report, UserError> {
        require_role(who, Action::AssignToPerson)?;
        let tree = self.units.tree();
        let now = Utc::now();
        let who = who.clone();
        let username = username.trim().to_ascii_lowercase();
        self.commit(move |this, tx| {
            let mut report = load_existing_report(tx, report_id)?;
            this.require(&who, Action::AssignToPerson, &report, &tree)?;
            refuse_if_final(&report)?;
            let Some(user) = tx.users().get(&username)? else {
                return refuse(UserError::bad_input(format!("unknown user {username:?}")));
            };
            this.check_assignable(&user, &report, &tree)
                .map_err(TxError::Abort)?;
            let previous = report.assignee.take();
            if previous
                .as_ref()
                .is_some_and(|holder| holder.username == user.username)
            {
                report.assignee = previous;
                return Ok(Committed::new(report));
            }
            let mut note = format!("assigned to {}", user.username);
            if let Some(previous) = previous {
                note.push_str(&format!(", previously held by {}", previous.username));
            }
            report.assignee = Some(Assignee::new(&user.username, now, Some(&who.username)));
            change_hands(
                tx,
                report,
                TimelineKind::PersonAssigned,
                who.actor(),
                Some(note),
                now,
            )
        })
        .await
    }

    /// Supervisors: the users who could hold `report_id` now, by username.
    pub fn assignable_users(
        &self,
        who: &Principal,
        report_id: ReportId,
    ) -> Result<Vec<User>, UserError> {
        require_role(who, Action::AssignToPerson)?;
        let report = self.report(who, report_id)?;
        let tree = self.units.tree();
        let mut users: Vec<User> = self
            .store
            .users()
            .all()?
            .into_iter()
            .filter(|user| self.check_assignable(user, &report, &tree).is_ok())
            .collect();
        users.sort_by(|left, right| left.username.cmp(&right.username));
        Ok(users)
    }

    /// BAD_USER_INPUT unless `user` may hold `report`: active, a role that works reports, and
    /// able to see it.
    fn check_assignable(
        &self,
        user: &User,
        report: &Report,
        tree: &UnitTree,
    ) -> Result<(), UserError> {
        if !user.active {
            return Err(UserError::bad_input(format!(
                "{} is deactivated and cannot hold a report",
                user.username
            )));
        }
        let principal = principal_of(user);
        if require_role(&principal, Action::Claim).is_err() {
            return Err(UserError::bad_input(format!(
                "{} is a{} {} and does not work reports",
                user.username,
                if user.role == Role::Admin || user.role == Role::Analyst {
                    "n"
                } else {
                    ""
                },
                user.role.as_str()
            )));
        }
        if !can_see(&principal, report, tree, &self.rules) {
            return Err(UserError::bad_input(format!(
                "{} cannot see report {} (it is not within their unit): forward it there first",
                user.username, report.ticket
            )));
        }
        Ok(())
    }

    /// Ends the claim on `report_id` if it is still idle at `now` (the clock's pass). Returns
    /// whether it did.
    pub(super) async fn expire_claim(
        &self,
        report_id: ReportId,
        now: DateTime<Utc>,
    ) -> Result<bool, UserError> {
        let idle_after = self.clock.claim_idle_after;
        self.commit(move |_, tx| {
            let Some(mut report) = tx.reports().get(report_id)? else {
                return Ok(Committed::new(false));
            };
            if !report.claim_expired(idle_after, now) {
                return Ok(Committed::new(false));
            }
            let Some(holder) = report.assignee.take() else {
                return Ok(Committed::new(false));
            };
            let note = format!(
                "{} did nothing on the report for {} minutes (last action {}): the claim ran out",
                holder.username,
                idle_after.num_minutes(),
                holder.last_action_at.format("%Y-%m-%d %H:%M UTC")
            );
            let committed = change_hands(
                tx,
                report,
                TimelineKind::ClaimExpired,
                Actor::System,
                Some(note),
                now,
            )?;
            Ok(Committed {
                value: true,
                events: committed.events,
                outbox_queued: false,
            })
        })
        .await
    }

    /// Ends the claim on `report` when the report has left its holder's reach: it is final, or
    /// the holder can no longer see it (forwarded to a unit outside theirs). The caller saves
    /// the report and announces the returned event.
    pub(super) fn release_out_of_reach(
        &self,
        tx: &Tx<'_>,
        report: &mut Report,
        tree: &UnitTree,
        now: DateTime<Utc>,
    ) -> Result<Option<ReportEvent>, StoreError> {
        let Some(holder) = &report.assignee else {
            return Ok(None);
        };
        let reason = if report.status.is_final() {
            format!("{} is final", report.status)
        } else {
            let sees = tx
                .users()
                .get(&holder.username)?
                .is_some_and(|user| can_see(&principal_of(&user), report, tree, &self.rules));
            if sees {
                return Ok(None);
            }
            format!(
                "{} cannot see it at {}",
                holder.username,
                report.assigned_unit.as_deref().unwrap_or("its unit")
            )
        };
        let holder = holder.username.clone();
        report.assignee = None;
        tx.reports().append_timeline(
            report,
            TimelineKind::Released,
            Actor::System,
            Some(format!("released from {holder}: {reason}")),
            None,
            now,
        )?;
        Ok(Some(report_event(
            ReportEventKind::Assigned,
            report,
            now,
            None,
        )))
    }
}

type HoldResult = Result<Committed<Report>, TxError<UserError>>;

/// Records the change of hands, saves the report and announces it.
fn change_hands(
    tx: &Tx<'_>,
    mut report: Report,
    kind: TimelineKind,
    actor: Actor,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<Committed<Report>, TxError<UserError>> {
    tx.reports()
        .append_timeline(&mut report, kind, actor, note, None, now)?;
    report.updated_at = now;
    tx.reports().save(&report)?;
    let mut committed = Committed::new(report);
    committed.events = vec![report_event(
        ReportEventKind::Assigned,
        &committed.value,
        now,
        None,
    )];
    Ok(committed)
}

fn refuse_if_final(report: &Report) -> Result<(), TxError<UserError>> {
    if report.status.is_final() {
        return refuse(UserError::conflict(format!(
            "report {} is {} (final): nobody can hold it any more",
            report.ticket, report.status
        )));
    }
    Ok(())
}

/// `username (Display Name)`, or the username alone.
fn describe_user(tx: &Tx<'_>, username: &str) -> Result<String, TxError<UserError>> {
    let display_name = tx
        .users()
        .get(username)?
        .and_then(|user| user.display_name)
        .filter(|name| !name.trim().is_empty());
    Ok(match display_name {
        Some(name) => format!("{username} ({name})"),
        None => username.to_string(),
    })
}

fn principal_of(user: &User) -> Principal {
    Principal {
        username: user.username.clone(),
        role: user.role,
        unit: user.unit.clone(),
    }
}
