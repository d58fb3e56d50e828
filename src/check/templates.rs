//! The WhatsApp templates: the cached list and the purposes mapped to it must be readable, and
//! a stored mapping must still name an APPROVED template of the list (after a refresh in which
//! Meta paused, disabled or deleted it, the purpose goes out as if it had none). Not
//! repairable here: an admin maps another template, or refreshes the list.

use super::{Findings, Group};
use crate::domain::templates::TemplatePurpose;
use crate::ledger::Ledger;
use crate::store::{Store, StoreError};

pub(super) fn check_templates(store: &Store, findings: &mut Findings) -> Result<(), StoreError> {
    let catalogue = match store.templates().catalogue() {
        Ok(catalogue) => Some(catalogue),
        Err(StoreError::Codec { reason, .. }) => {
            findings.add(
                Group::Templates,
                format!("the cached template list cannot be read ({reason}); refresh it"),
                None,
            );
            None
        }
        Err(error) => return Err(error),
    };
    for purpose in TemplatePurpose::ALL {
        let mapping = match store.templates().mapping(purpose) {
            Ok(Some(mapping)) => mapping,
            Ok(None) => continue,
            Err(StoreError::Codec { reason, .. }) => {
                findings.add(
                    Group::Templates,
                    format!(
                        "the template mapped to {} cannot be read ({reason})",
                        purpose.as_str()
                    ),
                    None,
                );
                continue;
            }
            Err(error) => return Err(error),
        };
        let Some(catalogue) = &catalogue else {
            continue;
        };
        let named = format!(
            "{} is mapped to template {} ({})",
            purpose.as_str(),
            mapping.name,
            mapping.language
        );
        match catalogue.find(&mapping.name, &mapping.language) {
            None => findings.add(
                Group::Templates,
                format!("{named}, which the cached template list no longer has"),
                None,
            ),
            Some(template) if !template.is_approved() => findings.add(
                Group::Templates,
                format!("{named}, which is {}: it is not sent", template.status),
                None,
            ),
            Some(_) => {}
        }
    }
    Ok(())
}
