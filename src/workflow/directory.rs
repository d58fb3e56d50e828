//! The unit directory at run time: the unit tree in memory, seeded from the profile on the
//! first start and kept by `ledger::Units`, and its administration by admins (add, rename,
//! activate or deactivate; units are never deleted because old reports name them).

use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::ids::UnitCode;
use std::sync::{Arc, PoisonError, RwLock};

use super::permissions::{Action, require_role};
use super::{Committed, Workflow, refuse};
use crate::domain::unit::{UnitKind, UnitRecord, UnitTree};
use crate::domain::user::Principal;
use crate::error::UserError;
use crate::ledger::Ledger;
use crate::profile::Profile;
use crate::store::{Store, StoreError, Tx, TxError};

const MAX_UNIT_NAME_CHARS: usize = 200;

/// A cheap-to-clone handle on the current unit tree. Readers take a snapshot (`tree()`), which
/// stays consistent however long they hold it; an admin change swaps in a new tree.
#[derive(Clone)]
pub struct UnitDirectory {
    current: Arc<RwLock<Arc<UnitTree>>>,
    /// Unit changes run one at a time, so that the tree in memory is updated in the order the
    /// store committed them.
    administration: Arc<tokio::sync::Mutex<()>>,
}

impl UnitDirectory {
    pub fn new(tree: UnitTree) -> UnitDirectory {
        UnitDirectory {
            current: Arc::new(RwLock::new(Arc::new(tree))),
            administration: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// A snapshot of the tree as it is now.
    pub fn tree(&self) -> Arc<UnitTree> {
        // A panic while swapping cannot leave a half-written tree (the swap is one assignment),
        // so a poisoned lock still holds a sound tree.
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&current)
    }

    /// Loads the units from the store; on the first start (no units stored) seeds them from the
    /// profile and flushes. Later profile changes are not merged: admins own the table then.
    pub fn load_or_seed(store: &Store, profile: &Profile) -> Result<UnitDirectory, StoreError> {
        if store.units().is_empty() {
            let mut records = Vec::with_capacity(profile.units.len());
            for unit in &profile.units {
                let record = unit.to_record().map_err(|error| StoreError::Codec {
                    record: "unit",
                    reason: error.to_string(),
                })?;
                records.push(record);
            }
            crate::ledger::write(store, |tx| {
                for record in &records {
                    tx.units().save(record)?;
                }
                Ok(())
            })?;
            store.flush_blocking()?;
            tracing::info!(units = records.len(), profile = %profile.name, "unit directory seeded from the profile");
            return Ok(UnitDirectory::new(UnitTree::new(records)));
        }
        Ok(UnitDirectory::new(UnitTree::new(store.units().all()?)))
    }

    fn replace_unit(&self, record: UnitRecord) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let mut tree = UnitTree::clone(&current);
        tree.upsert(record);
        *current = Arc::new(tree);
    }
}

impl Workflow {
    /// Adds a unit below `parent`; admins only.
    pub async fn add_unit(
        &self,
        who: &Principal,
        code: UnitCode,
        name: String,
        kind: UnitKind,
        parent: UnitCode,
    ) -> Result<UnitRecord, UserError> {
        require_role(who, Action::AdministerUnits)?;
        let name = validate_unit_name(&name)?;
        let _one_change_at_a_time = self.units.administration.lock().await;
        let who_owned = who.clone();
        let record = self
            .commit(move |_, tx| {
                let who = &who_owned;
                if stored_unit(tx, &code)?.is_some() {
                    return refuse(UserError::conflict(format!("unit {code} already exists")));
                }
                if stored_unit(tx, &parent)?.is_none() {
                    return refuse(UserError::bad_input(format!(
                        "parent unit {parent} does not exist"
                    )));
                }
                let record = UnitRecord {
                    code: code.clone(),
                    name: name.clone(),
                    kind,
                    parent: Some(parent.clone()),
                    active: true,
                    covers: Vec::new(),
                    handles: Vec::new(),
                };
                tx.units().save(&record)?;
                let entry = AuditEntry::by(AuditAction::UnitAdmin, who)
                    .subject(code.as_str())
                    .detail(format!("added under {parent} as {name:?}"));
                tx.audit_log().append(entry)?;
                Ok(Committed::new(record))
            })
            .await?;
        tracing::info!(unit = %record.code, by = %who.username, "unit added");
        self.units.replace_unit(record.clone());
        Ok(record)
    }

    /// Gives a unit a new display name; admins only.
    pub async fn rename_unit(
        &self,
        who: &Principal,
        code: &str,
        name: String,
    ) -> Result<UnitRecord, UserError> {
        require_role(who, Action::AdministerUnits)?;
        let name = validate_unit_name(&name)?;
        let what = format!("renamed to {name:?}");
        self.change_unit(who, code, &what, move |unit| unit.name.clone_from(&name))
            .await
    }

    /// Activates or deactivates a unit; an inactive unit keeps its reports but gets no new
    /// ones. Admins only.
    pub async fn set_unit_active(
        &self,
        who: &Principal,
        code: &str,
        active: bool,
    ) -> Result<UnitRecord, UserError> {
        require_role(who, Action::AdministerUnits)?;
        let what = if active { "activated" } else { "deactivated" };
        self.change_unit(who, code, what, move |unit| unit.active = active)
            .await
    }

    /// Applies `change` (described by `what` in the audit trail) to a stored unit.
    async fn change_unit(
        &self,
        who: &Principal,
        code: &str,
        what: &str,
        change: impl Fn(&mut UnitRecord) + Send + 'static,
    ) -> Result<UnitRecord, UserError> {
        let _one_change_at_a_time = self.units.administration.lock().await;
        let who_owned = who.clone();
        let code_owned = code.to_string();
        let what_owned = what.to_string();
        let record = self
            .commit(move |_, tx| {
                let who = &who_owned;
                let code = code_owned.as_str();
                let what = what_owned.as_str();
                let Some(mut unit) = stored_unit(tx, code)? else {
                    return refuse(UserError::not_found(&format!("unit {code}")));
                };
                change(&mut unit);
                tx.units().save(&unit)?;
                let entry = AuditEntry::by(AuditAction::UnitAdmin, who)
                    .subject(code)
                    .detail(what);
                tx.audit_log().append(entry)?;
                Ok(Committed::new(unit))
            })
            .await?;
        tracing::info!(unit = %record.code, name = %record.name, active = record.active, by = %who.username, "unit changed");
        self.units.replace_unit(record.clone());
        Ok(record)
    }
}

fn stored_unit(tx: &Tx<'_>, code: &str) -> Result<Option<UnitRecord>, TxError<UserError>> {
    Ok(tx.units().get(code)?)
}

fn validate_unit_name(name: &str) -> Result<String, UserError> {
    let name = name.trim();
    let length = name.chars().count();
    if length == 0 || length > MAX_UNIT_NAME_CHARS {
        return Err(UserError::bad_input(format!(
            "a unit name has 1 to {MAX_UNIT_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_string())
}
