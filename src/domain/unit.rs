//! The unit directory as data: police units (functional directorates, territorial Polres and
//! Polsek) and the tree they form, with the ancestry questions visibility rules ask of it.

use crate::domain::ids::UnitCode;
use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

/// Whether a unit is a specialised function (crime, traffic, internal affairs …) or covers a
/// territory (Polda, Polres, Polsek).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    Functional,
    Territorial,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Functional => "functional",
            UnitKind::Territorial => "territorial",
        }
    }

    /// Reads the profile's spelling (`functional`, `territorial`), ignoring case.
    pub fn parse(text: &str) -> Option<UnitKind> {
        [UnitKind::Functional, UnitKind::Territorial]
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// One unit as stored (by `ledger::Units`), keyed by its code. Seeded from the profile, then
/// changed by admins (added, renamed, deactivated; never deleted, because old reports name it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRecord {
    pub code: UnitCode,
    pub name: String,
    pub kind: UnitKind,
    #[serde(default)]
    pub parent: Option<UnitCode>,
    /// Inactive units keep their reports but receive no new ones.
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// The places (kabupaten, kecamatan) a territorial unit covers.
    #[serde(default)]
    pub covers: Vec<String>,
    /// The report categories the unit handles.
    #[serde(default)]
    pub handles: Vec<String>,
}

fn active_by_default() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unit {code} has the unknown kind {kind:?} (expected functional or territorial)")]
pub struct UnknownUnitKind {
    pub code: String,
    pub kind: String,
}

impl UnitRecord {
    /// A unit as a profile describes it (its kind as text), active from the start.
    pub fn from_description(
        code: &str,
        name: &str,
        kind: &str,
        parent: Option<&str>,
        covers: &[String],
        handles: &[String],
    ) -> Result<UnitRecord, UnknownUnitKind> {
        let Some(parsed_kind) = UnitKind::parse(kind) else {
            return Err(UnknownUnitKind {
                code: code.to_string(),
                kind: kind.to_string(),
            });
        };
        // The embedded profile is the project's own data; its test checks every code parses.
        Ok(UnitRecord {
            code: UnitCode::trusted(code),
            name: name.to_string(),
            kind: parsed_kind,
            parent: parent.map(UnitCode::trusted),
            active: true,
            covers: covers.to_vec(),
            handles: handles.to_vec(),
        })
    }
}

/// The units as a tree, for lookups and ancestry. Built from records in any order; a parent
/// code that names no unit makes its child a root, and a cycle in the parent links (which only
/// a corrupted store could hold) never makes a walk loop forever.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitTree {
    units_by_code: BTreeMap<UnitCode, UnitRecord>,
    /// Children codes by parent code, each list sorted by code.
    children_by_parent: BTreeMap<UnitCode, Vec<UnitCode>>,
}

impl UnitTree {
    pub fn new(records: impl IntoIterator<Item = UnitRecord>) -> UnitTree {
        let mut tree = UnitTree::default();
        for record in records {
            tree.units_by_code.insert(record.code.clone(), record);
        }
        tree.rebuild_children();
        tree
    }

    /// Adds a unit or replaces the one with the same code.
    pub fn upsert(&mut self, record: UnitRecord) {
        self.units_by_code.insert(record.code.clone(), record);
        self.rebuild_children();
    }

    fn rebuild_children(&mut self) {
        self.children_by_parent.clear();
        // `units_by_code` iterates in code order, so every child list comes out sorted.
        for unit in self.units_by_code.values() {
            if let Some(parent) = &unit.parent {
                self.children_by_parent
                    .entry(parent.clone())
                    .or_default()
                    .push(unit.code.clone());
            }
        }
    }

    pub fn len(&self) -> usize {
        self.units_by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units_by_code.is_empty()
    }

    pub fn get(&self, code: &str) -> Option<&UnitRecord> {
        self.units_by_code.get(code)
    }

    pub fn contains(&self, code: &str) -> bool {
        self.units_by_code.contains_key(code)
    }

    /// The direct children of `code`, sorted by code; empty for a leaf or an unknown code.
    pub fn children(&self, code: &str) -> Vec<&UnitRecord> {
        let Some(child_codes) = self.children_by_parent.get(code) else {
            return Vec::new();
        };
        child_codes
            .iter()
            .filter_map(|child_code| self.units_by_code.get(child_code))
            .collect()
    }

    /// Units without a known parent, sorted by code (the Polda, for a sound profile).
    pub fn roots(&self) -> Vec<&UnitRecord> {
        self.units_by_code
            .values()
            .filter(|unit| {
                unit.parent
                    .as_deref()
                    .is_none_or(|parent| !self.units_by_code.contains_key(parent))
            })
            .collect()
    }

    /// Every unit, sorted by code.
    pub fn all(&self) -> Vec<&UnitRecord> {
        self.units_by_code.values().collect()
    }

    /// Whether `code` is `ancestor` or lies below it. Unknown codes are within nothing.
    pub fn is_within(&self, code: &str, ancestor: &str) -> bool {
        if !self.units_by_code.contains_key(ancestor) {
            return false;
        }
        self.ancestry(code).any(|unit| unit.code == ancestor)
    }

    /// The units from the root down to `code` (both included); empty for an unknown code.
    pub fn path(&self, code: &str) -> Vec<&UnitRecord> {
        let mut path: Vec<&UnitRecord> = self.ancestry(code).collect();
        path.reverse();
        path
    }

    /// Every unit at or below `code`, sorted by code; empty for an unknown code.
    pub fn subtree(&self, code: &str) -> Vec<&UnitRecord> {
        self.units_by_code
            .values()
            .filter(|unit| self.is_within(&unit.code, code))
            .collect()
    }

    /// `code` and then its parents upwards, each unit at most once.
    fn ancestry<'tree>(&'tree self, code: &str) -> impl Iterator<Item = &'tree UnitRecord> {
        let mut visited: HashSet<&'tree str> = HashSet::new();
        let mut next = self.units_by_code.get(code);
        std::iter::from_fn(move || {
            let unit = next?;
            if !visited.insert(unit.code.as_str()) {
                // A cycle: every unit on it has been yielded once, which is all a walk needs.
                return None;
            }
            next = unit
                .parent
                .as_deref()
                .and_then(|parent| self.units_by_code.get(parent));
            Some(unit)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, parent: Option<&str>) -> UnitRecord {
        UnitRecord {
            code: UnitCode::trusted(code),
            name: format!("Unit {code}"),
            kind: UnitKind::Territorial,
            parent: parent.map(UnitCode::trusted),
            active: true,
            covers: Vec::new(),
            handles: Vec::new(),
        }
    }

    fn small_tree() -> UnitTree {
        UnitTree::new([
            unit("POLSEK_B", Some("POLRES_A")),
            unit("POLDA", None),
            unit("POLRES_A", Some("POLDA")),
            unit("POLSEK_A", Some("POLRES_A")),
            unit("POLRES_B", Some("POLDA")),
        ])
    }

    fn codes(units: Vec<&UnitRecord>) -> Vec<&str> {
        units.into_iter().map(|unit| unit.code.as_str()).collect()
    }

    #[test]
    fn lookups_children_roots_and_all_are_sorted_by_code() {
        let tree = small_tree();
        assert_eq!(tree.len(), 5);
        assert_eq!(tree.get("POLRES_A").unwrap().name, "Unit POLRES_A");
        assert!(tree.get("NOPE").is_none());
        assert_eq!(codes(tree.children("POLRES_A")), ["POLSEK_A", "POLSEK_B"]);
        assert_eq!(codes(tree.children("POLDA")), ["POLRES_A", "POLRES_B"]);
        assert!(tree.children("POLSEK_A").is_empty());
        assert!(tree.children("NOPE").is_empty());
        assert_eq!(codes(tree.roots()), ["POLDA"]);
        assert_eq!(
            codes(tree.all()),
            ["POLDA", "POLRES_A", "POLRES_B", "POLSEK_A", "POLSEK_B"]
        );
    }

    #[test]
    fn a_unit_is_within_itself_and_its_ancestors_only() {
        let tree = small_tree();
        assert!(tree.is_within("POLSEK_A", "POLSEK_A"));
        assert!(tree.is_within("POLSEK_A", "POLRES_A"));
        assert!(tree.is_within("POLSEK_A", "POLDA"));
        assert!(!tree.is_within("POLSEK_A", "POLSEK_B"), "siblings");
        assert!(!tree.is_within("POLSEK_A", "POLRES_B"), "another branch");
        assert!(
            !tree.is_within("POLRES_A", "POLSEK_A"),
            "parents are not below children"
        );
        assert!(
            !tree.is_within("NOPE", "NOPE"),
            "unknown codes are within nothing"
        );
        assert!(!tree.is_within("POLSEK_A", "NOPE"));
    }

    #[test]
    fn path_runs_from_the_root_down_to_the_unit() {
        let tree = small_tree();
        assert_eq!(
            codes(tree.path("POLSEK_B")),
            ["POLDA", "POLRES_A", "POLSEK_B"]
        );
        assert_eq!(codes(tree.path("POLDA")), ["POLDA"]);
        assert!(tree.path("NOPE").is_empty());
        assert_eq!(
            codes(tree.subtree("POLRES_A")),
            ["POLRES_A", "POLSEK_A", "POLSEK_B"]
        );
    }

    #[test]
    fn a_cyclic_input_ends_every_walk() {
        let tree = UnitTree::new([
            unit("A", Some("C")),
            unit("B", Some("A")),
            unit("C", Some("B")),
            unit("SELF", Some("SELF")),
        ]);
        assert!(tree.is_within("A", "B"));
        assert!(!tree.is_within("A", "SELF"));
        assert_eq!(codes(tree.path("A")), ["B", "C", "A"]);
        assert_eq!(codes(tree.path("SELF")), ["SELF"]);
        assert!(tree.roots().is_empty(), "a cycle has no root");
    }

    #[test]
    fn an_unknown_parent_makes_a_root_and_upsert_moves_a_unit() {
        let mut tree = UnitTree::new([unit("ORPHAN", Some("GONE")), unit("POLDA", None)]);
        assert_eq!(codes(tree.roots()), ["ORPHAN", "POLDA"]);
        tree.upsert(unit("ORPHAN", Some("POLDA")));
        assert_eq!(codes(tree.roots()), ["POLDA"]);
        assert_eq!(codes(tree.children("POLDA")), ["ORPHAN"]);
    }

    #[test]
    fn the_sumsel_profile_builds_one_tree_of_194_units() {
        let profile = crate::profile::Profile::load("sumsel").unwrap();
        let records: Vec<UnitRecord> = profile
            .units
            .iter()
            .map(|unit| unit.to_record().unwrap())
            .collect();
        let tree = UnitTree::new(records);
        assert_eq!(tree.len(), 194);
        assert_eq!(codes(tree.roots()), ["POLDA_SUMSEL"]);
        assert_eq!(tree.get("BIDPROPAM").unwrap().kind, UnitKind::Functional);
        assert!(tree.is_within("POLSEK_PLG_ILIR_BARAT_I", "POLRESTABES_PALEMBANG"));
        assert!(tree.is_within("POLSEK_PLG_ILIR_BARAT_I", "POLDA_SUMSEL"));
        for unit in tree.all() {
            assert_eq!(
                tree.path(&unit.code)[0].code,
                "POLDA_SUMSEL",
                "{}",
                unit.code
            );
        }
    }

    #[test]
    fn a_profile_unit_of_unknown_kind_is_refused() {
        let profile_unit: crate::profile::Unit = serde_json::from_value(serde_json::json!({
            "code": "X", "name": "X", "kind": "regional", "parent": null
        }))
        .unwrap();
        let error = profile_unit.to_record().unwrap_err();
        assert!(error.to_string().contains("regional"), "{error}");
        assert_eq!(UnitKind::parse(" Functional "), Some(UnitKind::Functional));
    }
}
