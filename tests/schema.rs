//! The committed schema file is the schema the code serves.

#[test]
fn schema_file_matches_the_code() {
    let path = format!("{}/schema/schema.graphql", env!("CARGO_MANIFEST_DIR"));
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = siaga::api::graphql::schema_sdl();
    assert!(
        committed == generated,
        "schema/schema.graphql is out of date: run `cargo run -- schema > schema/schema.graphql` and commit it"
    );
}
