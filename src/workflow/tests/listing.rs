//! `list_reports`: every filter, newest-first cursor paging and the total count.

use super::*;
use crate::domain::ids::ReportId;
use crate::domain::inbound::MessageContent;
use crate::domain::report::{Priority, ReportStatus};
use crate::workflow::{BoundingBox, ReportFilter};

/// Five reports with distinct traits, oldest first.
struct Corpus {
    /// 10 days old, curanmor, HIGH, forwarded to a Polsek of Palembang.
    old_theft: Report,
    /// 5 days old, a photo, kecelakaan_lalin, URGENT, IN_PROGRESS at Polres OKI.
    crash_photo: Report,
    /// 2 days old, shared a location in Palembang, NEW.
    palembang_location: Report,
    /// 1 day old, shared a location in Lahat, SPAM.
    lahat_location: Report,
    /// Now, text only, TRIAGED as LOW.
    fresh: Report,
}

async fn corpus(fixture: &Fixture) -> Corpus {
    let who = operator();
    let workflow = &fixture.workflow;
    let days_ago = |days: i64| Utc::now() - Duration::days(days);
    let text = |body: &str| MessageContent::Text { body: body.into() };
    let location = |latitude, longitude| MessageContent::Location {
        latitude,
        longitude,
        name: None,
        address: None,
        url: None,
    };

    let (old_theft, _) = fixture.citizen_sends(
        &fixture.new_phone(),
        text("motor dicuri"),
        days_ago(10),
        days_ago(10),
    );
    workflow
        .triage(
            &who,
            old_theft.id,
            Some("curanmor".into()),
            Some(Priority::High),
            None,
        )
        .await
        .unwrap();
    let old_theft = workflow
        .forward(&who, old_theft.id, &unit(POLSEK_ILIR_BARAT_I), None)
        .await
        .unwrap();

    let photo = MessageContent::Media {
        kind: crate::domain::inbound::MediaKind::Image,
        media: crate::domain::inbound::MediaRef {
            media_id: "crash".into(),
            ..Default::default()
        },
    };
    let (crash_photo, _) =
        fixture.citizen_sends(&fixture.new_phone(), photo, days_ago(5), days_ago(5));
    workflow
        .triage(
            &who,
            crash_photo.id,
            Some("kecelakaan_lalin".into()),
            Some(Priority::Urgent),
            None,
        )
        .await
        .unwrap();
    workflow
        .forward(&who, crash_photo.id, &unit(POLRES_OKI), None)
        .await
        .unwrap();
    let crash_photo = workflow
        .set_status(&who, crash_photo.id, ReportStatus::InProgress, None)
        .await
        .unwrap();

    let (palembang_location, _) = fixture.citizen_sends(
        &fixture.new_phone(),
        location(-2.976, 104.775),
        days_ago(2),
        days_ago(2),
    );
    let (lahat_location, _) = fixture.citizen_sends(
        &fixture.new_phone(),
        location(-3.79, 103.54),
        days_ago(1),
        days_ago(1),
    );
    let lahat_location = workflow
        .set_status(&who, lahat_location.id, ReportStatus::Spam, None)
        .await
        .unwrap();

    let fresh = fixture.new_report();
    let fresh = workflow
        .triage(&who, fresh.id, None, Some(Priority::Low), None)
        .await
        .unwrap();
    Corpus {
        old_theft,
        crash_photo,
        palembang_location,
        lahat_location,
        fresh,
    }
}

fn ids(fixture: &Fixture, who: &Principal, filter: &ReportFilter) -> Vec<ReportId> {
    let page = fixture
        .workflow
        .list_reports(who, filter, 100, None)
        .unwrap();
    assert_eq!(page.total_count, page.reports.len());
    assert!(!page.has_next_page);
    page.reports.iter().map(|report| report.id).collect()
}

#[tokio::test]
async fn each_filter_narrows_the_list() {
    let fixture = fixture();
    let c = corpus(&fixture).await;
    let who = operator();
    let list = |filter: ReportFilter| ids(&fixture, &who, &filter);

    assert_eq!(
        list(ReportFilter::default()),
        [
            c.fresh.id,
            c.lahat_location.id,
            c.palembang_location.id,
            c.crash_photo.id,
            c.old_theft.id
        ],
        "newest first"
    );
    let by_status = ReportFilter {
        status: vec![ReportStatus::New, ReportStatus::Spam],
        ..Default::default()
    };
    assert_eq!(
        list(by_status),
        [c.lahat_location.id, c.palembang_location.id]
    );
    let by_category = ReportFilter {
        category: vec!["curanmor".into(), "kecelakaan_lalin".into()],
        ..Default::default()
    };
    assert_eq!(list(by_category), [c.crash_photo.id, c.old_theft.id]);
    let by_polres = ReportFilter {
        unit_code: Some(POLRESTABES.into()),
        ..Default::default()
    };
    assert_eq!(
        list(by_polres),
        [c.old_theft.id],
        "a Polres includes its Polsek"
    );
    let by_polda = ReportFilter {
        unit_code: Some("POLDA_SUMSEL".into()),
        ..Default::default()
    };
    assert_eq!(
        list(by_polda),
        [c.crash_photo.id, c.old_theft.id],
        "every assigned report is below the Polda"
    );
    let by_priority = ReportFilter {
        priority: vec![Priority::Urgent, Priority::Low],
        ..Default::default()
    };
    assert_eq!(list(by_priority), [c.fresh.id, c.crash_photo.id]);
    let by_dates = ReportFilter {
        created_from: Some(Utc::now() - Duration::days(6)),
        created_to: Some(c.lahat_location.created_at),
        ..Default::default()
    };
    assert_eq!(
        list(by_dates),
        [c.palembang_location.id, c.crash_photo.id],
        "from inclusive, to exclusive"
    );
    let with_media = ReportFilter {
        has_media: Some(true),
        ..Default::default()
    };
    assert_eq!(list(with_media), [c.crash_photo.id]);
    let without_media = ReportFilter {
        has_media: Some(false),
        ..Default::default()
    };
    assert_eq!(list(without_media).len(), 4);
    let palembang = BoundingBox {
        south: -3.2,
        west: 104.5,
        north: -2.8,
        east: 105.0,
    };
    assert_eq!(
        list(ReportFilter {
            within: Some(palembang),
            ..Default::default()
        }),
        [c.palembang_location.id]
    );
    let south_sumatra = BoundingBox {
        south: -5.0,
        west: 102.0,
        north: -1.5,
        east: 106.5,
    };
    assert_eq!(
        list(ReportFilter {
            within: Some(south_sumatra),
            ..Default::default()
        }),
        [c.lahat_location.id, c.palembang_location.id]
    );
    let combined = ReportFilter {
        status: vec![ReportStatus::InProgress],
        category: vec!["kecelakaan_lalin".into()],
        has_media: Some(true),
        unit_code: Some(POLRES_OKI.into()),
        ..Default::default()
    };
    assert_eq!(list(combined), [c.crash_photo.id]);
}

#[tokio::test]
async fn pages_run_newest_first_by_cursor_with_the_total_count_on_every_page() {
    let fixture = fixture();
    let c = corpus(&fixture).await;
    let who = supervisor();
    let all = ReportFilter::default();
    let first = fixture.workflow.list_reports(&who, &all, 2, None).unwrap();
    assert_eq!(
        first
            .reports
            .iter()
            .map(|report| report.id)
            .collect::<Vec<_>>(),
        [c.fresh.id, c.lahat_location.id]
    );
    assert_eq!((first.total_count, first.has_next_page), (5, true));
    let cursor = first.reports.last().map(|report| report.id);
    let second = fixture
        .workflow
        .list_reports(&who, &all, 2, cursor)
        .unwrap();
    assert_eq!(
        second
            .reports
            .iter()
            .map(|report| report.id)
            .collect::<Vec<_>>(),
        [c.palembang_location.id, c.crash_photo.id]
    );
    assert_eq!((second.total_count, second.has_next_page), (5, true));
    let cursor = second.reports.last().map(|report| report.id);
    let third = fixture
        .workflow
        .list_reports(&who, &all, 2, cursor)
        .unwrap();
    assert_eq!(
        third
            .reports
            .iter()
            .map(|report| report.id)
            .collect::<Vec<_>>(),
        [c.old_theft.id]
    );
    assert_eq!((third.total_count, third.has_next_page), (5, false));
    let empty = fixture.workflow.list_reports(&who, &all, 0, None).unwrap();
    assert_eq!(
        (empty.reports.len(), empty.total_count, empty.has_next_page),
        (0, 5, true)
    );
}

#[tokio::test]
async fn officers_and_analysts_list_only_what_they_may_see() {
    let fixture = fixture();
    let c = corpus(&fixture).await;
    assert_eq!(
        ids(&fixture, &officer(POLRESTABES), &ReportFilter::default()),
        [c.old_theft.id]
    );
    assert_eq!(
        ids(&fixture, &officer(POLRES_OKI), &ReportFilter::default()),
        [c.crash_photo.id]
    );
    assert_eq!(ids(&fixture, &analyst(), &ReportFilter::default()).len(), 5);
}

#[tokio::test]
async fn meaningless_filters_are_bad_input() {
    let fixture = fixture();
    let who = operator();
    let refused = |filter: ReportFilter, first: usize| {
        assert_refused(
            fixture
                .workflow
                .list_reports(&who, &filter, first, None)
                .map(|page| page.total_count),
            ErrorCode::BadUserInput,
        );
    };
    refused(
        ReportFilter {
            unit_code: Some("POLRES_ATLANTIS".into()),
            ..Default::default()
        },
        10,
    );
    let now = Utc::now();
    refused(
        ReportFilter {
            created_from: Some(now),
            created_to: Some(now - Duration::days(1)),
            ..Default::default()
        },
        10,
    );
    let inverted = BoundingBox {
        south: 1.0,
        west: 100.0,
        north: -1.0,
        east: 101.0,
    };
    refused(
        ReportFilter {
            within: Some(inverted),
            ..Default::default()
        },
        10,
    );
    let off_globe = BoundingBox {
        south: -95.0,
        west: 100.0,
        north: 0.0,
        east: 101.0,
    };
    refused(
        ReportFilter {
            within: Some(off_globe),
            ..Default::default()
        },
        10,
    );
    refused(ReportFilter::default(), 501);
}

#[test]
fn a_box_across_the_antimeridian_wraps() {
    let pacific = BoundingBox {
        south: -20.0,
        west: 170.0,
        north: 20.0,
        east: -170.0,
    };
    let point = |longitude| crate::domain::report::GeoPoint {
        latitude: 0.0,
        longitude,
    };
    assert!(pacific.contains(point(175.0)));
    assert!(pacific.contains(point(-175.0)));
    assert!(!pacific.contains(point(0.0)));
}
