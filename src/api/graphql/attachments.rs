//! Replies with media on the GraphQL side: the `attachmentId` argument of `replyToReporter`
//! (the upload itself is `POST /media/upload`, see `api/upload.rs`), and the limits per kind
//! that the console shows beside its file picker.

use async_graphql::{Enum, ID, Object, SimpleObject};

use crate::domain::attachment::{ACCEPTED_TYPES, AttachmentKind as DomainKind};
use crate::domain::ids::AttachmentId;

pub fn parse_attachment_id(id: &ID) -> async_graphql::Result<AttachmentId> {
    AttachmentId::parse(id.as_str()).map_err(|error| super::bad_input(&error.to_string()))
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(
    name = "AttachmentKind",
    remote = "crate::domain::attachment::AttachmentKind"
)]
pub enum AttachmentKind {
    Image,
    Document,
    Audio,
    Video,
}

/// What WhatsApp accepts for one kind of attachment.
#[derive(SimpleObject)]
pub struct AttachmentLimit {
    pub kind: AttachmentKind,
    /// The largest file, in bytes.
    pub max_bytes: u64,
    pub content_types: Vec<String>,
    /// File name endings, without the dot.
    pub extensions: Vec<String>,
}

#[derive(Default)]
pub struct AttachmentQuery;

#[Object(name = "AttachmentQuery")]
impl AttachmentQuery {
    /// The types and sizes `POST /media/upload` accepts, per kind (Meta's limits).
    async fn attachment_limits(&self) -> Vec<AttachmentLimit> {
        [
            DomainKind::Image,
            DomainKind::Document,
            DomainKind::Audio,
            DomainKind::Video,
        ]
        .into_iter()
        .map(|kind| {
            let types = ACCEPTED_TYPES
                .iter()
                .filter(|accepted| accepted.kind == kind);
            AttachmentLimit {
                kind: kind.into(),
                max_bytes: kind.max_bytes(),
                content_types: types.clone().map(|t| t.mime.to_string()).collect(),
                extensions: types
                    .flat_map(|t| t.extensions.iter().map(|e| e.to_string()))
                    .collect(),
            }
        })
        .collect()
    }
}
