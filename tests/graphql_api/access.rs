//! Who sees and does what: each role's part, masked numbers for analysts, the internal-affairs
//! compartment, and the media endpoint with its audit of every view.

use super::*;

#[tokio::test]
async fn each_role_may_do_only_its_own_part() {
    let app = spawn_app().await;
    let operator_token = operator(&app).await;
    let admin = app.user_token("chief", Role::Admin, None).await;
    let analyst = app.user_token("ana", Role::Analyst, None).await;
    let polres_officer = app
        .user_token("polres", Role::Officer, Some("POLRESTABES_PALEMBANG"))
        .await;
    let polsek_officer = app
        .user_token("polsek", Role::Officer, Some("POLSEK_PLG_ILIR_TIMUR_I"))
        .await;
    let other_polsek = app
        .user_token("sako", Role::Officer, Some("POLSEK_PLG_SAKO"))
        .await;
    let (id, _) = app
        .citizen_reports("081377101003", "rumah saya kemalingan")
        .await;

    let note = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            app.graphql(
                Some(&token),
                "mutation($id: ID!) { addNote(reportId: $id, text: \"cek\") { kind actor } }",
                json!({ "id": id }),
            )
            .await
        }
    };
    assert_eq!(
        error_code(&note(analyst.clone()).await).as_deref(),
        Some("FORBIDDEN"),
        "analysts never write"
    );
    assert_eq!(
        error_code(&triage(&app, &admin, &id, "pencurian").await).as_deref(),
        Some("FORBIDDEN"),
        "admins administer, not work reports"
    );
    assert_eq!(
        error_code(&note(polsek_officer.clone()).await).as_deref(),
        Some("FORBIDDEN"),
        "not yet forwarded to the officer"
    );

    forward(&app, &operator_token, &id, "POLSEK_PLG_ILIR_TIMUR_I").await;
    assert_eq!(
        note(polsek_officer.clone()).await["data"]["addNote"]["actor"],
        "polsek"
    );
    assert_eq!(
        note(polres_officer.clone()).await["data"]["addNote"]["actor"],
        "polres",
        "the Polres sees its Polsek's reports"
    );
    let sibling = app
        .graphql(
            Some(&other_polsek),
            "query($id: ID) { report(id: $id) { ticket } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        error_code(&sibling).as_deref(),
        Some("FORBIDDEN"),
        "a sibling Polsek does not see it: {sibling}"
    );
    let sibling_list = app
        .graphql(Some(&other_polsek), "{ reports { totalCount } }", json!({}))
        .await;
    assert_eq!(sibling_list["data"]["reports"]["totalCount"], 0);

    let officer_moves = set_status(&app, &polsek_officer, &id, "IN_PROGRESS").await;
    assert_eq!(
        officer_moves["data"]["setReportStatus"]["status"],
        "IN_PROGRESS"
    );
    let officer_spam = set_status(&app, &polsek_officer, &id, "RESOLVED").await;
    assert_eq!(
        officer_spam["data"]["setReportStatus"]["status"],
        "RESOLVED"
    );
    let officer_close = set_status(&app, &polsek_officer, &id, "CLOSED").await;
    assert_eq!(
        error_code(&officer_close).as_deref(),
        Some("FORBIDDEN"),
        "closing is the command center's decision"
    );

    let create = app.graphql(Some(&operator_token), "mutation { createUser(username: \"xop1\", password: \"long-enough-pw\", role: OPERATOR) { username } }", json!({})).await;
    assert_eq!(error_code(&create).as_deref(), Some("FORBIDDEN"));
    let created = app.graphql(Some(&admin), "mutation { createUser(username: \"xop1\", password: \"long-enough-pw\", role: OPERATOR) { username role } }", json!({})).await;
    assert_eq!(
        created["data"]["createUser"]["role"], "OPERATOR",
        "{created}"
    );
}

#[tokio::test]
async fn analysts_read_with_masked_phone_numbers() {
    let app = spawn_app().await;
    let analyst = app.user_token("ana", Role::Analyst, None).await;
    app.citizen_reports("081377101001", "jalan macet total")
        .await;
    let response = app
        .graphql(
            Some(&analyst),
            "{ reports { edges { node { reporter { phone } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        response["data"]["reports"]["edges"][0]["node"]["reporter"]["phone"],
        "+•••••••••••••"
    );
}

#[tokio::test]
async fn complaints_about_police_conduct_stay_in_their_compartment() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let analyst = app.user_token("ana", Role::Analyst, None).await;
    let propam_officer = app
        .user_token("propam", Role::Officer, Some("BIDPROPAM"))
        .await;
    let (id, _) = app
        .citizen_reports("081377101004", "oknum minta uang damai waktu tilang")
        .await;
    triage(&app, &token, &id, "pungli_oknum").await;
    let wrong_unit = forward(&app, &token, &id, "POLRESTABES_PALEMBANG").await;
    assert_eq!(
        error_code(&wrong_unit).as_deref(),
        Some("FORBIDDEN"),
        "{wrong_unit}"
    );
    let right_unit = forward(&app, &token, &id, "BIDPROPAM").await;
    assert_eq!(
        right_unit["data"]["forwardReport"]["assignedUnit"]["code"],
        "BIDPROPAM"
    );
    let hidden = app
        .graphql(Some(&analyst), "{ reports { totalCount } }", json!({}))
        .await;
    assert_eq!(hidden["data"]["reports"]["totalCount"], 0, "{hidden}");
    let seen = app
        .graphql(
            Some(&propam_officer),
            "{ reports { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(seen["data"]["reports"]["totalCount"], 1);
}

#[tokio::test]
async fn media_is_served_only_to_those_who_may_see_it_and_each_view_is_recorded() {
    let app = spawn_app().await;
    let token = operator(&app).await;
    let sako = app
        .user_token("sako", Role::Officer, Some("POLSEK_PLG_SAKO"))
        .await;
    let photo = b"jpeg bytes of the evidence".to_vec();
    app.graph
        .add_media("media-evidence", photo.clone(), "image/jpeg");
    let mut body = common::fixture("inbound_image_caption");
    let image = &mut body["entry"][0]["changes"][0]["value"]["messages"][0]["image"];
    image["id"] = json!("media-evidence");
    image.as_object_mut().unwrap().remove("url");
    image.as_object_mut().unwrap().remove("sha256");
    app.post_signed_webhook(&body).await;
    app.wait_until("the media is stored", |app| {
        app.reports().first().is_some_and(|report| {
            app.messages(report.id).iter().any(|message| {
                message
                    .media
                    .as_ref()
                    .is_some_and(|media| media.sha256_hex.is_some())
            })
        })
    })
    .await;
    let report = app.only_report();
    let message = app
        .messages(report.id)
        .into_iter()
        .find(|message| message.media.is_some())
        .unwrap();
    let url = format!("{}/media/{}", app.base_url, message.id);

    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 401);
    assert_eq!(
        app.client
            .get(&url)
            .bearer_auth(&sako)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let ok = app
        .client
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["content-type"], "image/jpeg");
    assert_eq!(ok.bytes().await.unwrap().to_vec(), photo);
    assert_eq!(
        app.client
            .get(format!("{}/media/999999", app.base_url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let viewed = app
        .timeline(report.id)
        .into_iter()
        .filter(|event| {
            event
                .note
                .as_deref()
                .is_some_and(|note| note.contains("ops1"))
        })
        .count()
        + app
            .timeline(report.id)
            .into_iter()
            .filter(|event| event.actor.to_string() == "ops1")
            .count();
    assert!(
        viewed >= 1,
        "the view is on the timeline: {:?}",
        app.timeline(report.id)
    );
}
