//! Candidates for an incident: reports that look like the same event as a given one. Same
//! category (the operator's, else the suggested one), same kab/kota or within 1 km, created
//! within 2 hours. Served from the catalogue's reports near in time (`Catalogue::created_near`),
//! so only the reports of those four hours are read, never the whole table.

use chrono::Duration;

use super::Workflow;
use crate::domain::ids::ReportId;
use crate::domain::report::{GeoPoint, Report, ReportStatus};
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::ledger::Ledger;

/// How far apart in time two reports of one event may be.
pub const SIMILAR_WITHIN: Duration = Duration::hours(2);
/// How close two located reports must be to count as one place.
pub const SIMILAR_WITHIN_KM: f64 = 1.0;
/// The reports near in time that are looked at, at most.
const LOOKED_AT: usize = 2_000;

/// One candidate, with its score in (0, 1] and why it was proposed.
#[derive(Debug, Clone)]
pub struct SimilarReport {
    pub report: Report,
    pub score: f32,
    /// `same_category`, `same_kab_kota`, `within_1_km`: what matched.
    pub reasons: Vec<&'static str>,
}

impl Workflow {
    /// At most `first` reports the caller may see that look like the same event as
    /// `report_id`, best first. Reports already in its incident, blocked numbers' reports and
    /// those closed as duplicate, spam or rejected are left out.
    pub fn similar(
        &self,
        who: &Principal,
        report_id: ReportId,
        first: usize,
    ) -> Result<Vec<SimilarReport>, UserError> {
        let report = self.report(who, report_id)?;
        let Some(category) = effective_category(&report) else {
            return Ok(Vec::new());
        };
        let Some(near) = self
            .catalogue
            .created_near(report_id, SIMILAR_WITHIN, LOOKED_AT)
        else {
            return Ok(Vec::new());
        };
        let tree = self.units.tree();
        let mut found = Vec::new();
        for id in near {
            let Some(other) = self.store.reports().get(id)? else {
                continue;
            };
            let same_incident = report.incident.is_some() && other.incident == report.incident;
            let closed_out = matches!(
                other.status,
                ReportStatus::Duplicate | ReportStatus::Spam | ReportStatus::Rejected
            );
            if same_incident
                || closed_out
                || other.blocked
                || effective_category(&other) != Some(category)
                || !self.rules.can_see(who, &other, &tree)
            {
                continue;
            }
            if let Some(candidate) = score(&report, other) {
                found.push(candidate);
            }
        }
        found.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.report.id.cmp(&b.report.id))
        });
        found.truncate(first);
        Ok(found)
    }
}

/// The category a report is about: the operator's, else the suggested one.
fn effective_category(report: &Report) -> Option<&str> {
    report
        .category
        .as_deref()
        .or_else(|| report.suggestion.as_ref()?.category.as_deref())
}

fn kab_kota(report: &Report) -> Option<&str> {
    Some(
        report
            .suggestion
            .as_ref()?
            .place
            .as_ref()?
            .kabupaten
            .as_str(),
    )
}

/// Where a report is: the citizen's shared location, else the suggested place's point.
fn point(report: &Report) -> Option<GeoPoint> {
    report.location.or_else(|| {
        let place = report.suggestion.as_ref()?.place.as_ref()?;
        Some(GeoPoint {
            latitude: place.latitude?,
            longitude: place.longitude?,
        })
    })
}

/// The candidate when `other` is at the same place as `report` (same kab/kota or within
/// 1 km; the caller checked category and time): half for the place (more when nearer), half
/// for the time (more when closer).
fn score(report: &Report, other: Report) -> Option<SimilarReport> {
    let mut reasons = vec!["same_category"];
    let same_kab_kota = kab_kota(report).is_some() && kab_kota(report) == kab_kota(&other);
    if same_kab_kota {
        reasons.push("same_kab_kota");
    }
    let distance = point(report)
        .zip(point(&other))
        .map(|(a, b)| a.distance_km(&b))
        .filter(|km| *km <= SIMILAR_WITHIN_KM);
    if distance.is_some() {
        reasons.push("within_1_km");
    }
    let place = match distance {
        Some(km) => 1.0 - 0.5 * km / SIMILAR_WITHIN_KM,
        None if same_kab_kota => 0.4,
        None => return None,
    };
    let apart = (other.created_at - report.created_at).num_seconds().abs() as f64;
    let time = 1.0 - apart / SIMILAR_WITHIN.num_seconds() as f64;
    let score = (0.5 * place + 0.5 * time.max(0.0)).clamp(0.01, 1.0) as f32;
    Some(SimilarReport {
        report: other,
        score,
        reasons,
    })
}
