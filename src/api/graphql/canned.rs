//! Canned replies: `cannedReplies(search)` for everyone signed in, a filled-in preview for a
//! report, and `createCannedReply`, `updateCannedReply`, `deleteCannedReply` for supervisors
//! and admins. The variables and their filling are in `domain/canned.rs`, the rest in
//! `workflow/canned.rs`; a reply written from one is `replyToReporter(…, cannedReplyId)`.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::types::parse_report_id;
use super::{IntoGraphql, bad_input, principal, services};
use crate::domain::canned::{CannedReply, CannedReplyRef};
use crate::workflow::CannedReplyChange;

/// A canned reply.
#[derive(SimpleObject)]
#[graphql(name = "CannedReply")]
pub struct CannedReplyView {
    pub id: ID,
    pub title: String,
    /// The text with its variables: {ticket}, {nama}, {satuan}, {petugas}.
    pub text: String,
    pub tags: Vec<String>,
    /// How many replies were sent with it.
    pub usage_count: u64,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who changed it last; null for the profile's starter set.
    pub updated_by: Option<String>,
}

impl From<CannedReply> for CannedReplyView {
    fn from(reply: CannedReply) -> CannedReplyView {
        CannedReplyView {
            id: ID(reply.id.to_string()),
            title: reply.title,
            text: reply.text,
            tags: reply.tags,
            usage_count: reply.usage_count,
            last_used_at: reply.last_used_at,
            created_at: reply.created_at,
            updated_at: reply.updated_at,
            updated_by: reply.updated_by,
        }
    }
}

/// `Message.cannedReply`: which canned reply a reply was written from (its title then).
#[derive(SimpleObject)]
#[graphql(name = "CannedReplyUse")]
pub struct CannedReplyUse {
    pub id: ID,
    pub title: String,
}

impl CannedReplyUse {
    pub fn of(used: &CannedReplyRef) -> CannedReplyUse {
        CannedReplyUse {
            id: ID(used.id.to_string()),
            title: used.title.clone(),
        }
    }
}

/// A canned reply's id as the workflow reads it; BAD_USER_INPUT for anything but a number.
pub fn parse_canned_reply_id(id: &ID) -> async_graphql::Result<u64> {
    id.trim()
        .parse()
        .map_err(|_| bad_input(&format!("{:?} is not a canned reply id", id.as_str())))
}

#[derive(Default)]
pub struct CannedQuery;

#[Object(name = "CannedQuery")]
impl CannedQuery {
    /// The canned replies whose title, text or tags contain every word of `search` (all of
    /// them without it), the most used first.
    async fn canned_replies(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
    ) -> async_graphql::Result<Vec<CannedReplyView>> {
        principal(ctx)?;
        let replies = services(ctx)?
            .workflow
            .canned_replies(search.as_deref())
            .gql()?;
        Ok(replies.into_iter().map(CannedReplyView::from).collect())
    }

    /// The canned reply filled in for this report, as the caller would send it now.
    async fn canned_reply_preview(
        &self,
        ctx: &Context<'_>,
        id: ID,
        report_id: ID,
    ) -> async_graphql::Result<String> {
        let who = principal(ctx)?;
        services(ctx)?
            .workflow
            .preview_canned_reply(
                who,
                parse_canned_reply_id(&id)?,
                parse_report_id(&report_id)?,
            )
            .gql()
    }
}

#[derive(Default)]
pub struct CannedMutation;

#[Object(name = "CannedMutation")]
impl CannedMutation {
    /// Supervisors and admins: a new canned reply. A text naming a variable other than
    /// {ticket}, {nama}, {satuan} and {petugas} is BAD_USER_INPUT.
    async fn create_canned_reply(
        &self,
        ctx: &Context<'_>,
        title: String,
        text: String,
        #[graphql(default)] tags: Vec<String>,
    ) -> async_graphql::Result<CannedReplyView> {
        let who = principal(ctx)?;
        let change = CannedReplyChange {
            title: Some(title),
            text: Some(text),
            tags: Some(tags),
        };
        let reply = services(ctx)?
            .workflow
            .create_canned_reply(who, change)
            .await
            .gql()?;
        Ok(reply.into())
    }

    /// Supervisors and admins: changes the given fields; the others stay.
    async fn update_canned_reply(
        &self,
        ctx: &Context<'_>,
        id: ID,
        title: Option<String>,
        text: Option<String>,
        tags: Option<Vec<String>>,
    ) -> async_graphql::Result<CannedReplyView> {
        let who = principal(ctx)?;
        let change = CannedReplyChange { title, text, tags };
        let reply = services(ctx)?
            .workflow
            .update_canned_reply(who, parse_canned_reply_id(&id)?, change)
            .await
            .gql()?;
        Ok(reply.into())
    }

    /// Supervisors and admins: deletes a canned reply and returns it as it was. Replies sent
    /// with it keep its id and title.
    async fn delete_canned_reply(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<CannedReplyView> {
        let who = principal(ctx)?;
        let reply = services(ctx)?
            .workflow
            .delete_canned_reply(who, parse_canned_reply_id(&id)?)
            .await
            .gql()?;
        Ok(reply.into())
    }
}
