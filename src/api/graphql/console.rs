//! What the operator console (and any other client) needs beyond the reports themselves: the
//! profile's categories and places, the status moves a report allows its reader, and signed
//! media links for `<img>`, `<audio>` and `<video>`.

use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::Utc;

use super::types::ReportStatus;
use super::{IntoGraphql, principal, services};
use crate::domain::message::{MediaState, Message, OutboundPurpose as DomainPurpose};
use crate::domain::redact::mask_phone_numbers_if;
use crate::domain::report::{Report, ReportStatus as DomainStatus};
use crate::workflow::permissions::{Action, role_may};

/// The console's queries, merged into `QueryRoot`.
#[derive(Default)]
pub struct ConsoleQuery;

/// A category of the region's profile.
#[derive(SimpleObject)]
pub struct Category {
    /// The code that `triageReport` takes (`curanmor`).
    code: String,
    /// The name shown to people (Indonesian).
    label: String,
    /// The family of categories (`kriminal`, `lalu_lintas`, `propam` …).
    group: String,
    /// Whether a report of this category counts as urgent by default.
    urgent_default: bool,
    /// `territorial` (the Polres or Polsek of the place) or `functional` (a directorate or
    /// bureau, such as Bidpropam for complaints about the police): where a report of this
    /// category is forwarded.
    routes_to: String,
}

/// A kab/kota of the region's gazetteer: its seat and rough extent, for the map.
#[derive(SimpleObject)]
pub struct Region {
    name: String,
    /// `kota` or `kabupaten`.
    kind: String,
    /// The Polres that covers it, when the profile names one.
    polres: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    /// `[south, west, north, east]`, coarse (5-15 km).
    bbox: Option<Vec<f64>>,
}

#[Object(name = "ConsoleQuery")]
impl ConsoleQuery {
    /// The categories of the region's profile, in the profile's order.
    async fn categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Category>> {
        principal(ctx)?;
        let profile = &services(ctx)?.profile;
        Ok(profile
            .categories
            .iter()
            .map(|category| Category {
                code: category.code.clone(),
                label: category.label.clone(),
                group: category.group.clone(),
                urgent_default: category.urgent_default,
                routes_to: category.routes_to.clone(),
            })
            .collect())
    }

    /// The kab/kota of the region, with their seats, for maps drawn without tiles.
    async fn regions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Region>> {
        principal(ctx)?;
        let profile = &services(ctx)?.profile;
        Ok(profile
            .gazetteer
            .kabkota
            .iter()
            .map(|kabkota| {
                let point = kabkota.centroid.or(kabkota.seat_point);
                Region {
                    name: kabkota.name.clone(),
                    kind: kabkota.kind.clone(),
                    polres: kabkota.polres.clone(),
                    latitude: point.map(|point| point.lat),
                    longitude: point.map(|point| point.lon),
                    bbox: kabkota
                        .bbox_approx
                        .map(|[south, west, north, east]| vec![south, west, north, east]),
                }
            })
            .collect())
    }
}

/// Why siaga sent a message to the citizen.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum OutboundPurpose {
    /// The automatic answer to a new report, with its ticket number.
    NewReportReply,
    /// The short acknowledgement of a follow-up message.
    FollowUpAck,
    /// Written by an operator or officer.
    OperatorReply,
    /// A status notice (forwarded, resolved).
    StatusNotice,
    /// The one "slow down" answer to a reporter over the automatic rate limit.
    SlowDown,
    /// The answer to a citizen's status check (a ticket number, STATUS, CEK, the "Cek status"
    /// button), or to their tap on "Tambah foto/lokasi".
    StatusCheck,
    /// The satisfaction question once a report is resolved, and the answers to its answer.
    Satisfaction,
}

impl From<DomainPurpose> for OutboundPurpose {
    fn from(purpose: DomainPurpose) -> Self {
        match purpose {
            DomainPurpose::NewReportReply => OutboundPurpose::NewReportReply,
            DomainPurpose::FollowUpAck => OutboundPurpose::FollowUpAck,
            DomainPurpose::OperatorReply => OutboundPurpose::OperatorReply,
            DomainPurpose::StatusNotice => OutboundPurpose::StatusNotice,
            DomainPurpose::SlowDown => OutboundPurpose::SlowDown,
            DomainPurpose::StatusCheck => OutboundPurpose::StatusCheck,
            DomainPurpose::Satisfaction => OutboundPurpose::Satisfaction,
        }
    }
}

/// Where a message's file stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum MediaDownload {
    /// Announced by WhatsApp, not yet downloaded.
    Pending,
    /// Downloaded and kept: `signedMediaUrl` serves it.
    Stored,
    /// The download was given up (`MEDIA_FAILED` on the timeline says why).
    Failed,
    /// Sandbox mode has no token to download with.
    Unavailable,
}

impl From<MediaState> for MediaDownload {
    fn from(state: MediaState) -> Self {
        match state {
            MediaState::Pending => MediaDownload::Pending,
            MediaState::Stored => MediaDownload::Stored,
            MediaState::Failed => MediaDownload::Failed,
            MediaState::Unavailable => MediaDownload::Unavailable,
        }
    }
}

const EXCERPT_CHARS: usize = 160;

/// `Report.excerpt`: the citizen's first words on one line, numbers masked for the reader
/// before the cut (so that no half of a number slips through), cut at a word where it can be.
pub(super) fn excerpt(report: &Report, masked: bool) -> Option<String> {
    let joined = report.citizen_texts.join(" ");
    let one_line = joined.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return None;
    }
    let readable = mask_phone_numbers_if(&one_line, masked);
    if readable.chars().count() <= EXCERPT_CHARS {
        return Some(readable.into_owned());
    }
    let cut: String = readable.chars().take(EXCERPT_CHARS - 1).collect();
    let at_word = match cut.rfind(' ') {
        Some(space) if space > cut.len() / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    Some(format!("{at_word}…"))
}

/// `Report.allowedStatusMoves`: the statuses the reader may set now, by the status table, their
/// role, and whether the report has a unit to go back to. The status it has is not a move (a
/// forwarded report goes to another unit with `forwardReport`).
pub(super) fn allowed_status_moves(
    ctx: &Context<'_>,
    report: &Report,
) -> async_graphql::Result<Vec<ReportStatus>> {
    let who = principal(ctx)?;
    Ok(DomainStatus::ALL
        .into_iter()
        .filter(|next| *next != report.status)
        .filter(|next| report.status.can_move_to(*next, report.resume_status))
        .filter(|next| role_may(who.role, Action::SetStatus(*next)))
        .filter(|next| *next != DomainStatus::Forwarded || report.assigned_unit.is_some())
        .map(Into::into)
        .collect())
}

/// `Message.signedMediaUrl`: a link to the stored file that works without a bearer header for
/// a few minutes, for the reader only.
pub(super) fn signed_media_url(
    ctx: &Context<'_>,
    message: &Message,
) -> async_graphql::Result<Option<String>> {
    let stored = message
        .media
        .as_ref()
        .is_some_and(|media| media.state == MediaState::Stored);
    let Some(report_id) = message.report_id.filter(|_| stored) else {
        return Ok(None);
    };
    let who = principal(ctx)?;
    let services = services(ctx)?;
    let Some(user) = services.auth.user(&who.username).gql()? else {
        return Ok(None);
    };
    Ok(Some(services.media_urls.sign(
        &user,
        report_id,
        message.id,
        Utc::now(),
    )))
}
