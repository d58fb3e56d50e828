//! The business numbers in GraphQL: `channels` (every configured number, for any signed-in
//! user; never a token) and `Report.channel`.

use async_graphql::{Context, Object, SimpleObject};

use super::{principal, services};
use crate::domain::channel::ChannelDirectory;

/// A business number citizens write to.
#[derive(SimpleObject, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "Channel")]
pub struct ChannelView {
    /// Meta's phone number id; what `ReportFilter.channel` takes.
    pub phone_number_id: String,
    /// The number as citizens dial it; empty when not configured.
    pub display_number: String,
    /// "Polrestabes Palembang".
    pub label: String,
    /// The unit its reports go to when their text names no place.
    pub default_unit: Option<String>,
}

/// The channel of a record (`Report::channel`; `None`: the default number). A number removed
/// from the configuration is still shown, by its id.
pub fn channel_view(directory: &ChannelDirectory, recorded: Option<&str>) -> Option<ChannelView> {
    let id = directory.channel_of(recorded)?;
    Some(match directory.get(id) {
        Some(channel) => ChannelView {
            phone_number_id: channel.phone_number_id.clone(),
            display_number: channel.display_number.clone(),
            label: channel.label.clone(),
            default_unit: channel.default_unit.as_ref().map(|unit| unit.to_string()),
        },
        None => ChannelView {
            phone_number_id: id.to_string(),
            display_number: String::new(),
            label: id.to_string(),
            default_unit: None,
        },
    })
}

#[derive(Default)]
pub struct ChannelQuery;

#[Object(name = "ChannelQuery")]
impl ChannelQuery {
    /// Every configured business number, the default first (any signed-in user).
    async fn channels(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ChannelView>> {
        principal(ctx)?;
        let directory = services(ctx)?.workflow.channels();
        Ok(directory
            .all()
            .iter()
            .filter_map(|channel| channel_view(directory, Some(&channel.phone_number_id)))
            .collect())
    }
}
