//! The house rules of `src/`, read from the source: which top-level module may use which, and
//! which module alone may name a storage or search engine. A change that breaks one fails here
//! with the file that broke it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Source files of `src/` without their unit tests, by top-level module.
fn sources() -> Vec<(String, PathBuf, String)> {
    read_sources(false)
}

/// Source files of `src/` by top-level module; with `with_tests`, unit tests included.
fn read_sources(with_tests: bool) -> Vec<(String, PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            if path.extension().is_none_or(|extension| extension != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&root).unwrap();
            let first = relative.components().next().unwrap().as_os_str();
            let top = first.to_string_lossy().trim_end_matches(".rs").to_string();
            let is_test_file = relative.components().any(|part| {
                let part = part.as_os_str().to_string_lossy();
                part == "tests" || part.starts_with("tests_") || part == "tests.rs"
            });
            if top == "lib" || (!with_tests && (top == "main" || is_test_file)) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // Unit tests sit at the end of a file, behind `#[cfg(test)] mod tests`.
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(start) if !with_tests => text[..start].to_string(),
                _ => text,
            };
            found.push((top, relative.to_path_buf(), code));
        }
    }
    found
}

/// Lines of code, comments left out.
fn code_lines(code: &str) -> impl Iterator<Item = &str> {
    code.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//"))
}

/// Top-level module -> the top-level modules it names, each with a file that does.
fn module_graph() -> BTreeMap<String, BTreeMap<String, PathBuf>> {
    let mut graph: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
    for (top, path, code) in sources() {
        for line in code_lines(&code) {
            for (offset, _) in line.match_indices("crate::") {
                let target: String = line[offset + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !target.is_empty() && target != top {
                    graph
                        .entry(top.clone())
                        .or_default()
                        .entry(target)
                        .or_insert_with(|| path.clone());
                }
            }
        }
    }
    graph
}

/// Whether `to` can be reached from `from` in `graph`.
fn reaches(graph: &BTreeMap<String, BTreeMap<String, PathBuf>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(module) = stack.pop() {
        if module == to {
            return true;
        }
        if seen.insert(module.clone())
            && let Some(targets) = graph.get(&module)
        {
            stack.extend(targets.keys().cloned());
        }
    }
    false
}

#[test]
fn no_two_top_level_modules_depend_on_each_other_in_a_circle() {
    let graph = module_graph();
    let mut circles = Vec::new();
    for (from, targets) in &graph {
        for (to, file) in targets {
            if reaches(&graph, to, from) {
                circles.push(format!(
                    "{from} -> {to} (in src/{}) closes a circle",
                    file.display()
                ));
            }
        }
    }
    assert!(circles.is_empty(), "{}", circles.join("\n"));
}

#[test]
fn the_domain_is_plain_data_and_rules() {
    let graph = module_graph();
    let allowed = ["error"];
    for (target, file) in graph.get("domain").into_iter().flatten() {
        assert!(
            allowed.contains(&target.as_str()),
            "src/{} makes the domain depend on {target}",
            file.display()
        );
    }
}

#[test]
fn only_store_names_sled_and_only_search_names_tantivy() {
    for (top, path, code) in sources() {
        for line in code_lines(&code) {
            if line.contains("sled::") || line.starts_with("use sled") {
                assert_eq!(top, "store", "src/{} names sled: {line}", path.display());
            }
            if line.contains("tantivy::") || line.starts_with("use tantivy") {
                assert_eq!(
                    top,
                    "search",
                    "src/{} names tantivy: {line}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn only_the_ledger_and_the_store_know_tables_and_keys() {
    let key_words = [
        "Table::",
        "store::keys",
        "u64_key",
        "KeyBuilder",
        "read_u64",
        "get_record",
        "put_record",
        "scan_records",
        "scan_prefix",
    ];
    for (top, path, code) in read_sources(true) {
        if top == "store" || top == "ledger" {
            continue;
        }
        for line in code_lines(&code) {
            for word in key_words {
                assert!(
                    !names(line, word),
                    "src/{} reaches past the ledger ({word}): {line}",
                    path.display()
                );
            }
        }
    }
}

/// Whether `line` has `word` as a whole word at its start (`SlangTable::` is not `Table::`).
fn names(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(offset, _)| {
        line[..offset]
            .chars()
            .next_back()
            .is_none_or(|before| !(before.is_ascii_alphanumeric() || before == '_'))
    })
}
