//! The account's template list: every page followed, Meta's fields read into templates with
//! their body parameters, the account's own token when it has one, and Meta's errors.

use super::*;
use siaga::whatsapp::graph::TemplateAccount;

fn account(token: Option<&str>) -> TemplateAccount {
    TemplateAccount {
        business_account_id: "102030405060708".to_string(),
        access_token: token.map(str::to_string),
    }
}

#[tokio::test]
async fn every_page_of_the_template_list_is_read_with_the_accounts_token() {
    let mock = MockGraph::start().await;
    for index in 0..5 {
        mock.add_template(
            &format!("status_{index}"),
            "id",
            "UTILITY",
            "APPROVED",
            "Laporan {{1}} di {{2}}",
        );
    }
    mock.add_template(
        "sapaan",
        "id",
        "UTILITY",
        "PENDING",
        "Halo {{nama}}, tiket {{ticket}}",
    );
    mock.set_template_page_size(2);

    let templates = client_for(&mock)
        .list_message_templates(&account(Some("EAAG-other-account-token")))
        .await
        .unwrap();

    assert_eq!(templates.len(), 6);
    assert_eq!(templates[0].name, "status_0");
    assert_eq!(templates[0].parameters, ["1", "2"]);
    assert_eq!(templates[5].status, "PENDING");
    assert!(templates[5].named_parameters);
    assert_eq!(templates[5].parameters, ["nama", "ticket"]);
    let listings = mock.template_listings();
    assert_eq!(listings.len(), 3, "{listings:?}");
    let authorizations: Vec<Option<String>> = mock
        .requests()
        .into_iter()
        .map(|request| request.authorization)
        .collect();
    assert!(
        authorizations
            .iter()
            .all(|header| header.as_deref() == Some("Bearer EAAG-other-account-token")),
        "{authorizations:?}"
    );
}

#[tokio::test]
async fn an_unavailable_meta_is_a_retryable_error_and_an_empty_account_an_empty_list() {
    let mock = MockGraph::start().await;
    let client = client_for(&mock);
    assert_eq!(
        client.list_message_templates(&account(None)).await.unwrap(),
        []
    );
    let requests = mock.requests();
    assert_eq!(
        requests[0].authorization.as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );

    mock.fail_template_listings(1);
    let error = client
        .list_message_templates(&account(None))
        .await
        .unwrap_err();

    assert_eq!(error.disposition(), Disposition::Retry, "{error}");
}
