//! The WhatsApp templates: the cached list and the purposes mapped to it must be readable, and
//! a stored mapping must still name an APPROVED template of the list (after a refresh in which
//! Meta paused, disabled or deleted it, the purpose goes out as if it had none). Not
//! repairable here: an admin maps another template, or refreshes the list. Each business
//! account of the configured numbers has its own list (`check_template_accounts`).

use super::{Findings, Group};
use crate::domain::templates::TemplatePurpose;
use crate::ledger::Ledger;
use crate::store::{Store, StoreError};

pub(super) fn check_templates(store: &Store, findings: &mut Findings) -> Result<(), StoreError> {
    check_account(store, None, findings)
}

/// The lists of the business accounts other than the default number's (`accounts`: their
/// ids, as `ChannelDirectory::template_account` gives them), each against the mapped
/// purposes: a number of that account sends a purpose only as a template of its own list.
pub fn check_template_accounts(
    store: &Store,
    accounts: &[String],
    findings: &mut Findings,
) -> Result<(), StoreError> {
    for account in accounts {
        check_account(store, Some(account), findings)?;
    }
    Ok(())
}

/// One account's cached list (`None`: the default account's) and the mappings against it.
fn check_account(
    store: &Store,
    account: Option<&str>,
    findings: &mut Findings,
) -> Result<(), StoreError> {
    let list = match account {
        None => "the cached template list".to_string(),
        Some(account) => format!("the cached template list of business account {account}"),
    };
    let catalogue = match store.templates().catalogue_of(account) {
        Ok(catalogue) => Some(catalogue),
        Err(StoreError::Codec { reason, .. }) => {
            findings.add(
                Group::Templates,
                format!("{list} cannot be read ({reason}); refresh it"),
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
            // An unreadable mapping is one problem, found with the default account's list.
            Err(StoreError::Codec { .. }) if account.is_some() => continue,
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
                format!("{named}, which {list} no longer has"),
                None,
            ),
            Some(template) if !template.is_approved() => findings.add(
                Group::Templates,
                match account {
                    None => format!("{named}, which is {}: it is not sent", template.status),
                    Some(account) => format!(
                        "{named}, which is {} in business account {account}: its numbers do not send it",
                        template.status
                    ),
                },
                None,
            ),
            Some(_) => {}
        }
    }
    Ok(())
}
