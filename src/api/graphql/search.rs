//! `search` and `stats`: full-text search and counts over every report the caller may see,
//! answered by the search index (`crate::search`) under the same visibility rules as the rest
//! of the API.

use async_graphql::{Context, SimpleObject};
use chrono::{DateTime, Utc};

use super::types::{PageInfo, ReportFilter, ReportView};
use super::{bad_input, principal, services, to_graphql_error};
use crate::domain::access::{AccessRules, can_see, mask_phones};
use crate::domain::unit::UnitTree;
use crate::domain::user::{Principal, Role};
use crate::error::UserError;
use crate::ledger::Ledger;
use crate::search::{SearchRequest, StatsRequest, Visibility};

/// At most this many hits per page.
pub const MAX_SEARCH_PAGE: usize = 100;

/// One report found, with why it was found.
#[derive(SimpleObject)]
pub struct SearchHit {
    /// Relevance; higher is better. Exact words score above misspelt ones.
    pub score: f32,
    /// An HTML fragment of the report's text with the matched words in `<b>…</b>`; everything
    /// else is escaped.
    pub snippet: String,
    pub report: ReportView,
}

#[derive(SimpleObject)]
pub struct SearchEdge {
    pub cursor: String,
    pub node: SearchHit,
}

#[derive(SimpleObject)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

/// Counts of the matching reports by one field (category, status, unit, priority or channel:
/// the business number's phone number id).
#[derive(SimpleObject)]
pub struct Facet {
    pub field: String,
    pub values: Vec<FacetValue>,
}

#[derive(SimpleObject)]
pub struct SearchConnection {
    /// Every matching report the caller may see, on this page or another.
    pub total_count: usize,
    pub edges: Vec<SearchEdge>,
    pub page_info: PageInfo,
    pub facets: Vec<Facet>,
}

#[derive(SimpleObject)]
pub struct KeyCount {
    pub key: String,
    pub count: u64,
}

/// How long a step took, over the reports that reached it.
#[derive(SimpleObject)]
pub struct DurationStats {
    /// Reports that reached the step.
    pub count: u64,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
}

/// From the report's first message to each step.
#[derive(SimpleObject)]
pub struct ResponseTimes {
    /// To the first action of an operator.
    pub first_action: DurationStats,
    /// To the first forward to a unit.
    pub forward: DurationStats,
    /// To resolution.
    pub resolution: DurationStats,
}

#[derive(SimpleObject)]
pub struct Stats {
    pub total_reports: u64,
    pub by_category: Vec<KeyCount>,
    pub by_status: Vec<KeyCount>,
    /// By assigned unit; unassigned reports are not counted here.
    pub by_unit: Vec<KeyCount>,
    /// By business number (its phone number id, as in `channels`).
    pub by_channel: Vec<KeyCount>,
    /// By day of creation in Western Indonesian Time (UTC+7), `YYYY-MM-DD`.
    pub by_day: Vec<KeyCount>,
    pub response_times: ResponseTimes,
    /// Missed SLA targets by stage (FIRST_ACTION, FORWARD, RESOLUTION).
    pub sla_breaches: Vec<KeyCount>,
    /// The citizens' answers to the satisfaction question (asked once a report is resolved).
    pub satisfaction: super::satisfaction::SatisfactionStats,
}

/// What `who` may find: the same rules as `can_see`, as conditions the index can apply.
pub fn visibility_of(who: &Principal, tree: &UnitTree, rules: &AccessRules) -> Visibility {
    match who.role {
        Role::Admin | Role::Supervisor | Role::Operator => Visibility {
            within_unit_path: None,
            exclude_compartmented: false,
            phone_search: true,
        },
        Role::Analyst => Visibility {
            within_unit_path: None,
            exclude_compartmented: true,
            phone_search: false,
        },
        Role::Officer => {
            let unit = who.unit.as_deref().unwrap_or_default();
            let path: Vec<String> = tree
                .path(unit)
                .iter()
                .map(|unit| unit.code.to_string())
                .collect();
            // An officer without a known unit sees no report: a path no report can lie under.
            let path = if path.is_empty() {
                vec![String::from("\u{0}no-unit")]
            } else {
                path
            };
            let sees_propam = rules.is_propam_unit(unit, tree);
            Visibility {
                within_unit_path: Some(path),
                exclude_compartmented: !sees_propam,
                phone_search: true,
            }
        }
    }
}

fn search_failed(error: impl std::fmt::Display) -> async_graphql::Error {
    to_graphql_error(UserError::internal(&error))
}

/// A refused query (too long, too many words) is the caller's; anything else is logged.
fn search_refused(error: crate::search::SearchError) -> async_graphql::Error {
    to_graphql_error(UserError::from(error))
}

/// Searches for a phone number or a ticket go to the audit trail (an analyst's search for a
/// number is recorded as refused). The query itself is kept with its digits masked: the trail
/// must not become a list of reporters' numbers.
async fn audit_lookups(
    store: &crate::store::Store,
    who: &Principal,
    lookups: crate::search::QueryLookups,
    query: &str,
) {
    use crate::domain::audit::{AuditAction, AuditEntry};
    let masked_query = crate::domain::redact::mask_phone_numbers(query).into_owned();
    if lookups.phone {
        let mut entry = AuditEntry::by(AuditAction::PhoneSearch, who).detail(masked_query.clone());
        if mask_phones(who) {
            entry = entry.failed();
        }
        crate::audit::append_logged(store, entry).await;
    }
    if lookups.ticket {
        let entry = AuditEntry::by(AuditAction::TicketSearch, who).detail(masked_query);
        crate::audit::append_logged(store, entry).await;
    }
}

pub async fn search(
    ctx: &Context<'_>,
    query: String,
    filter: Option<ReportFilter>,
    first: i32,
    after: Option<String>,
) -> async_graphql::Result<SearchConnection> {
    let who = principal(ctx)?.clone();
    let services = services(ctx)?;
    if !(0..=MAX_SEARCH_PAGE as i32).contains(&first) {
        return Err(bad_input(&format!(
            "first must be between 0 and {MAX_SEARCH_PAGE}"
        )));
    }
    if query.chars().count() > 1000 {
        return Err(bad_input("the query is longer than 1000 characters"));
    }
    let offset = match after {
        Some(cursor) => cursor
            .parse::<usize>()
            .map_err(|_| bad_input("after is not a cursor from this connection"))?,
        None => 0,
    };
    let workflow = &services.workflow;
    let tree = workflow.units().tree();
    let filter = filter
        .unwrap_or_default()
        .to_domain(&who, workflow.channels())
        .map_err(to_graphql_error)?;
    filter.validate(&tree).map_err(to_graphql_error)?;
    refuse_assignee_conditions(&filter)?;
    let lookups = crate::search::query_lookups(&query, Utc::now());
    audit_lookups(workflow.store(), &who, lookups, &query).await;
    if lookups.phone && mask_phones(&who) {
        return Err(to_graphql_error(UserError::forbidden(
            "analysts cannot search by phone number: reporters' numbers are hidden from them",
        )));
    }
    let visibility = visibility_of(&who, &tree, workflow.rules());
    let index = std::sync::Arc::clone(&services.search);
    let search_tree = std::sync::Arc::clone(&tree);
    let results = tokio::task::spawn_blocking(move || {
        index.search(&SearchRequest {
            query: &query,
            filter: &filter,
            tree: &search_tree,
            visibility: &visibility,
            offset,
            limit: first as usize,
            now: Utc::now(),
            facets: true,
        })
    })
    .await
    .map_err(search_failed)?
    .map_err(search_refused)?;

    let masked = mask_phones(&who);
    let store = workflow.store();
    let mut edges = Vec::with_capacity(results.hits.len());
    for (position, hit) in results.hits.into_iter().enumerate() {
        let Some(report) = store.reports().get(hit.report_id).map_err(search_failed)? else {
            continue;
        };
        // The index applies the same rules; this keeps a stale document from showing a report
        // the caller may no longer see (e.g. forwarded away a moment ago).
        if !can_see(&who, &report, &tree, workflow.rules()) {
            continue;
        }
        edges.push(SearchEdge {
            cursor: (offset + position + 1).to_string(),
            node: SearchHit {
                score: hit.score,
                snippet: if masked {
                    crate::domain::redact::mask_phone_numbers(&hit.snippet).into_owned()
                } else {
                    hit.snippet
                },
                report: ReportView { report, masked },
            },
        });
    }
    let end = offset + first as usize;
    Ok(SearchConnection {
        total_count: results.total_count,
        page_info: PageInfo {
            has_next_page: end < results.total_count,
            end_cursor: edges.last().map(|edge| edge.cursor.clone()),
        },
        edges,
        facets: results
            .facets
            .into_iter()
            .map(|facet| Facet {
                field: facet.field.to_string(),
                values: facet
                    .values
                    .into_iter()
                    .map(|(value, count)| FacetValue { value, count })
                    .collect(),
            })
            .collect(),
    })
}

pub async fn stats(
    ctx: &Context<'_>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    filter: Option<ReportFilter>,
) -> async_graphql::Result<Stats> {
    let who = principal(ctx)?.clone();
    let services = services(ctx)?;
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(bad_input("from must be before to"));
    }
    let workflow = &services.workflow;
    let tree = workflow.units().tree();
    let filter = filter
        .unwrap_or_default()
        .to_domain(&who, workflow.channels())
        .map_err(to_graphql_error)?;
    filter.validate(&tree).map_err(to_graphql_error)?;
    refuse_assignee_conditions(&filter)?;
    let visibility = visibility_of(&who, &tree, workflow.rules());
    let index = std::sync::Arc::clone(&services.search);
    let stats = tokio::task::spawn_blocking(move || {
        index.stats(&StatsRequest {
            from,
            to,
            filter: &filter,
            tree: &tree,
            visibility: &visibility,
            now: Utc::now(),
        })
    })
    .await
    .map_err(search_failed)?
    .map_err(search_refused)?;
    let counts = |pairs: Vec<(String, u64)>| {
        pairs
            .into_iter()
            .map(|(key, count)| KeyCount { key, count })
            .collect::<Vec<_>>()
    };
    let durations = |stats: crate::search::DurationStats| DurationStats {
        count: stats.count,
        median_seconds: stats.median_secs,
        p90_seconds: stats.p90_secs,
    };
    Ok(Stats {
        total_reports: stats.total_reports,
        by_category: counts(stats.by_category),
        by_status: counts(stats.by_status),
        by_unit: counts(stats.by_unit),
        by_channel: counts(stats.by_channel),
        by_day: counts(stats.by_day),
        response_times: ResponseTimes {
            first_action: durations(stats.first_action),
            forward: durations(stats.forward),
            resolution: durations(stats.resolution),
        },
        sla_breaches: stats
            .sla_breaches
            .into_iter()
            .map(|(stage, count)| KeyCount {
                key: stage.as_str().to_string(),
                count,
            })
            .collect(),
        satisfaction: stats.satisfaction.into(),
    })
}

/// Who holds a report changes by the minute and is not in the search index: the conditions on
/// it belong to lists (`reports`, `reportEvents`).
fn refuse_assignee_conditions(filter: &crate::workflow::ReportFilter) -> async_graphql::Result<()> {
    if filter.asks_for_assignee() {
        return Err(bad_input(
            "assignee, assignedToMe and unassigned filter lists (reports, reportEvents), not search or stats",
        ));
    }
    Ok(())
}
