//! The cached list of WhatsApp message templates and the admins' mapping of purposes to them.

use crate::domain::templates::{PurposeMapping, TemplateCatalogue, TemplatePurpose};
use crate::store::{Record, StoreError, Table, Tx};

use super::Source;

const CATALOGUE: &[u8] = b"catalogue";

impl Record for TemplateCatalogue {
    const NAME: &'static str = "template catalogue";
}

impl Record for PurposeMapping {
    const NAME: &'static str = "template purpose";
}

fn purpose_key(purpose: TemplatePurpose) -> Vec<u8> {
    format!("purpose:{}", purpose.as_str()).into_bytes()
}

/// The templates and their purposes (see `Ledger::templates`).
pub struct Templates<'a, S> {
    pub(super) at: &'a S,
}

impl<S: Source> Templates<'_, S> {
    /// The cached list; empty before the first refresh.
    pub fn catalogue(&self) -> Result<TemplateCatalogue, StoreError> {
        Ok(self
            .at
            .get_record(Table::WhatsAppTemplates, CATALOGUE)?
            .unwrap_or_default())
    }

    /// The template an admin mapped to `purpose`, if any.
    pub fn mapping(&self, purpose: TemplatePurpose) -> Result<Option<PurposeMapping>, StoreError> {
        self.at
            .get_record(Table::WhatsAppTemplates, &purpose_key(purpose))
    }
}

impl Templates<'_, Tx<'_>> {
    pub fn save_catalogue(&self, catalogue: &TemplateCatalogue) -> Result<(), StoreError> {
        self.at
            .put_record(Table::WhatsAppTemplates, CATALOGUE, catalogue)
    }

    pub fn save_mapping(&self, mapping: &PurposeMapping) -> Result<(), StoreError> {
        self.at.put_record(
            Table::WhatsAppTemplates,
            &purpose_key(mapping.purpose),
            mapping,
        )
    }

    pub fn clear_mapping(&self, purpose: TemplatePurpose) -> Result<(), StoreError> {
        self.at
            .remove(Table::WhatsAppTemplates, &purpose_key(purpose))
    }
}
