//! GraphQL output and input types: thin views over domain records, resolved lazily from the
//! store. The report and its parts are in `report_view`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::services;
use crate::domain::ids::{ReportId, Ticket, UnitCode};
use crate::domain::unit::{UnitKind as DomainUnitKind, UnitRecord};
use crate::domain::user::User;
use crate::workflow::{BoundingBox as DomainBoundingBox, ReportFilter as DomainReportFilter};

pub use super::report_view::{MessageView, ReportView, TimelineEventView};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ReportStatus", remote = "crate::domain::report::ReportStatus")]
pub enum ReportStatus {
    New,
    Triaged,
    Forwarded,
    InProgress,
    AwaitingReporter,
    Resolved,
    Closed,
    Rejected,
    Duplicate,
    Spam,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Priority", remote = "crate::domain::report::Priority")]
pub enum Priority {
    Urgent,
    High,
    Normal,
    Low,
}

/// The order of a list of reports.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
#[graphql(name = "ReportOrder", remote = "crate::workflow::ReportOrder")]
pub enum ReportOrder {
    /// Newest first (by report number).
    #[default]
    NewestFirst,
    /// The work queue: the open SLA stage's due time, earliest first (nothing due or paused
    /// last), then priority (none counts as NORMAL), then age, oldest first.
    Queue,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Role", remote = "crate::domain::user::Role")]
pub enum Role {
    Admin,
    Supervisor,
    Operator,
    Officer,
    Analyst,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "UnitKind", remote = "crate::domain::unit::UnitKind")]
pub enum UnitKind {
    Functional,
    Territorial,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "CallKind", remote = "crate::workflow::CallKind")]
pub enum CallKind {
    Phone,
    Video,
    Whatsapp,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "Direction", remote = "crate::domain::message::Direction")]
pub enum Direction {
    Inbound,
    Outbound,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(
    name = "DeliveryStatus",
    remote = "crate::domain::inbound::DeliveryStatus"
)]
pub enum DeliveryStatus {
    Queued,
    Sandbox,
    Accepted,
    Sent,
    Delivered,
    Read,
    Played,
    Failed,
}

/// Reads a report's GraphQL `ID`: the one place a client's report id becomes a `ReportId`.
pub fn parse_report_id(id: &ID) -> async_graphql::Result<ReportId> {
    ReportId::parse(id.as_str()).map_err(|error| super::bad_input(&error.to_string()))
}

/// Reads a unit code a person typed: the one place it becomes a `UnitCode`.
pub fn parse_unit_code(text: &str) -> async_graphql::Result<UnitCode> {
    UnitCode::parse(text).map_err(|error| super::bad_input(&error.to_string()))
}

/// An optional unit code, where a blank one means none.
pub fn parse_optional_unit_code(text: Option<&str>) -> async_graphql::Result<Option<UnitCode>> {
    match text.map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => parse_unit_code(text).map(Some),
        None => Ok(None),
    }
}

/// Reads a ticket a person typed: the one place it becomes a `Ticket`.
pub fn parse_ticket(text: &str) -> async_graphql::Result<Ticket> {
    Ticket::parse(text).map_err(|error| super::bad_input(&error.to_string()))
}

#[derive(Clone)]
pub struct UnitView(pub UnitRecord);

#[Object(name = "Unit")]
impl UnitView {
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> UnitKind {
        match self.0.kind {
            DomainUnitKind::Functional => UnitKind::Functional,
            DomainUnitKind::Territorial => UnitKind::Territorial,
        }
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    async fn parent_code(&self) -> Option<&str> {
        self.0.parent.as_deref()
    }
    async fn children(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UnitView>> {
        let tree = services(ctx)?.workflow.units().tree();
        Ok(tree
            .children(&self.0.code)
            .into_iter()
            .map(|unit| UnitView(unit.clone()))
            .collect())
    }
}

pub struct UserView(pub User);

#[Object(name = "User")]
impl UserView {
    async fn username(&self) -> &str {
        &self.0.username
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    async fn unit_code(&self) -> Option<&str> {
        self.0.unit.as_deref()
    }
    async fn display_name(&self) -> Option<&str> {
        self.0.display_name.as_deref()
    }
    async fn active(&self) -> bool {
        self.0.active
    }
}

#[derive(SimpleObject)]
pub struct AuthPayload {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
}

#[derive(SimpleObject)]
#[graphql(name = "ReportEdge")]
pub struct ReportEdge {
    pub cursor: String,
    pub node: ReportView,
}

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(SimpleObject)]
pub struct ReportConnection {
    pub total_count: usize,
    pub edges: Vec<ReportEdge>,
    pub page_info: PageInfo,
}

#[derive(InputObject, Clone, Copy)]
pub struct BoundingBox {
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
}

/// Which reports: every field narrows the set; absent fields do not.
#[derive(InputObject, Clone, Default)]
pub struct ReportFilter {
    pub status: Option<Vec<ReportStatus>>,
    pub category: Option<Vec<String>>,
    /// That unit and every unit below it.
    pub unit_code: Option<String>,
    pub priority: Option<Vec<Priority>>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub has_media: Option<bool>,
    pub within: Option<BoundingBox>,
    /// Reports whose open SLA stage is past due (`true`), or that are not (`false`).
    pub overdue: Option<bool>,
    /// `true`: only the reports that keep the messages of blocked numbers (hidden from the
    /// queue); absent or `false`: none of them.
    pub blocked: Option<bool>,
    /// Reports this person holds (claimed, or assigned by a supervisor), by username.
    pub assignee: Option<String>,
    /// Reports the caller holds (`true`), or does not hold (`false`).
    pub assigned_to_me: Option<bool>,
    /// Reports nobody holds (`true`), or that someone holds (`false`).
    pub unassigned: Option<bool>,
    /// Reports that came in on this business number, by its phone number id (`channels`).
    pub channel: Option<String>,
    /// Reports whose citizen answered the satisfaction question with one of these ratings;
    /// reports not asked or not answered yet never match.
    pub satisfaction: Option<Vec<super::satisfaction::SatisfactionRating>>,
}

impl ReportFilter {
    /// The filter as the workflow reads it, for the caller `who` (`assignedToMe` means them).
    /// BAD_USER_INPUT when `assignee` and `assignedToMe` ask for different people.
    pub fn to_domain(
        &self,
        who: &crate::domain::user::Principal,
        channels: &crate::domain::channel::ChannelDirectory,
    ) -> Result<DomainReportFilter, crate::error::UserError> {
        let named = self
            .assignee
            .as_deref()
            .map(|username| username.trim().to_ascii_lowercase());
        let (assignee, not_assignee) = match (named, self.assigned_to_me) {
            (None, None) => (None, None),
            (named, None) => (named, None),
            (None, Some(true)) => (Some(who.username.clone()), None),
            (None, Some(false)) => (None, Some(who.username.clone())),
            (Some(named), Some(true)) if named == who.username => (Some(named), None),
            (Some(named), Some(false)) if named != who.username => {
                (Some(named), Some(who.username.clone()))
            }
            (Some(named), Some(_)) => {
                return Err(crate::error::UserError::bad_input(format!(
                    "assignee {named:?} and assignedToMe contradict each other: use one of them"
                )));
            }
        };
        let (channel, channel_is_default) = channels.filter_channel(self.channel.as_deref())?;
        Ok(DomainReportFilter {
            assignee,
            not_assignee,
            unassigned: self.unassigned,
            status: self
                .status
                .iter()
                .flatten()
                .map(|status| (*status).into())
                .collect(),
            category: self.category.clone().unwrap_or_default(),
            unit_code: self.unit_code.clone(),
            priority: self
                .priority
                .iter()
                .flatten()
                .map(|priority| (*priority).into())
                .collect(),
            created_from: self.created_from,
            created_to: self.created_to,
            has_media: self.has_media,
            within: self.within.map(|area| DomainBoundingBox {
                south: area.south,
                west: area.west,
                north: area.north,
                east: area.east,
            }),
            overdue: self.overdue,
            blocked: self.blocked.unwrap_or(false),
            channel,
            channel_is_default,
            satisfaction: self
                .satisfaction
                .iter()
                .flatten()
                .map(|rating| (*rating).into())
                .collect(),
        })
    }
}

/// A stage of handling that the service-level targets measure.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SlaStage {
    /// The first action of an operator.
    FirstAction,
    /// The forward to the unit that must act.
    Forward,
    Resolution,
}

impl From<crate::domain::report::SlaStage> for SlaStage {
    fn from(stage: crate::domain::report::SlaStage) -> SlaStage {
        match stage {
            crate::domain::report::SlaStage::FirstAction => SlaStage::FirstAction,
            crate::domain::report::SlaStage::Forward => SlaStage::Forward,
            crate::domain::report::SlaStage::Resolution => SlaStage::Resolution,
        }
    }
}

/// A report against the targets of its priority (the profile's `sla.toml`).
#[derive(SimpleObject)]
#[graphql(name = "Sla")]
pub struct SlaView {
    /// The first stage not done yet; null once resolved or final.
    pub stage: Option<SlaStage>,
    /// When that stage is due; null while waiting for the reporter or when nothing is open.
    pub due_at: Option<DateTime<Utc>>,
    /// AWAITING_REPORTER: the clock stands still.
    pub paused: bool,
    /// The open stage is past due now.
    pub overdue: bool,
    /// Some target of this report was missed.
    pub breached: bool,
    pub breaches: Vec<SlaStage>,
    /// The unit a breached forwarded report was escalated to (the parent of its unit).
    pub escalated_to: Option<String>,
}

/// The suggestion, with what the citizen answered when asked (`domain::questions`).
pub struct SuggestionView(
    pub crate::routing::Suggestion,
    pub crate::domain::questions::CitizenAnswers,
);

/// One category the report may belong to, with its share of the evidence.
#[derive(SimpleObject)]
pub struct CategoryCandidate {
    pub code: String,
    /// In [0, 1].
    pub share: f64,
}

#[derive(SimpleObject)]
pub struct SuggestedPlace {
    pub kabupaten: String,
    pub kecamatan: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

fn units_by_code(ctx: &Context<'_>, codes: &[UnitCode]) -> async_graphql::Result<Vec<UnitView>> {
    let tree = services(ctx)?.workflow.units().tree();
    Ok(codes
        .iter()
        .filter_map(|code| tree.get(code).cloned().map(UnitView))
        .collect())
}

#[Object(name = "Suggestion")]
impl SuggestionView {
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }
    /// In [0, 1].
    async fn confidence(&self) -> f64 {
        f64::from(self.0.confidence)
    }
    /// An ongoing threat to life or body, a crime in progress, a fire, a drowning, a missing child.
    async fn urgent(&self) -> bool {
        self.0.urgent
    }
    /// The words that decided it.
    async fn reasons(&self) -> &[String] {
        &self.0.reasons
    }
    /// How strongly the messages read as an emergency in progress, in [0, 1].
    async fn urgency_score(&self) -> f64 {
        f64::from(self.0.urgency_score)
    }
    /// The score is in the grey zone: the citizen is asked whether it is happening now.
    async fn urgency_uncertain(&self) -> bool {
        self.0.urgency_uncertain
    }
    /// The category is unclear: the citizen is offered `categoryCandidates` to choose from.
    async fn category_uncertain(&self) -> bool {
        self.0.category_uncertain
    }
    async fn category_candidates(&self) -> Vec<CategoryCandidate> {
        self.0
            .category_candidates
            .iter()
            .map(|candidate| CategoryCandidate {
                code: candidate.code.clone(),
                share: f64::from(candidate.share),
            })
            .collect()
    }
    /// The citizen's answer to "is it happening now?": true (happening now, needs help at
    /// once), false (not an emergency), or null (not asked or not answered).
    async fn citizen_says_urgent(&self) -> Option<bool> {
        self.1.urgent
    }
    /// The kind of report the citizen chose from the list they were offered.
    async fn citizen_category(&self) -> Option<&str> {
        self.1.category.as_deref()
    }
    /// When the citizen was asked whether it is happening now.
    async fn urgency_asked_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.1.urgency_asked_at
    }
    async fn territorial_unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<UnitView>> {
        let codes: Vec<UnitCode> = self.0.territorial_unit.iter().cloned().collect();
        Ok(units_by_code(ctx, &codes)?.into_iter().next())
    }
    async fn functional_units(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<UnitView>> {
        units_by_code(ctx, &self.0.functional_units)
    }
    async fn place(&self) -> Option<SuggestedPlace> {
        self.0.place.as_ref().map(|place| SuggestedPlace {
            kabupaten: place.kabupaten.clone(),
            kecamatan: place.kecamatan.clone(),
            latitude: place.latitude,
            longitude: place.longitude,
        })
    }
}
