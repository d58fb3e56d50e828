//! Checks of a GraphQL document's shape, as an async-graphql extension: the depth limit (which
//! does not count inside `__schema`/`__type`, so that standard clients can introspect), at
//! most one `login` per request, and an `extensions.code` on every parse and validation error.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, ServerError, ServerResult, ValidationResult, Variables};

use crate::error::ErrorCode;

/// Nesting of ordinary fields refused before a query runs. Introspection is bounded instead
/// by the recursion and complexity limits of the schema (graphql-js's introspection query
/// nests `ofType` nine levels deep inside `__schema { types { fields { type` ).
pub(super) const MAX_DEPTH: usize = 12;

/// The fields whose subtree is the schema itself, not data.
const INTROSPECTION_FIELDS: [&str; 2] = ["__schema", "__type"];

/// The mutation that checks a password; each request may ask for it once, so that one HTTP
/// request cannot carry a batch of password guesses past the per-request limits.
const LOGIN_FIELD: &str = "login";

pub(super) struct QueryShape;

impl ExtensionFactory for QueryShape {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(QueryShape)
    }
}

fn with_code(mut error: ServerError, code: ErrorCode) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code.as_str());
    }
    error
}

#[async_graphql::async_trait::async_trait]
impl Extension for QueryShape {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next
            .run(ctx, query, variables)
            .await
            .map_err(|error| with_code(error, ErrorCode::GraphqlParseFailed))?;
        let mut walk = DocumentWalk::new(&document);
        let login_fields = walk.most_login_fields_in_an_operation();
        if login_fields > 1 {
            return Err(with_code(
                ServerError::new(
                    format!(
                        "one login per request: this request asks for {login_fields}; send each sign-in on its own"
                    ),
                    None,
                ),
                ErrorCode::BadUserInput,
            ));
        }
        let depth = walk.deepest_operation();
        if depth > MAX_DEPTH {
            return Err(with_code(
                ServerError::new(
                    format!(
                        "Query is nested too deep: {depth} levels of fields, at most {MAX_DEPTH}."
                    ),
                    None,
                ),
                ErrorCode::GraphqlValidationFailed,
            ));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| with_code(error, ErrorCode::GraphqlValidationFailed))
                .collect()
        })
    }
}

/// Measures a document with fragments expanded. Each fragment is measured once (memoised), so
/// that fragments spreading each other many times cost linear time; a fragment cycle counts as
/// empty here and is refused by validation.
struct DocumentWalk<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    operations: Vec<&'a SelectionSet>,
    fragment_depths: HashMap<&'a str, Option<usize>>,
    fragment_logins: HashMap<&'a str, Option<usize>>,
}

impl<'a> DocumentWalk<'a> {
    fn new(document: &'a ExecutableDocument) -> DocumentWalk<'a> {
        DocumentWalk {
            fragments: &document.fragments,
            operations: document
                .operations
                .iter()
                .map(|(_, operation)| &operation.node.selection_set.node)
                .collect(),
            fragment_depths: HashMap::new(),
            fragment_logins: HashMap::new(),
        }
    }

    fn deepest_operation(&mut self) -> usize {
        let operations = self.operations.clone();
        operations
            .into_iter()
            .map(|selection_set| self.depth(selection_set))
            .max()
            .unwrap_or(0)
    }

    /// Levels of fields below a selection set, not counting inside introspection fields.
    fn depth(&mut self, selection_set: &'a SelectionSet) -> usize {
        let mut deepest = 0;
        for selection in &selection_set.items {
            let depth = match &selection.node {
                Selection::Field(field) => {
                    if INTROSPECTION_FIELDS.contains(&field.node.name.node.as_str()) {
                        1
                    } else {
                        1 + self.depth(&field.node.selection_set.node)
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.depth(&fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment_depth(spread.node.fragment_name.node.as_str())
                }
            };
            deepest = deepest.max(depth);
        }
        deepest
    }

    fn fragment_depth(&mut self, name: &'a str) -> usize {
        match self.fragment_depths.get(name) {
            Some(Some(depth)) => return *depth,
            // In progress: a cycle, refused by validation.
            Some(None) => return 0,
            None => {}
        }
        let Some(fragment) = self.fragments.get(name) else {
            return 0;
        };
        self.fragment_depths.insert(name, None);
        let depth = self.depth(&fragment.node.selection_set.node);
        self.fragment_depths.insert(name, Some(depth));
        depth
    }

    fn most_login_fields_in_an_operation(&mut self) -> usize {
        let operations = self.operations.clone();
        operations
            .into_iter()
            .map(|selection_set| self.login_fields(selection_set))
            .max()
            .unwrap_or(0)
    }

    /// `login` fields at the root of an operation (where `login` lives), aliases and fragments
    /// included, whatever their directives say: `@skip(if: $x)` is not looked into.
    fn login_fields(&mut self, selection_set: &'a SelectionSet) -> usize {
        let mut count = 0usize;
        for selection in &selection_set.items {
            count = count.saturating_add(match &selection.node {
                Selection::Field(field) => usize::from(field.node.name.node == LOGIN_FIELD),
                Selection::InlineFragment(fragment) => {
                    self.login_fields(&fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment_login_fields(spread.node.fragment_name.node.as_str())
                }
            });
        }
        count
    }

    fn fragment_login_fields(&mut self, name: &'a str) -> usize {
        match self.fragment_logins.get(name) {
            Some(Some(count)) => return *count,
            Some(None) => return 0,
            None => {}
        }
        let Some(fragment) = self.fragments.get(name) else {
            return 0;
        };
        self.fragment_logins.insert(name, None);
        let count = self.login_fields(&fragment.node.selection_set.node);
        self.fragment_logins.insert(name, Some(count));
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk_of(query: &str) -> (usize, usize) {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let mut walk = DocumentWalk::new(&document);
        (
            walk.deepest_operation(),
            walk.most_login_fields_in_an_operation(),
        )
    }

    #[test]
    fn depth_counts_fields_through_fragments_but_not_inside_introspection() {
        assert_eq!(walk_of("{ a { b { c } } }").0, 3);
        assert_eq!(
            walk_of("{ a { ...F } } fragment F on T { b { ... on T { c { d } } } }").0,
            4
        );
        assert_eq!(
            walk_of("{ __schema { types { fields { type { ofType { ofType { name } } } } } } }").0,
            1
        );
        assert_eq!(walk_of("{ a { __typename } }").0, 2);
    }

    #[test]
    fn logins_are_counted_through_aliases_and_fragments_and_cycles_end() {
        assert_eq!(
            walk_of("mutation { login(username: \"a\") { token } }").1,
            1
        );
        assert_eq!(
            walk_of("mutation { a: login { token } b: login { token } }").1,
            2
        );
        assert_eq!(
            walk_of("mutation { ...L ...L ... on Mutation { login { token } } } fragment L on Mutation { login { token } }").1,
            3
        );
        // Two operations of one login each: one of them runs.
        assert_eq!(
            walk_of("mutation A { login { token } } mutation B { login { token } }").1,
            1
        );
        assert_eq!(
            walk_of("{ ...A } fragment A on Q { ...B } fragment B on Q { ...A login }"),
            (1, 1)
        );
    }
}
