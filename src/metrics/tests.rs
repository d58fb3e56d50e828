use std::time::Duration;

use super::latency::GRAPHQL_OPERATION_LABELS;
use super::*;

#[test]
fn an_operation_is_labelled_by_its_name_or_else_its_first_root_field() {
    let named = GraphqlOperation::of("query Queue { reports { totalCount } }", None);
    assert_eq!(named, GraphqlOperation::Named("Queue".into()));
    let anonymous = GraphqlOperation::of("{ search(query: \"x\") { totalCount } me { id } }", None);
    assert_eq!(anonymous, GraphqlOperation::Named("search".into()));
    let mutation = GraphqlOperation::of(
        "mutation($u: String!) { login(username: $u) { token } }",
        None,
    );
    assert_eq!(mutation, GraphqlOperation::Named("login".into()));
    let two = "query A { me { id } } query B { reports { totalCount } }";
    assert_eq!(
        GraphqlOperation::of(two, Some("B")),
        GraphqlOperation::Named("B".into())
    );
    assert_eq!(
        GraphqlOperation::of(two, Some("C")),
        GraphqlOperation::Unreadable
    );
    assert_eq!(
        GraphqlOperation::of("{ not valid", None),
        GraphqlOperation::Unreadable
    );
    // The request's operationName names a single anonymous operation too.
    let given = GraphqlOperation::of("{ me { id } }", Some("Me"));
    assert_eq!(given, GraphqlOperation::Named("Me".into()));
}

#[test]
fn labels_are_kept_only_for_valid_names_of_operations_that_ran_and_at_most_64() {
    let latency = Latency::default();
    let took = Duration::from_millis(2);
    let named = |name: &str| GraphqlOperation::Named(name.to_string());
    latency.observe_graphql(&named("Failed"), false, took);
    latency.observe_graphql(&named("bad-name"), true, took);
    latency.observe_graphql(&named(&"x".repeat(65)), true, took);
    for index in 0..GRAPHQL_OPERATION_LABELS + 5 {
        latency.observe_graphql(&named(&format!("Op{index}")), true, took);
    }
    // A kept name stays kept, even when a later run of it fails.
    latency.observe_graphql(&named("Op0"), false, took);
    let mut registry = prometheus_client::registry::Registry::default();
    latency.register(&mut registry);
    let mut text = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut text, &registry).unwrap();
    let counts: Vec<(&str, u64)> = text
        .lines()
        .filter_map(|line| line.strip_prefix("graphql_seconds_count{operation=\""))
        .map(|rest| {
            let (name, value) = rest.split_once("\"} ").unwrap();
            (name, value.parse().unwrap())
        })
        .collect();
    let count = |name: &str| {
        counts
            .iter()
            .find(|(label, _)| *label == name)
            .map(|(_, value)| *value)
    };
    assert_eq!(count("Op0"), Some(2));
    assert_eq!(
        count(&format!("Op{}", GRAPHQL_OPERATION_LABELS - 1)),
        Some(1)
    );
    assert_eq!(count(&format!("Op{GRAPHQL_OPERATION_LABELS}")), None);
    assert_eq!(count("Failed"), None);
    assert_eq!(count("bad-name"), None);
    // Failed, bad-name, the long name, and the five names past the limit.
    assert_eq!(count("other"), Some(8));
    assert_eq!(counts.len(), GRAPHQL_OPERATION_LABELS + 1, "{text}");
}
