//! Canned replies at work: supervisors (and admins) create, change and delete them, everyone
//! signed in lists and searches them, a preview fills one in for a report, and a reply written
//! from one (`reply_to_reporter_with`, `contact.rs`) is filled in the reply's transaction,
//! recorded on the message and counted. The profile's starter set is seeded on the first start.

use chrono::Utc;

use super::permissions::{Action, require_role};
use super::{Committed, MAX_REPLY_CHARS, Workflow, refuse, required_text};
use crate::domain::canned::{
    self, CannedReply, Filling, MAX_TITLE_CHARS, check_variables, normalise_tags,
};
use crate::domain::ids::ReportId;
use crate::domain::report::Report;
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::ledger::Ledger;
use crate::profile::Profile;
use crate::store::{Store, StoreError, Tx, TxError};

/// The fields of a canned reply as given; `None` leaves a field as it is (update).
#[derive(Debug, Clone, Default)]
pub struct CannedReplyChange {
    pub title: Option<String>,
    pub text: Option<String>,
    pub tags: Option<Vec<String>>,
}

impl Workflow {
    /// The canned replies matching `search` (every word in the title, text or tags), the most
    /// used first, then by title.
    pub fn canned_replies(&self, search: Option<&str>) -> Result<Vec<CannedReply>, UserError> {
        let search = search.unwrap_or("").trim();
        if search.chars().count() > 200 {
            return Err(UserError::bad_input(
                "the search is longer than 200 characters",
            ));
        }
        let mut replies: Vec<CannedReply> = self
            .store
            .canned_replies()
            .all()?
            .into_iter()
            .filter(|reply| reply.matches(search))
            .collect();
        replies.sort_by(|left, right| {
            right
                .usage_count
                .cmp(&left.usage_count)
                .then_with(|| left.title.cmp(&right.title))
        });
        Ok(replies)
    }

    /// A new canned reply; supervisors and admins only. A text naming an unknown variable is
    /// BAD_USER_INPUT.
    pub async fn create_canned_reply(
        &self,
        who: &Principal,
        change: CannedReplyChange,
    ) -> Result<CannedReply, UserError> {
        require_role(who, Action::ManageCannedReplies)?;
        let title = change.title.unwrap_or_default();
        let text = change.text.unwrap_or_default();
        let (title, text, tags) = validate(&title, &text, &change.tags.unwrap_or_default())?;
        let username = who.username.clone();
        self.commit(move |_, tx| {
            let now = Utc::now();
            let reply = CannedReply {
                id: tx.canned_replies().new_id()?,
                title: title.clone(),
                text: text.clone(),
                tags: tags.clone(),
                usage_count: 0,
                last_used_at: None,
                created_at: now,
                updated_at: now,
                updated_by: Some(username.clone()),
            };
            tx.canned_replies().save(&reply)?;
            Ok(Committed::new(reply))
        })
        .await
    }

    /// Changes the given fields of a canned reply; its usage count stays.
    pub async fn update_canned_reply(
        &self,
        who: &Principal,
        id: u64,
        change: CannedReplyChange,
    ) -> Result<CannedReply, UserError> {
        require_role(who, Action::ManageCannedReplies)?;
        let username = who.username.clone();
        self.commit(move |_, tx| {
            let Some(mut reply) = tx.canned_replies().get(id)? else {
                return refuse(unknown_canned_reply(id));
            };
            let title = change.title.as_deref().unwrap_or(&reply.title);
            let text = change.text.as_deref().unwrap_or(&reply.text);
            let tags = change.tags.as_ref().unwrap_or(&reply.tags);
            let (title, text, tags) = validate(title, text, tags).map_err(TxError::Abort)?;
            reply.title = title;
            reply.text = text;
            reply.tags = tags;
            reply.updated_at = Utc::now();
            reply.updated_by = Some(username.clone());
            tx.canned_replies().save(&reply)?;
            Ok(Committed::new(reply))
        })
        .await
    }

    /// Deletes a canned reply and returns it as it was. Messages written from it keep its id
    /// and title.
    pub async fn delete_canned_reply(
        &self,
        who: &Principal,
        id: u64,
    ) -> Result<CannedReply, UserError> {
        require_role(who, Action::ManageCannedReplies)?;
        self.commit(move |_, tx| {
            let Some(reply) = tx.canned_replies().get(id)? else {
                return refuse(unknown_canned_reply(id));
            };
            tx.canned_replies().delete(id)?;
            Ok(Committed::new(reply))
        })
        .await
    }

    /// The canned reply `id` filled in for `report_id` as `who` would send it now.
    pub fn preview_canned_reply(
        &self,
        who: &Principal,
        id: u64,
        report_id: ReportId,
    ) -> Result<String, UserError> {
        let report = self.report(who, report_id)?;
        let Some(reply) = self.store.canned_replies().get(id)? else {
            return Err(unknown_canned_reply(id));
        };
        Ok(self.fill_canned(&self.store, who, &report, &reply.text)?)
    }

    /// The text of a reply written from canned reply `id` (the operator's edited `text`, or
    /// else the canned text), filled in; the canned reply's use is counted in `tx`.
    pub(super) fn compose_from_canned(
        &self,
        tx: &Tx<'_>,
        who: &Principal,
        report: &Report,
        text: Option<&str>,
        id: u64,
    ) -> Result<(String, CannedReply), TxError<UserError>> {
        let Some(mut reply) = tx.canned_replies().get(id)? else {
            return refuse(unknown_canned_reply(id));
        };
        let written = text
            .filter(|text| !text.trim().is_empty())
            .unwrap_or(&reply.text);
        let filled = self.fill_canned(tx, who, report, written)?;
        let filled =
            required_text(&filled, "the reply", MAX_REPLY_CHARS).map_err(TxError::Abort)?;
        reply.usage_count += 1;
        reply.last_used_at = Some(Utc::now());
        tx.canned_replies().save(&reply)?;
        Ok((filled, reply))
    }

    /// `text` with `{ticket}`, `{nama}`, `{satuan}` and `{petugas}` filled from the report, its
    /// reporter, the unit handling it (else the operator's, else the command center) and the
    /// operator.
    fn fill_canned(
        &self,
        at: &impl Ledger,
        who: &Principal,
        report: &Report,
        text: &str,
    ) -> Result<String, StoreError> {
        let replies = &self.intake.replies;
        let reporter_name = at
            .reporters()
            .get(report.reporter_id)?
            .and_then(|reporter| reporter.name)
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| replies.unknown_reporter_name.clone());
        let tree = self.units.tree();
        let unit_name = report
            .assigned_unit
            .as_deref()
            .or(who.unit.as_deref())
            .and_then(|code| tree.get(code))
            .map(|unit| unit.name.clone())
            .unwrap_or_else(|| replies.command_center_name.clone());
        let operator_name = at
            .users()
            .get(&who.username)?
            .and_then(|user| user.display_name)
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| who.username.clone());
        Ok(canned::fill(
            text,
            &Filling {
                ticket: &report.ticket,
                nama: reporter_name.trim(),
                satuan: &unit_name,
                petugas: &operator_name,
            },
        ))
    }
}

/// Writes the profile's starter set into an empty store once; later starts, and supervisors'
/// deletions, are left alone. Returns how many were written.
pub fn seed_canned_replies(store: &Store, profile: &Profile) -> Result<usize, StoreError> {
    if store.canned_replies().seeded()? {
        return Ok(0);
    }
    let now = Utc::now();
    let count = crate::ledger::write(store, |tx| {
        for draft in &profile.canned_replies {
            let tags = normalise_tags(&draft.tags).map_err(|reason| StoreError::Codec {
                record: "canned reply",
                reason,
            })?;
            tx.canned_replies().save(&CannedReply {
                id: tx.canned_replies().new_id()?,
                title: draft.title.trim().to_string(),
                text: draft.text.trim().to_string(),
                tags,
                usage_count: 0,
                last_used_at: None,
                created_at: now,
                updated_at: now,
                updated_by: None,
            })?;
        }
        tx.canned_replies().mark_seeded()?;
        Ok(profile.canned_replies.len())
    })?;
    store.flush_blocking()?;
    tracing::info!(canned_replies = count, profile = %profile.name, "canned replies seeded from the profile");
    Ok(count)
}

fn unknown_canned_reply(id: u64) -> UserError {
    UserError::not_found(&format!("canned reply {id}"))
}

/// Title, text and tags as stored, or BAD_USER_INPUT saying what is wrong.
fn validate(
    title: &str,
    text: &str,
    tags: &[String],
) -> Result<(String, String, Vec<String>), UserError> {
    let title = required_text(title, "the title", MAX_TITLE_CHARS)?;
    let text = required_text(text, "the text", MAX_REPLY_CHARS)?;
    check_variables(&text).map_err(UserError::bad_input)?;
    let tags = normalise_tags(tags).map_err(UserError::bad_input)?;
    Ok((title, text, tags))
}
