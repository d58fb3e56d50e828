//! Filters, visibility, facets and statistics through a real index.

use chrono::{DateTime, Duration, Utc};

use super::tests::{Fixture, base_time, doc, path};
use super::*;
use crate::workflow::BoundingBox;

fn everyone() -> Visibility {
    Visibility {
        phone_search: true,
        ..Visibility::default()
    }
}

fn sorted(mut ids: Vec<u64>) -> Vec<u64> {
    ids.sort_unstable();
    ids
}

/// Five reports that differ in every filtered property.
fn varied() -> Fixture {
    let mut one = doc(1, "motor hilang di pasar");
    one.category = Some("curanmor".to_owned());
    one.status = ReportStatus::Forwarded;
    one.priority = Some(Priority::High);
    one.unit_path = path(&["POLDA", "POLRES_A", "POLSEK_A1"]);
    one.has_media = true;
    one.location = Some(GeoPoint {
        latitude: -2.98,
        longitude: 104.75,
    });
    one.sla_due_at = Some(base_time() + Duration::hours(1)); // overdue at fixture.now
    let mut two = doc(2, "motor dicuri di rumah");
    two.category = Some("curanmor".to_owned());
    two.status = ReportStatus::New;
    two.priority = Some(Priority::Urgent);
    two.unit_path = path(&["POLDA", "POLRES_A", "POLSEK_A2"]);
    two.location = Some(GeoPoint {
        latitude: -3.5,
        longitude: 179.5,
    });
    two.sla_due_at = Some(base_time() + Duration::days(3)); // not yet due
    let mut three = doc(3, "anggota minta uang di jalan");
    three.category = Some("pungli_oknum".to_owned());
    three.compartmented = true;
    three.status = ReportStatus::Forwarded;
    three.unit_path = path(&["POLDA", "POLRES_B"]);
    three.location = Some(GeoPoint {
        latitude: -3.5,
        longitude: -179.5,
    });
    let mut four = doc(4, "motor terbakar di jalan");
    four.status = ReportStatus::Resolved;
    four.unit_path = path(&["POLDA"]);
    let five = doc(5, "motor mogok di jalan");
    Fixture::with(vec![one, two, three, four, five])
}

#[test]
fn each_filter_restricts_the_hits() {
    let fixture = varied();
    let find = |filter: ReportFilter| sorted(fixture.ids_with("motor", &filter, &everyone()));
    assert_eq!(
        find(ReportFilter {
            status: vec![ReportStatus::Forwarded, ReportStatus::Resolved],
            ..ReportFilter::default()
        }),
        [1, 4]
    );
    assert_eq!(
        find(ReportFilter {
            category: vec!["curanmor".to_owned()],
            ..ReportFilter::default()
        }),
        [1, 2]
    );
    assert_eq!(
        find(ReportFilter {
            priority: vec![Priority::Urgent],
            ..ReportFilter::default()
        }),
        [2]
    );
    assert_eq!(
        find(ReportFilter {
            created_from: Some(base_time() + Duration::minutes(2)),
            created_to: Some(base_time() + Duration::minutes(4)),
            ..ReportFilter::default()
        }),
        [2],
        "from is inclusive, to exclusive"
    );
    assert_eq!(
        find(ReportFilter {
            has_media: Some(true),
            ..ReportFilter::default()
        }),
        [1]
    );
    assert_eq!(
        find(ReportFilter {
            has_media: Some(false),
            ..ReportFilter::default()
        }),
        [2, 4, 5]
    );
    assert_eq!(
        find(ReportFilter {
            overdue: Some(true),
            ..ReportFilter::default()
        }),
        [1]
    );
    assert_eq!(
        find(ReportFilter {
            overdue: Some(false),
            ..ReportFilter::default()
        }),
        [2, 4, 5]
    );
}

#[test]
fn a_blocked_numbers_report_is_found_only_when_the_filter_asks_for_it() {
    let mut blocked = doc(6, "motor motor motor");
    blocked.blocked = true;
    let fixture = Fixture::with(vec![doc(5, "motor mogok di jalan"), blocked]);
    let find = |filter: ReportFilter| sorted(fixture.ids_with("motor", &filter, &everyone()));
    assert_eq!(find(ReportFilter::default()), [5]);
    assert_eq!(
        find(ReportFilter {
            blocked: true,
            ..ReportFilter::default()
        }),
        [6]
    );
}

#[test]
fn a_satisfaction_filter_finds_only_the_reports_answered_so() {
    use crate::domain::satisfaction::SatisfactionRating::{Dissatisfied, Fair, Satisfied};
    let mut puas = doc(1, "motor hilang");
    puas.satisfaction = Some(Satisfied);
    let mut tidak_puas = doc(2, "motor dicuri");
    tidak_puas.satisfaction = Some(Dissatisfied);
    let unanswered = doc(3, "motor mogok");
    let fixture = Fixture::with(vec![puas, tidak_puas, unanswered]);
    let find = |satisfaction: Vec<_>| {
        let filter = ReportFilter {
            satisfaction,
            ..ReportFilter::default()
        };
        sorted(fixture.ids_with("motor", &filter, &everyone()))
    };
    assert_eq!(find(vec![]), [1, 2, 3]);
    assert_eq!(find(vec![Dissatisfied]), [2]);
    assert_eq!(find(vec![Satisfied, Dissatisfied]), [1, 2]);
    assert_eq!(find(vec![Fair]), Vec::<u64>::new());
}

#[test]
fn a_bounding_box_includes_its_edges_and_may_cross_the_antimeridian() {
    let fixture = varied();
    let within = |south, west, north, east| ReportFilter {
        within: Some(BoundingBox {
            south,
            west,
            north,
            east,
        }),
        ..ReportFilter::default()
    };
    let find = |filter: ReportFilter| sorted(fixture.ids_with("", &filter, &everyone()));
    assert_eq!(
        find(within(-3.0, 104.0, -2.98, 105.0)),
        [1],
        "north edge included"
    );
    assert_eq!(
        find(within(-4.0, 179.0, -3.0, -179.0)),
        [2, 3],
        "across the antimeridian"
    );
    assert_eq!(find(within(-4.0, 179.6, -3.0, -179.6)), Vec::<u64>::new());
    assert_eq!(
        find(within(-90.0, -180.0, 90.0, 180.0)),
        [1, 2, 3],
        "no location, no match"
    );
}

#[test]
fn a_unit_filter_covers_the_units_subtree() {
    let fixture = varied();
    let unit = |code: &str| ReportFilter {
        unit_code: Some(code.to_owned()),
        ..ReportFilter::default()
    };
    let find = |filter: ReportFilter| sorted(fixture.ids_with("", &filter, &everyone()));
    assert_eq!(find(unit("POLRES_A")), [1, 2]);
    assert_eq!(find(unit("POLSEK_A2")), [2]);
    assert_eq!(find(unit("POLDA")), [1, 2, 3, 4]);
    assert!(find(unit("NO_SUCH_UNIT")).is_empty());
}

#[test]
fn visibility_limits_officers_analysts_and_propam() {
    let fixture = varied();
    let filter = ReportFilter::default();
    let officer = Visibility {
        within_unit_path: Some(path(&["POLDA", "POLRES_A"])),
        exclude_compartmented: true,
        phone_search: true,
    };
    assert_eq!(sorted(fixture.ids_with("", &filter, &officer)), [1, 2]);
    let polda_officer = Visibility {
        within_unit_path: Some(path(&["POLDA"])),
        exclude_compartmented: true,
        phone_search: true,
    };
    assert_eq!(
        sorted(fixture.ids_with("", &filter, &polda_officer)),
        [1, 2, 4],
        "no Propam report, no unassigned report"
    );
    let analyst = Visibility {
        within_unit_path: None,
        exclude_compartmented: true,
        phone_search: false,
    };
    assert_eq!(
        sorted(fixture.ids_with("", &filter, &analyst)),
        [1, 2, 4, 5]
    );
    let without_unit = Visibility {
        within_unit_path: Some(Vec::new()),
        ..Visibility::default()
    };
    assert!(fixture.ids_with("", &filter, &without_unit).is_empty());
}

#[test]
fn facets_count_every_visible_match() {
    let fixture = varied();
    let results = fixture.search("", &ReportFilter::default(), &everyone());
    let facet = |field: &str| -> Vec<(String, u64)> {
        results
            .facets
            .iter()
            .find(|facet| facet.field == field)
            .unwrap()
            .values
            .clone()
    };
    let pairs = |values: &[(&str, u64)]| -> Vec<(String, u64)> {
        values
            .iter()
            .map(|(value, count)| ((*value).to_owned(), *count))
            .collect()
    };
    assert_eq!(results.total_count, 5);
    assert_eq!(
        facet("category"),
        pairs(&[("curanmor", 2), ("pungli_oknum", 1)])
    );
    assert_eq!(
        facet("status"),
        pairs(&[("FORWARDED", 2), ("NEW", 2), ("RESOLVED", 1)])
    );
    assert_eq!(
        facet("unit"),
        pairs(&[
            ("POLDA", 1),
            ("POLRES_B", 1),
            ("POLSEK_A1", 1),
            ("POLSEK_A2", 1)
        ])
    );
    assert_eq!(facet("priority"), pairs(&[("HIGH", 1), ("URGENT", 1)]));
    let narrowed = fixture.search("dicuri", &ReportFilter::default(), &everyone());
    assert_eq!(narrowed.total_count, 1);
    assert_eq!(narrowed.facets[0].values, pairs(&[("curanmor", 1)]));
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

#[test]
fn stats_count_wib_days_percentiles_and_breaches() {
    let mut docs = Vec::new();
    for (id, created, first_action) in [
        (1, "2026-03-09T16:59:00Z", Some(60)),  // 9 March 23:59 WIB
        (2, "2026-03-09T17:00:00Z", Some(120)), // 10 March 00:00 WIB
        (3, "2026-03-10T10:00:00Z", Some(300)), // 10 March 17:00 WIB
        (4, "2026-03-12T01:00:00Z", None),      // 12 March
    ] {
        let mut report = doc(id, "laporan");
        report.created_at = at(created);
        report.first_action_secs = first_action;
        report.category = Some(if id % 2 == 0 { "curanmor" } else { "begal" }.to_owned());
        report.unit_path = path(&["POLDA", "POLRES_A"]);
        report.forward_secs = Some(1000 * id as i64);
        report.sla_breaches = if id == 3 {
            vec![SlaStage::FirstAction, SlaStage::Resolution]
        } else {
            vec![SlaStage::FirstAction]
        };
        docs.push(report);
    }
    let fixture = Fixture::with(docs);
    let filter = ReportFilter::default();
    let everyone = everyone();
    let request = |from, to| StatsRequest {
        from,
        to,
        filter: &filter,
        tree: &fixture.tree,
        visibility: &everyone,
        now: fixture.now,
    };
    let stats = fixture.index.stats(&request(None, None)).unwrap();
    assert_eq!(stats.total_reports, 4);
    let day = |date: &str, count: u64| (date.to_owned(), count);
    assert_eq!(
        stats.by_day,
        [
            day("2026-03-09", 1),
            day("2026-03-10", 2),
            day("2026-03-12", 1)
        ]
    );
    assert_eq!(
        stats.by_category,
        [("begal".to_owned(), 2), ("curanmor".to_owned(), 2)]
    );
    assert_eq!(stats.by_status, [("NEW".to_owned(), 4)]);
    assert_eq!(stats.by_unit, [("POLRES_A".to_owned(), 4)]);
    assert_eq!(stats.first_action.count, 3);
    assert_eq!(stats.first_action.median_secs, Some(120.0));
    assert_eq!(stats.first_action.p90_secs, Some(264.0));
    assert_eq!(stats.forward.median_secs, Some(2500.0));
    assert_eq!(
        stats.resolution,
        DurationStats {
            count: 0,
            median_secs: None,
            p90_secs: None
        }
    );
    assert_eq!(
        stats.sla_breaches,
        [
            (SlaStage::FirstAction, 4),
            (SlaStage::Forward, 0),
            (SlaStage::Resolution, 1)
        ]
    );
    let march_tenth = fixture
        .index
        .stats(&request(
            Some(at("2026-03-09T17:00:00Z")),
            Some(at("2026-03-10T17:00:00Z")),
        ))
        .unwrap();
    assert_eq!(march_tenth.total_reports, 2);
    assert_eq!(march_tenth.by_day, [day("2026-03-10", 2)]);
}
