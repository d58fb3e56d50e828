//! The territorial unit of a place, by the profile's routing rule: the Polsek covering the
//! kecamatan, else the Polres of the kab/kota.

use std::collections::{HashMap, HashSet};

use crate::profile::{Gazetteer, Unit};

/// Polres per kab/kota and Polsek per (kab/kota, kecamatan), resolved once.
#[derive(Debug, Clone, Default)]
pub(super) struct UnitDirectory {
    polres_by_kab: Vec<Option<String>>,
    polsek_by_kecamatan: HashMap<(usize, usize), String>,
    names: HashMap<String, String>,
}

impl UnitDirectory {
    pub fn new(gazetteer: &Gazetteer, units: &[Unit]) -> UnitDirectory {
        let known: HashSet<&str> = units.iter().map(|unit| unit.code.as_str()).collect();
        let names = units
            .iter()
            .map(|unit| (unit.code.clone(), unit.name.clone()))
            .collect();
        let mut directory = UnitDirectory {
            polres_by_kab: Vec::with_capacity(gazetteer.kabkota.len()),
            polsek_by_kecamatan: HashMap::new(),
            names,
        };
        for (kab, kabkota) in gazetteer.kabkota.iter().enumerate() {
            let polres = kabkota
                .polres
                .clone()
                .filter(|code| known.contains(code.as_str()))
                .or_else(|| unit_covering_kabkota(units, &kabkota.name));
            for (kec, kecamatan) in kabkota.kecamatan.iter().enumerate() {
                let from_gazetteer = kecamatan
                    .polsek
                    .clone()
                    .filter(|code| known.contains(code.as_str()));
                // Kecamatan names repeat across kabupaten ("Pendopo"): only the Polsek under
                // this kabupaten's Polres counts.
                let from_units = || {
                    let polres = polres.as_deref()?;
                    units
                        .iter()
                        .find(|unit| {
                            unit.kind == "territorial"
                                && unit.parent.as_deref() == Some(polres)
                                && unit.covers.iter().any(|covered| covered == &kecamatan.name)
                        })
                        .map(|unit| unit.code.clone())
                };
                if let Some(polsek) = from_gazetteer.or_else(from_units) {
                    directory.polsek_by_kecamatan.insert((kab, kec), polsek);
                }
            }
            directory.polres_by_kab.push(polres);
        }
        directory
    }

    /// The unit code for a place and whether it is a Polsek (true) or the Polres fallback.
    pub fn territorial_unit(&self, kab: usize, kec: Option<usize>) -> Option<(String, bool)> {
        if let Some(polsek) = kec.and_then(|kec| self.polsek_by_kecamatan.get(&(kab, kec))) {
            return Some((polsek.clone(), true));
        }
        let polres = self.polres_by_kab.get(kab)?.clone()?;
        Some((polres, false))
    }

    pub fn name_of(&self, code: &str) -> Option<&str> {
        self.names.get(code).map(String::as_str)
    }
}

/// The territorial unit below the root that covers the whole kab/kota.
fn unit_covering_kabkota(units: &[Unit], kabkota_name: &str) -> Option<String> {
    units
        .iter()
        .find(|unit| {
            unit.kind == "territorial"
                && unit.parent.is_some()
                && unit.covers.iter().any(|covered| covered == kabkota_name)
        })
        .map(|unit| unit.code.clone())
}
