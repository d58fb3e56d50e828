//! The operator queries of issue #16's table, through GraphQL over HTTP as each kind of
//! reader: `reports(first: 50)` with the filters operators use in both orders, `totalCount`
//! alone, search, and `stats` over long ranges; p50 and p99 over `runs` calls of each.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::server::Session;
use super::table::{Row, percentile_ms};

/// The page a queue screen asks for.
const REPORTS: &str = "query($filter: ReportFilter, $order: ReportOrder!) { reports(filter: $filter, order: $order, first: 50) { totalCount edges { cursor node { id ticket status category priority summary excerpt createdAt updatedAt hasMedia flags assignedUnit { code } } } } }";
const TOTAL_COUNT: &str =
    "query($filter: ReportFilter) { reports(filter: $filter, first: 1) { totalCount } }";
const SEARCH: &str = "query($q: String!) { search(query: $q, first: 20) { totalCount edges { node { score snippet report { id ticket status } } } } }";
const STATS: &str = "query($from: DateTime, $to: DateTime) { stats(from: $from, to: $to) { totalReports byCategory { key count } byStatus { key count } byUnit { key count } byDay { key count } slaBreaches { key count } } }";

struct Case {
    name: String,
    who: &'static str,
    query: &'static str,
    variables: Value,
    target: &'static str,
}

const LIST_TARGET: &str = "p99 <= 20 ms";
const SEARCH_TARGET: &str = "p50 <= 2 ms, p99 <= 15 ms";
/// The issue asks that stats decode no report, and sets no figure.
const STATS_TARGET: &str = "no figure set (issue: no full decode)";

fn list(name: &str, who: &'static str, filter: Value, order: &str) -> Case {
    Case {
        name: format!("`reports(first: 50)` {order}: {name}"),
        who,
        query: REPORTS,
        variables: json!({ "filter": filter, "order": order }),
        target: LIST_TARGET,
    }
}

fn cases(now: DateTime<Utc>) -> Vec<Case> {
    let days_ago = |days: i64| (now - chrono::Duration::days(days)).to_rfc3339();
    let open = json!([
        "NEW",
        "TRIAGED",
        "FORWARDED",
        "IN_PROGRESS",
        "AWAITING_REPORTER"
    ]);
    let palembang = json!({ "south": -3.1, "west": 104.6, "north": -2.8, "east": 104.9 });
    let mut all = vec![
        list(
            "operator, everything",
            "scale_operator",
            json!({}),
            "NEWEST_FIRST",
        ),
        list("operator, everything", "scale_operator", json!({}), "QUEUE"),
        list(
            "operator, NEW + TRIAGED",
            "scale_operator",
            json!({ "status": ["NEW", "TRIAGED"] }),
            "QUEUE",
        ),
        list(
            "operator, overdue",
            "scale_operator",
            json!({ "overdue": true }),
            "QUEUE",
        ),
        list(
            "operator, open and held by nobody",
            "scale_operator",
            json!({ "status": open, "unassigned": true }),
            "QUEUE",
        ),
        list(
            "operator, POLRES_OKI subtree, URGENT + HIGH",
            "scale_operator",
            json!({ "unitCode": "POLRES_OKI", "priority": ["URGENT", "HIGH"] }),
            "QUEUE",
        ),
        list(
            "operator, within Palembang with media",
            "scale_operator",
            json!({ "hasMedia": true, "within": palembang }),
            "NEWEST_FIRST",
        ),
        list(
            "officer of a Polres, everything",
            "scale_polres",
            json!({}),
            "QUEUE",
        ),
        list(
            "officer of a Polsek, FORWARDED",
            "scale_polsek",
            json!({ "status": ["FORWARDED"] }),
            "NEWEST_FIRST",
        ),
        list(
            "analyst, curanmor in the last 30 days",
            "scale_analyst",
            json!({ "category": ["curanmor"], "createdFrom": days_ago(30) }),
            "NEWEST_FIRST",
        ),
        list(
            "analyst, CLOSED in the last year",
            "scale_analyst",
            json!({ "status": ["CLOSED"], "createdFrom": days_ago(365) }),
            "QUEUE",
        ),
    ];
    all.push(Case {
        name: "`totalCount` alone: operator, everything".into(),
        who: "scale_operator",
        query: TOTAL_COUNT,
        variables: json!({ "filter": {} }),
        target: LIST_TARGET,
    });
    all.push(Case {
        name: "`totalCount` alone: officer of a Polres, open".into(),
        who: "scale_polres",
        query: TOTAL_COUNT,
        variables: json!({ "filter": { "status": open } }),
        target: LIST_TARGET,
    });
    for (text, who) in [
        ("motor dicuri", "scale_operator"),
        ("tawuran pelajar", "scale_analyst"),
        ("penipuan online transfer", "scale_polres"),
    ] {
        all.push(Case {
            name: format!(
                "`search` \"{text}\" (first: 20), {}",
                who.trim_start_matches("scale_")
            ),
            who,
            query: SEARCH,
            variables: json!({ "q": text }),
            target: SEARCH_TARGET,
        });
    }
    for (days, who) in [
        (730, "scale_operator"),
        (365, "scale_analyst"),
        (30, "scale_polres"),
    ] {
        all.push(Case {
            name: format!(
                "`stats` over {days} days, {}",
                who.trim_start_matches("scale_")
            ),
            who,
            query: STATS,
            variables: json!({ "from": days_ago(days), "to": now.to_rfc3339() }),
            target: STATS_TARGET,
        });
    }
    all
}

/// p50 and p99 of each case over `runs` calls, one after another (one warm-up call first).
pub async fn measure(sessions: &HashMap<&str, Session>, runs: usize) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for case in cases(Utc::now()) {
        let session = &sessions[case.who];
        let first = session.query(case.query, &case.variables).await?;
        let mut times: Vec<Duration> = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            std::hint::black_box(session.query(case.query, &case.variables).await?);
            times.push(started.elapsed());
        }
        times.sort_unstable();
        let count = first["data"]
            .as_object()
            .and_then(|data| data.values().next())
            .and_then(|field| {
                field
                    .get("totalCount")
                    .or_else(|| field.get("totalReports"))
            })
            .and_then(Value::as_u64);
        let name = match count {
            Some(count) => format!("{} ({count} found)", case.name),
            None => case.name,
        };
        eprintln!("measured: {name}");
        rows.push(Row::new(
            name,
            format!(
                "p50 {:.1} ms, p99 {:.1} ms",
                percentile_ms(&times, 0.5),
                percentile_ms(&times, 0.99)
            ),
            case.target,
        ));
    }
    Ok(rows)
}
