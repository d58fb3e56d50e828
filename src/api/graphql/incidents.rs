//! One incident, many reporters: `linkReports`, `unlinkReport`, and the `Report.incident` and
//! `Report.similar` fields' values. Thin: the rules are in `workflow::incidents` and
//! `workflow::similar`.

use async_graphql::{Context, ID, Object, SimpleObject};

use super::report_view::ReportView;
use super::types::parse_report_id;
use super::{IntoGraphql, bad_input, principal, services};
use crate::domain::access::mask_phones;
use crate::domain::report::Report;

#[derive(Default)]
pub struct IncidentMutation;

#[Object(name = "IncidentMutation")]
impl IncidentMutation {
    /// Groups reports of one event (twenty citizens reporting one fire) under `primary`:
    /// each keeps its reporter, conversation and notices. Forwarding or moving the primary
    /// with `withLinked: true` carries the others along. A report already in another incident
    /// is refused (CONFLICT): unlink it first. Returns the primary.
    async fn link_reports(
        &self,
        ctx: &Context<'_>,
        primary: ID,
        others: Vec<ID>,
        note: Option<String>,
    ) -> async_graphql::Result<ReportView> {
        let who = principal(ctx)?;
        let primary = parse_report_id(&primary)?;
        if others.len() > crate::workflow::MAX_LINKED_REPORTS {
            return Err(bad_input(&format!(
                "an incident groups at most {} reports besides its primary",
                crate::workflow::MAX_LINKED_REPORTS
            )));
        }
        let others = others
            .iter()
            .map(parse_report_id)
            .collect::<async_graphql::Result<Vec<_>>>()?;
        let report = services(ctx)?
            .workflow
            .link_reports(who, primary, others, note)
            .await
            .gql()?;
        Ok(ReportView {
            report,
            masked: mask_phones(who),
        })
    }

    /// Takes a report out of its incident; on the primary, dissolves the incident. Returns
    /// the report.
    async fn unlink_report(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ReportView> {
        let who = principal(ctx)?;
        let report = services(ctx)?
            .workflow
            .unlink_report(who, parse_report_id(&id)?)
            .await
            .gql()?;
        Ok(ReportView {
            report,
            masked: mask_phones(who),
        })
    }
}

/// Reports of one event from several citizens, grouped under a primary.
pub struct Incident {
    pub primary: Report,
    /// The primary first, then the linked reports the reader may see, in the order linked.
    pub reports: Vec<Report>,
    pub masked: bool,
}

#[Object(name = "Incident")]
impl Incident {
    async fn primary(&self) -> ReportView {
        ReportView {
            report: self.primary.clone(),
            masked: self.masked,
        }
    }
    async fn reports(&self) -> Vec<ReportView> {
        self.reports
            .iter()
            .map(|report| ReportView {
                report: report.clone(),
                masked: self.masked,
            })
            .collect()
    }
}

/// A report that looks like the same event, with its score in (0, 1].
#[derive(SimpleObject)]
pub struct SimilarReport {
    pub report: ReportView,
    pub score: f64,
    /// What matched: `same_category`, `same_kab_kota`, `within_1_km`.
    pub reasons: Vec<String>,
}

/// The incident of `report` as the reader may see it; `None` outside any incident.
pub fn incident_of(ctx: &Context<'_>, report: &Report) -> async_graphql::Result<Option<Incident>> {
    let Some(primary_id) = report.incident else {
        return Ok(None);
    };
    let who = principal(ctx)?;
    let workflow = &services(ctx)?.workflow;
    let visible = |id| match workflow.report(who, id) {
        Ok(found) => Ok(Some(found)),
        Err(error)
            if matches!(
                error.code,
                crate::error::ErrorCode::Forbidden | crate::error::ErrorCode::NotFound
            ) =>
        {
            Ok(None)
        }
        Err(error) => Err(error),
    };
    let Some(primary) = visible(primary_id).gql()? else {
        return Ok(None);
    };
    let mut reports = vec![primary.clone()];
    for &id in &primary.linked {
        if let Some(linked) = visible(id).gql()? {
            reports.push(linked);
        }
    }
    Ok(Some(Incident {
        primary,
        reports,
        masked: mask_phones(who),
    }))
}

/// `Report.similar`.
pub fn similar_to(
    ctx: &Context<'_>,
    report: &Report,
    first: i32,
) -> async_graphql::Result<Vec<SimilarReport>> {
    if !(0..=50).contains(&first) {
        return Err(bad_input("first must be between 0 and 50"));
    }
    let who = principal(ctx)?;
    let masked = mask_phones(who);
    let found = services(ctx)?
        .workflow
        .similar(who, report.id, first as usize)
        .gql()?;
    Ok(found
        .into_iter()
        .map(|candidate| SimilarReport {
            report: ReportView {
                report: candidate.report,
                masked,
            },
            score: f64::from(candidate.score),
            reasons: candidate.reasons.into_iter().map(str::to_string).collect(),
        })
        .collect())
}
