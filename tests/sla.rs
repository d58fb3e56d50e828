//! The SLA clock, escalation, silent reporters and automatic forwarding, through the real
//! webhook and GraphQL API. The clock is driven by calling the watcher's pass with an injected
//! time (`Workflow::run_clock`), never by sleeping.

mod common;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use common::{TestApp, spawn_app, spawn_app_with, timeline_kinds};
use siaga::bus::ReportEventKind;
use siaga::domain::user::Role;
use siaga::workflow::ClockPass;

const SLA_FIELDS: &str = "status priority sla { stage dueAt paused overdue breached breaches escalatedTo } \
    timeline { kind actor note } flags assignedUnit { code }";

async fn operator(app: &TestApp) -> String {
    app.user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await
}

async fn report(app: &TestApp, token: &str, id: &str) -> Value {
    let query = format!("query($id: ID) {{ report(id: $id) {{ {SLA_FIELDS} }} }}");
    let response = app.graphql(Some(token), &query, json!({ "id": id })).await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["report"].clone()
}

/// The next SLA event on the bus (other events, such as delivery updates, are skipped).
async fn next_sla_event(
    events: &mut tokio::sync::broadcast::Receiver<siaga::bus::ReportEvent>,
) -> ReportEventKind {
    loop {
        let kind = events.recv().await.expect("an event").kind;
        if matches!(
            kind,
            ReportEventKind::SlaWarning
                | ReportEventKind::SlaBreached
                | ReportEventKind::SlaEscalated
                | ReportEventKind::ReporterSilent
        ) {
            return kind;
        }
    }
}

async fn run_clock(app: &TestApp, now: DateTime<Utc>) -> ClockPass {
    app.state
        .services
        .workflow
        .run_clock(now)
        .await
        .expect("a clock pass")
}

fn created_at(app: &TestApp, id: &str) -> DateTime<Utc> {
    let id: siaga::domain::ids::ReportId = id.parse().unwrap();
    app.reports()
        .into_iter()
        .find(|report| report.id == id)
        .expect("the report")
        .created_at
}

async fn mutate(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let response = app.graphql(Some(token), query, variables).await;
    assert!(response["errors"].is_null(), "{response}");
    response
}

const URGENT_TEXT: &str =
    "tolong ada orang tenggelam di sungai musi dekat jembatan ampera sekarang belum ketemu";

#[tokio::test]
async fn an_untouched_urgent_report_is_warned_at_80_percent_then_breached_once() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (id, _) = app.citizen_reports("081377102001", URGENT_TEXT).await;
    let created = created_at(&app, &id);
    let before = report(&app, &token, &id).await;
    assert_eq!(before["priority"], "URGENT", "{before}");
    assert_eq!(before["sla"]["stage"], "FIRST_ACTION");
    let due: DateTime<Utc> = before["sla"]["dueAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        due,
        created + Duration::minutes(2),
        "URGENT: first action within 2 min"
    );

    let mut events = app.state.bus.subscribe();
    let early = run_clock(&app, created + Duration::seconds(60)).await;
    assert_eq!((early.warnings, early.breaches), (0, 0), "{early:?}");

    let warned = run_clock(&app, created + Duration::seconds(100)).await;
    assert_eq!(
        (warned.warnings, warned.breaches),
        (1, 0),
        "96 s is 80% of 2 min"
    );
    assert_eq!(
        next_sla_event(&mut events).await,
        ReportEventKind::SlaWarning
    );

    let breached = run_clock(&app, created + Duration::seconds(130)).await;
    assert_eq!(breached.breaches, 1, "{breached:?}");
    assert_eq!(
        next_sla_event(&mut events).await,
        ReportEventKind::SlaBreached
    );
    let again = run_clock(&app, created + Duration::seconds(140)).await;
    assert_eq!((again.warnings, again.breaches), (0, 0), "announced once");

    let after = report(&app, &token, &id).await;
    assert_eq!(after["sla"]["breached"], true);
    assert_eq!(after["sla"]["breaches"], json!(["FIRST_ACTION"]));
    assert_eq!(
        after["sla"]["escalatedTo"],
        Value::Null,
        "not forwarded: nothing to escalate"
    );
    let kinds = timeline_kinds(&after);
    assert_eq!(
        kinds.iter().filter(|kind| *kind == "SLA_BREACHED").count(),
        1,
        "{kinds:?}"
    );
}

#[tokio::test]
async fn a_warning_leaves_the_search_index_alone_and_a_breach_reindexes() {
    let app = spawn_app().await;
    let (id, _) = app.citizen_reports("081377102009", URGENT_TEXT).await;
    let created = created_at(&app, &id);
    app.wait_for_index().await;
    let search = &app.state.services.search;
    let indexed = search.applied_seq();
    assert!(indexed.is_some(), "the new report is indexed");

    let warned = run_clock(&app, created + Duration::seconds(100)).await;
    assert_eq!(warned.warnings, 1, "{warned:?}");
    app.wait_for_index().await;
    assert_eq!(
        search.applied_seq(),
        indexed,
        "a warning changes nothing the search document holds: no commit"
    );

    let breached = run_clock(&app, created + Duration::seconds(130)).await;
    assert_eq!(breached.breaches, 1, "{breached:?}");
    app.wait_for_index().await;
    assert!(
        search.applied_seq() > indexed,
        "a breach is indexed again: the breaches are counted from the index"
    );
}

#[tokio::test]
async fn a_breach_survives_a_restart_and_is_not_announced_again() {
    let app = spawn_app().await;
    let (id, _) = app.citizen_reports("081377102002", URGENT_TEXT).await;
    let created = created_at(&app, &id);
    assert_eq!(
        run_clock(&app, created + Duration::minutes(3))
            .await
            .breaches,
        1
    );
    let app = app.restart().await;
    // Before the FORWARD stage's own warning at 4 min (80% of 5 min): nothing new.
    let pass = run_clock(&app, created + Duration::seconds(200)).await;
    assert_eq!((pass.warnings, pass.breaches), (0, 0), "{pass:?}");
    let pass = run_clock(&app, created + Duration::seconds(250)).await;
    assert_eq!((pass.warnings, pass.breaches), (1, 0), "{pass:?}");
}

#[tokio::test]
async fn a_breached_forwarded_report_is_escalated_to_the_parent_of_its_unit() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (id, _) = app.citizen_reports("081377102003", URGENT_TEXT).await;
    let created = created_at(&app, &id);
    mutate(
        &app,
        &token,
        "mutation($id: ID!) { forwardReport(id: $id, unitCode: \"POLSEK_PLG_SUKARAMI\") { status } }",
        json!({ "id": id }),
    )
    .await;
    let forwarded = report(&app, &token, &id).await;
    assert_eq!(forwarded["sla"]["stage"], "RESOLUTION", "{forwarded}");

    let mut events = app.state.bus.subscribe();
    let pass = run_clock(&app, created + Duration::minutes(121)).await;
    assert_eq!((pass.breaches, pass.escalations), (1, 1), "{pass:?}");
    let kinds: Vec<ReportEventKind> = std::iter::from_fn(|| events.try_recv().ok())
        .map(|event| event.kind)
        .filter(|kind| {
            matches!(
                kind,
                ReportEventKind::SlaBreached | ReportEventKind::SlaEscalated
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![ReportEventKind::SlaBreached, ReportEventKind::SlaEscalated]
    );
    let after = report(&app, &token, &id).await;
    assert_eq!(after["sla"]["breaches"], json!(["RESOLUTION"]));
    assert_eq!(after["sla"]["escalatedTo"], "POLRESTABES_PALEMBANG");
    let escalation = after["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["kind"] == "ESCALATED")
        .expect("the escalation on the timeline");
    assert_eq!(escalation["actor"], "system");
    assert!(
        escalation["note"]
            .as_str()
            .unwrap()
            .contains("POLRESTABES_PALEMBANG"),
        "{escalation}"
    );

    // The Polrestabes officers see the escalated report (it lies below their unit).
    let polres = app
        .user_token("polres1", Role::Officer, Some("POLRESTABES_PALEMBANG"))
        .await;
    let seen = report(&app, &polres, &id).await;
    assert_eq!(seen["sla"]["escalatedTo"], "POLRESTABES_PALEMBANG");
}

#[tokio::test]
async fn waiting_for_the_reporter_stops_the_clock_and_a_silent_reporter_is_flagged_and_reminded() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (id, ticket) = app
        .citizen_reports(
            "081377102004",
            "mau tanya syarat bikin skck di polres ogan ilir",
        )
        .await;
    let created = created_at(&app, &id);
    mutate(
        &app,
        &token,
        "mutation($id: ID!) { setReportStatus(id: $id, status: AWAITING_REPORTER, note: \"untuk keperluan apa?\") { status } }",
        json!({ "id": id }),
    )
    .await;
    let paused = report(&app, &token, &id).await;
    assert_eq!(paused["sla"]["paused"], true, "{paused}");
    assert_eq!(paused["sla"]["dueAt"], Value::Null);
    assert_eq!(paused["sla"]["overdue"], false);

    // Days later: no breach while paused, but the silent reporter is flagged once.
    let pass = run_clock(&app, created + Duration::hours(5)).await;
    assert_eq!(pass.breaches, 0, "the clock stood still: {pass:?}");
    assert_eq!((pass.silent_reporters, pass.reminders), (1, 1), "{pass:?}");
    let again = run_clock(&app, created + Duration::hours(6)).await;
    assert_eq!(again.silent_reporters, 0, "flagged once");
    let flagged = report(&app, &token, &id).await;
    assert!(
        flagged["flags"]
            .as_array()
            .unwrap()
            .contains(&json!("reporter_silent")),
        "{flagged}"
    );
    assert!(timeline_kinds(&flagged).contains(&"REPORTER_SILENT".to_string()));
    let reminder = app
        .messages(id.parse().unwrap())
        .into_iter()
        .filter_map(|message| serde_json::to_value(&message).ok())
        .find(|message| message.to_string().contains("masih menunggu keterangan"))
        .expect("the reminder went to the outbox");
    assert!(reminder.to_string().contains(&ticket), "{reminder}");

    // The citizen answers: the report resumes and the pause moved the due time.
    app.citizen_reports("081377102004", "untuk melamar kerja pak")
        .await;
    let resumed = report(&app, &token, &id).await;
    assert_eq!(resumed["status"], "NEW", "{resumed}");
    assert_eq!(resumed["sla"]["paused"], false);
    let due: DateTime<Utc> = resumed["sla"]["dueAt"].as_str().unwrap().parse().unwrap();
    assert!(
        due > Utc::now(),
        "the pause moved the due time past now: {due}"
    );
}

#[tokio::test]
async fn the_overdue_filter_separates_reports_past_due_from_the_rest() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    app.citizen_reports("081377102005", URGENT_TEXT).await;
    let query = "query($o: Boolean) { reports(filter: { overdue: $o }) { totalCount } }";
    let overdue = mutate(&app, &token, query, json!({ "o": true })).await;
    assert_eq!(
        overdue["data"]["reports"]["totalCount"], 0,
        "fresh: not overdue"
    );
    let on_time = mutate(&app, &token, query, json!({ "o": false })).await;
    assert_eq!(on_time["data"]["reports"]["totalCount"], 1);
}

const CONFIDENT_TEXT: &str =
    "motor saya dicuri tadi malam di parkiran rumah kecamatan sukarami palembang, honda beat hitam";

#[tokio::test]
async fn without_the_setting_nothing_is_forwarded_automatically() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let (id, _) = app.citizen_reports("081377102006", CONFIDENT_TEXT).await;
    let pass = run_clock(&app, Utc::now()).await;
    assert_eq!(pass.auto_forwarded, 0);
    assert_eq!(report(&app, &token, &id).await["status"], "NEW");
}

#[tokio::test]
async fn with_the_setting_a_confident_report_is_forwarded_to_its_polsek_and_can_be_undone() {
    let app = spawn_app_with(|settings| {
        settings.auto_forward = Some(true);
        settings.auto_forward_min_confidence = Some(0.5);
    })
    .await;
    let token = operator(&app).await;
    let (id, _) = app.citizen_reports("081377102007", CONFIDENT_TEXT).await;
    // The watcher forwards on the report's event; a pass finds nothing left to do.
    app.wait_until("the automatic forward", |app| {
        app.reports()
            .iter()
            .any(|report| report.id.to_string() == id && report.assigned_unit.is_some())
    })
    .await;
    assert_eq!(run_clock(&app, Utc::now()).await.auto_forwarded, 0);
    let forwarded = report(&app, &token, &id).await;
    assert_eq!(forwarded["status"], "FORWARDED", "{forwarded}");
    assert_eq!(forwarded["assignedUnit"]["code"], "POLSEK_PLG_SUKARAMI");
    let note = forwarded["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["kind"] == "FORWARDED")
        .expect("the forward on the timeline");
    assert_eq!(note["actor"], "system");
    assert!(
        note["note"].as_str().unwrap().contains("automatically"),
        "{note}"
    );
    assert_eq!(
        forwarded["sla"]["stage"], "FIRST_ACTION",
        "a person still has to look"
    );

    // An operator undoes it by forwarding elsewhere.
    mutate(
        &app,
        &token,
        "mutation($id: ID!) { forwardReport(id: $id, unitCode: \"POLRESTABES_PALEMBANG\") { status } }",
        json!({ "id": id }),
    )
    .await;
    let moved = report(&app, &token, &id).await;
    assert_eq!(moved["assignedUnit"]["code"], "POLRESTABES_PALEMBANG");
    assert_eq!(
        run_clock(&app, Utc::now()).await.auto_forwarded,
        0,
        "once only"
    );
}

#[tokio::test]
async fn a_complaint_about_the_police_is_never_forwarded_automatically() {
    let app = spawn_app_with(|settings| {
        settings.auto_forward = Some(true);
        settings.auto_forward_min_confidence = Some(0.0);
    })
    .await;
    let token = operator(&app).await;
    let (id, _) = app
        .citizen_reports(
            "081377102008",
            "saya ditilang oknum polisi di simpang sukarami palembang terus dimintai uang damai 200 ribu",
        )
        .await;
    let pass = run_clock(&app, Utc::now()).await;
    assert_eq!(pass.auto_forwarded, 0, "{pass:?}");
    let untouched = report(&app, &token, &id).await;
    assert_eq!(untouched["status"], "NEW", "{untouched}");
}
