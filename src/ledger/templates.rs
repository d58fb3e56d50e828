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

/// The key of another business account's list (the default account's is `CATALOGUE`).
fn account_key(account: &str) -> Vec<u8> {
    format!("catalogue:{account}").into_bytes()
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

    /// The cached list of the WhatsApp Business Account `account` (`None`: the default
    /// number's account, whose list is `catalogue`).
    pub fn catalogue_of(&self, account: Option<&str>) -> Result<TemplateCatalogue, StoreError> {
        let Some(account) = account else {
            return self.catalogue();
        };
        Ok(self
            .at
            .get_record(Table::WhatsAppTemplates, &account_key(account))?
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

    /// Stores the list of `account` (`None`: the default number's account).
    pub fn save_catalogue_of(
        &self,
        account: Option<&str>,
        catalogue: &TemplateCatalogue,
    ) -> Result<(), StoreError> {
        match account {
            None => self.save_catalogue(catalogue),
            Some(account) => {
                self.at
                    .put_record(Table::WhatsAppTemplates, &account_key(account), catalogue)
            }
        }
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
