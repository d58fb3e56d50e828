//! The catalogue answers lists exactly as the full scan of the store does: on randomized
//! stores (reports of every status, category, unit, priority, age, place and SLA state, some
//! changed after they were written), for random filters, readers and both orders, page after
//! page through the cursors, with the total count on every page. Both the catalogue that
//! followed the writes and one built afresh from the store are checked.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

use super::{fixture, person};
use crate::domain::ids::{ReportId, Ticket, UnitCode};
use crate::domain::report::{GeoPoint, Priority, Report, ReportStatus};
use crate::domain::satisfaction::{AskedBy, Satisfaction, SatisfactionRating};
use crate::domain::user::{Principal, Role};
use crate::ledger::Ledger;
use crate::workflow::catalogue::Catalogue;
use crate::workflow::listing::ListRequest;
use crate::workflow::{BoundingBox, ReportFilter, ReportOrder, Workflow};

const CATEGORIES: [&str; 4] = ["curanmor", "pungli_oknum", "lambat_penanganan", "begal"];
const UNITS: [&str; 7] = [
    "POLDA_SUMSEL",
    "POLRESTABES_PALEMBANG",
    "POLSEK_PLG_ILIR_BARAT_I",
    "POLSEK_PLG_ILIR_BARAT_II",
    "POLRES_OKI",
    "BIDPROPAM",
    "ITWASDA",
];
/// Holders of reports; the last never holds one.
const PEOPLE: [&str; 4] = ["ops1", "ops2", "off1", "nobody"];
const ROLES: [Role; 5] = [
    Role::Admin,
    Role::Supervisor,
    Role::Operator,
    Role::Analyst,
    Role::Officer,
];
const PRIORITIES: [Priority; 4] = [
    Priority::Urgent,
    Priority::High,
    Priority::Normal,
    Priority::Low,
];

fn base_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// What varies between reports, as small numbers.
#[derive(Debug, Clone)]
struct Shape {
    status: usize,
    category: Option<usize>,
    suggested: Option<usize>,
    priority: Option<usize>,
    unit: Option<usize>,
    /// Nanoseconds after `base_time`, within ten days.
    created: i64,
    has_media: bool,
    location: Option<(f64, f64)>,
    compartmented: bool,
    /// First action, forward, resolution done.
    stages_done: (bool, bool, bool),
    paused: bool,
    paused_seconds: i64,
    /// Opened for a blocked reporter.
    blocked: bool,
    holder: Option<usize>,
    /// Not asked; asked and not answered (`Some(None)`); answered (a place in
    /// `SatisfactionRating::ALL`).
    satisfaction: Option<Option<usize>>,
}

fn shape() -> impl Strategy<Value = Shape> {
    let facts = (
        0..ReportStatus::ALL.len(),
        proptest::option::of(0..CATEGORIES.len()),
        proptest::option::of(0..CATEGORIES.len()),
        proptest::option::of(0..PRIORITIES.len()),
        proptest::option::of(0..UNITS.len()),
        0..10 * 24 * 3600 * 1_000_000_000i64,
        proptest::option::of(0..PEOPLE.len() - 1),
    );
    let more = (
        any::<bool>(),
        proptest::option::of((-10.0..10.0f64, -180.0..180.0f64)),
        prop::bool::weighted(0.1),
        any::<(bool, bool, bool)>(),
        prop::bool::weighted(0.2),
        prop_oneof![Just(0i64), 0..200_000i64],
        prop::bool::weighted(0.15),
        proptest::option::of(proptest::option::of(0..SatisfactionRating::ALL.len())),
    );
    (facts, more).prop_map(|(facts, more)| Shape {
        status: facts.0,
        category: facts.1,
        suggested: facts.2,
        priority: facts.3,
        unit: facts.4,
        created: facts.5,
        has_media: more.0,
        location: more.1,
        compartmented: more.2,
        stages_done: more.3,
        paused: more.4,
        paused_seconds: more.5,
        blocked: more.6,
        holder: facts.6,
        satisfaction: more.7,
    })
}

fn report(id: ReportId, number: usize, shape: &Shape) -> Report {
    let created_at = base_time() + Duration::nanoseconds(shape.created);
    let json = serde_json::json!({
        "id": id, "ticket": Ticket::parse(&format!("WA-2026-{number:06}")).unwrap(),
        "status": ReportStatus::ALL[shape.status], "reporter_id": 1,
        "created_at": created_at, "updated_at": created_at, "last_activity_at": created_at,
    });
    let mut report: Report = serde_json::from_value(json).unwrap();
    report.category = shape.category.map(|index| CATEGORIES[index].to_string());
    report.suggestion = shape
        .suggested
        .map(|index| crate::domain::suggestion::Suggestion {
            category: Some(CATEGORIES[index].to_string()),
            ..Default::default()
        });
    report.priority = shape.priority.map(|index| PRIORITIES[index]);
    report.assigned_unit = shape.unit.map(|index| UnitCode::trusted(UNITS[index]));
    report.has_media = shape.has_media;
    report.location = shape.location.map(|(latitude, longitude)| GeoPoint {
        latitude,
        longitude,
    });
    report.compartmented = shape.compartmented;
    let after = |minutes: i64| Some(created_at + Duration::minutes(minutes));
    report.first_action_at = if shape.stages_done.0 { after(1) } else { None };
    report.forwarded_at = if shape.stages_done.1 { after(20) } else { None };
    report.resolved_at = if shape.stages_done.2 {
        after(600)
    } else {
        None
    };
    report.paused_since = if shape.paused { after(30) } else { None };
    report.paused_seconds = shape.paused_seconds;
    report.blocked = shape.blocked;
    report.satisfaction = shape.satisfaction.map(|answer| {
        let mut asked = Satisfaction::asked(created_at + Duration::hours(12), AskedBy::Buttons);
        asked.rating = answer.map(|place| SatisfactionRating::ALL[place]);
        asked.answered_at = answer.map(|_| created_at + Duration::hours(13));
        asked
    });
    report.assignee = shape
        .holder
        .map(|index| crate::domain::assignment::Assignee::new(PEOPLE[index], created_at, None));
    report
}

fn filter() -> impl Strategy<Value = ReportFilter> {
    let sets = (
        any::<u16>(),
        any::<u8>(),
        any::<u8>(),
        proptest::option::of(0..UNITS.len()),
    );
    let bounds = (
        proptest::option::of(0..12 * 24 * 3600 * 1_000_000_000i64),
        proptest::option::of(0..12 * 24 * 3600 * 1_000_000_000i64),
        proptest::option::of(any::<bool>()),
        proptest::option::of((
            -10.0..10.0f64,
            0.0..20.0f64,
            -180.0..180.0f64,
            0.0..360.0f64,
        )),
        proptest::option::of(any::<bool>()),
        prop::bool::weighted(0.3),
    );
    // Rarer than the other conditions, which they would otherwise mostly empty.
    let holders = (
        proptest::option::weighted(0.25, 0..PEOPLE.len()),
        proptest::option::weighted(0.25, 0..PEOPLE.len()),
        proptest::option::weighted(0.25, any::<bool>()),
        any::<u8>(),
    );
    (sets, bounds, holders).prop_map(|(sets, bounds, holders)| {
        // Mostly empty sets: every condition alone, and some together.
        let chosen = |mask: u32, count: usize| -> Vec<usize> {
            if mask & 0b11 != 0 {
                return Vec::new();
            }
            (0..count)
                .filter(|bit| mask & (1 << (bit + 2)) != 0)
                .collect()
        };
        let mut categories: Vec<String> = chosen(u32::from(sets.1), 5)
            .into_iter()
            .map(|index| {
                CATEGORIES
                    .get(index)
                    .unwrap_or(&"not_a_category")
                    .to_string()
            })
            .collect();
        categories.dedup();
        let (created_from, created_to) = match (bounds.0, bounds.1) {
            (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
            other => other,
        };
        let at = |offset: i64| base_time() + Duration::nanoseconds(offset);
        ReportFilter {
            status: chosen(u32::from(sets.0), ReportStatus::ALL.len())
                .into_iter()
                .map(|index| ReportStatus::ALL[index])
                .collect(),
            category: categories,
            unit_code: sets.3.map(|index| UNITS[index].to_string()),
            priority: chosen(u32::from(sets.2), PRIORITIES.len())
                .into_iter()
                .map(|index| PRIORITIES[index])
                .collect(),
            created_from: created_from.map(at),
            created_to: created_to.map(at),
            has_media: bounds.2,
            within: bounds.3.map(|(south, height, west, width)| BoundingBox {
                south,
                west,
                north: (south + height).min(90.0),
                east: if west + width > 180.0 {
                    west + width - 360.0
                } else {
                    west + width
                },
            }),
            overdue: bounds.4,
            blocked: bounds.5,
            assignee: holders.0.map(|index| PEOPLE[index].to_string()),
            not_assignee: holders.1.map(|index| PEOPLE[index].to_string()),
            unassigned: holders.2,
            channel: None,
            channel_is_default: false,
            satisfaction: chosen(u32::from(holders.3), SatisfactionRating::ALL.len())
                .into_iter()
                .map(|index| SatisfactionRating::ALL[index])
                .collect(),
        }
    })
}

fn reader() -> impl Strategy<Value = Principal> {
    (0..ROLES.len(), proptest::option::of(0..UNITS.len()))
        .prop_map(|(role, unit)| person(ROLES[role], unit.map(|index| UNITS[index])))
}

/// Every page of the list, walked through the cursors.
fn pages(
    workflow: &Workflow,
    who: &Principal,
    filter: &ReportFilter,
    order: ReportOrder,
    first: usize,
    now: DateTime<Utc>,
    by_scan: bool,
) -> Vec<(Vec<ReportId>, usize, bool)> {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let request = ListRequest {
            filter,
            order,
            first,
            after,
        };
        let page = if by_scan {
            workflow.list_reports_by_scan(who, &request, now)
        } else {
            workflow.list_reports_at(who, &request, now)
        }
        .unwrap();
        let ids = page.reports.iter().map(|report| report.id).collect();
        pages.push((ids, page.total_count, page.has_next_page));
        if !page.has_next_page || pages.len() > 100 {
            return pages;
        }
        after = page.cursors.last().copied();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn lists_from_the_catalogue_agree_with_a_full_scan(
        shapes in prop::collection::vec((shape(), proptest::option::of(shape())), 0..60),
        queries in prop::collection::vec(
            (reader(), filter(), any::<bool>(), 1..7usize, 0..12 * 24 * 3600i64),
            12,
        ),
    ) {
        let fixture = fixture();
        let store = &fixture.store;
        let written: Vec<ReportId> = crate::ledger::write(store, |tx| {
            let mut ids = Vec::new();
            for (number, (first, _)) in shapes.iter().enumerate() {
                let id = tx.reports().new_id()?;
                tx.reports().save(&report(id, number + 1, first))?;
                ids.push(id);
            }
            Ok(ids)
        })
        .unwrap();
        // Some reports change afterwards, one transaction each.
        for (number, (id, (_, later))) in written.iter().zip(&shapes).enumerate() {
            if let Some(later) = later {
                crate::ledger::write(store, |tx| tx.reports().save(&report(*id, number + 1, later)))
                    .unwrap();
            }
        }
        let followed = &fixture.workflow;
        let rebuilt = Workflow {
            catalogue: Catalogue::open(store, std::sync::Arc::clone(&followed.rules)).unwrap(),
            ..followed.clone()
        };
        prop_assert_eq!(rebuilt.catalogue.size().reports, shapes.len());
        for (who, filter, queue, first, now_seconds) in &queries {
            let order = if *queue { ReportOrder::Queue } else { ReportOrder::NewestFirst };
            let now = base_time() + Duration::seconds(*now_seconds);
            let scanned = pages(followed, who, filter, order, *first, now, true);
            for workflow in [followed, &rebuilt] {
                let listed = pages(workflow, who, filter, order, *first, now, false);
                prop_assert_eq!(&listed, &scanned, "{:?} {:?} {:?}", who, order, filter);
            }
        }
    }
}
