//! Black-box tests of what the GraphQL limits let through: graphql-js's full introspection
//! query, and the `extensions.code` of parse and validation errors.

mod common;

use common::{error_code, spawn_app};
use serde_json::json;
use siaga::domain::user::Role;

/// `getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable:
/// true, schemaDescription: true, inputValueDeprecation: true, oneOf: true })` of graphql-js 16.
const GRAPHQL_JS_INTROSPECTION: &str = r#"
    query IntrospectionQuery {
      __schema {
        description
        queryType { name kind }
        mutationType { name kind }
        subscriptionType { name kind }
        types {
          ...FullType
        }
        directives {
          name
          description
          isRepeatable
          locations
          args(includeDeprecated: true) {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      description
      specifiedByURL
      isOneOf
      fields(includeDeprecated: true) {
        name
        description
        args(includeDeprecated: true) {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields(includeDeprecated: true) {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
      isDeprecated
      deprecationReason
    }

    fragment TypeRef on __Type {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                    ofType {
                      kind
                      name
                      ofType {
                        kind
                        name
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
"#;

#[tokio::test]
async fn graphql_js_full_introspection_query_gets_the_schema() {
    let app = spawn_app().await;
    let schema = app.graphql(None, GRAPHQL_JS_INTROSPECTION, json!({})).await;
    assert!(schema["errors"].is_null(), "{}", &schema["errors"]);
    let types = schema["data"]["__schema"]["types"]
        .as_array()
        .expect("types");
    assert!(types.iter().any(|kind| kind["name"] == "ReportStatus"));
    assert_eq!(
        schema["data"]["__schema"]["mutationType"]["name"],
        "MutationRoot"
    );
}

#[tokio::test]
async fn ordinary_queries_are_still_limited_in_depth_and_complexity() {
    let app = spawn_app().await;
    let token = app
        .user_token("ops1", Role::Operator, Some("COMMAND_CENTER"))
        .await;
    let deep = app.graphql(Some(&token), "{ units { children { children { children { children { children { children { children { children { children { children { children { code } } } } } } } } } } } } }", json!({})).await;
    assert_eq!(
        error_code(&deep).as_deref(),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{deep}"
    );
    assert!(deep["data"].is_null());
    // Deep through fragments too: 14 levels.
    let through_fragments = app.graphql(Some(&token), "{ units { ...A } } fragment A on Unit { children { children { ...B } } } fragment B on Unit { children { children { children { children { children { children { children { children { children { children { code } } } } } } } } } } }", json!({})).await;
    assert_eq!(
        error_code(&through_fragments).as_deref(),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{through_fragments}"
    );
    let aliases: String = (0..3000)
        .map(|index| format!("a{index}: me {{ username }} "))
        .collect();
    let complex = app
        .graphql(Some(&token), &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert_eq!(
        error_code(&complex).as_deref(),
        Some("GRAPHQL_VALIDATION_FAILED")
    );
}

#[tokio::test]
async fn parse_and_validation_errors_carry_the_codes_apollo_clients_expect() {
    let app = spawn_app().await;
    let unparsable = app.graphql(None, "{ me { username ", json!({})).await;
    assert_eq!(
        error_code(&unparsable).as_deref(),
        Some("GRAPHQL_PARSE_FAILED"),
        "{unparsable}"
    );
    let unknown_field = app.graphql(None, "{ me { shoeSize } }", json!({})).await;
    assert_eq!(
        error_code(&unknown_field).as_deref(),
        Some("GRAPHQL_VALIDATION_FAILED"),
        "{unknown_field}"
    );
    let missing_argument = app
        .graphql(
            None,
            "mutation { login(username: \"x\") { token } }",
            json!({}),
        )
        .await;
    assert_eq!(
        error_code(&missing_argument).as_deref(),
        Some("GRAPHQL_VALIDATION_FAILED")
    );
    // Errors of resolvers keep their own codes.
    let anonymous = app.graphql(None, "{ me { username } }", json!({})).await;
    assert_eq!(error_code(&anonymous).as_deref(), Some("UNAUTHENTICATED"));
}
