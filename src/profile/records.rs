//! The profile as the domain's records and rules: its units as unit records, its categories as
//! the access rules of the internal-affairs compartment.

use super::{Profile, Unit};
use crate::domain::access::AccessRules;
use crate::domain::unit::{UnitRecord, UnknownUnitKind};

impl Unit {
    /// The stored form of this unit; active from the start.
    pub fn to_record(&self) -> Result<UnitRecord, UnknownUnitKind> {
        UnitRecord::from_description(
            &self.code,
            &self.name,
            &self.kind,
            self.parent.as_deref(),
            &self.covers,
            &self.handles,
        )
    }
}

impl Profile {
    /// Who may see what, from this profile's categories.
    pub fn access_rules(&self) -> AccessRules {
        AccessRules::from_categories(self.categories.iter().map(|category| {
            (
                category.code.as_str(),
                category.group.as_str(),
                category.functional_units.as_slice(),
            )
        }))
    }

    /// Each category's label by its code: the titles the citizen picks from when asked.
    pub fn category_titles(&self) -> std::collections::HashMap<String, String> {
        let categories = self.categories.iter();
        categories
            .map(|category| (category.code.clone(), category.label.clone()))
            .collect()
    }
}
