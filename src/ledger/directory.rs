//! Who works the help desk and where: user accounts by username, units by code, and the
//! generated token signing key.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::unit::UnitRecord;
use crate::domain::user::User;
use crate::store::{Record, Store, StoreError, Table, Tx};

use super::Source;

/// The user accounts (see `Ledger::users`).
pub struct Users<'a, S> {
    pub(super) at: &'a S,
}

impl<S: Source> Users<'_, S> {
    pub fn get(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.at.get_record(Table::Users, username.as_bytes())
    }
}

impl Users<'_, Tx<'_>> {
    /// Saves the account under its username (new or changed).
    pub fn save(&self, user: &User) -> Result<(), StoreError> {
        self.at
            .put_record(Table::Users, user.username.as_bytes(), user)
    }

    pub fn exists(&self, username: &str) -> Result<bool, StoreError> {
        self.at.contains(Table::Users, username.as_bytes())
    }
}

impl Users<'_, Store> {
    pub fn count(&self) -> usize {
        self.at.len(Table::Users)
    }

    /// Every account, by username.
    pub fn all(&self) -> Result<Vec<User>, StoreError> {
        self.at
            .scan_records::<User>(Table::Users, b"")
            .map(|entry| entry.map(|(_, user)| user))
            .collect()
    }
}

/// The units (see `Ledger::units`).
pub struct Units<'a, S> {
    pub(super) at: &'a S,
}

impl<S: Source> Units<'_, S> {
    pub fn get(&self, code: &str) -> Result<Option<UnitRecord>, StoreError> {
        self.at.get_record(Table::Units, code.as_bytes())
    }
}

impl Units<'_, Tx<'_>> {
    /// Saves the unit under its code (new or changed).
    pub fn save(&self, unit: &UnitRecord) -> Result<(), StoreError> {
        self.at.put_record(Table::Units, unit.code.as_bytes(), unit)
    }
}

impl Units<'_, Store> {
    pub fn count(&self) -> usize {
        self.at.len(Table::Units)
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty(Table::Units)
    }

    /// Every unit, by code.
    pub fn all(&self) -> Result<Vec<UnitRecord>, StoreError> {
        let mut records = Vec::with_capacity(self.count());
        for entry in self.at.scan_records::<UnitRecord>(Table::Units, &[]) {
            records.push(entry?.1);
        }
        Ok(records)
    }
}

/// A token signing key generated on first start and kept, so tokens survive restarts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSigningKey {
    pub key_hex: String,
    pub created_at: DateTime<Utc>,
}

impl Record for StoredSigningKey {
    const NAME: &'static str = "generated jwt secret";
}

/// Its place among the store-wide settings.
const SIGNING_KEY: &[u8] = b"jwt_secret";

/// The generated signing key (see `Ledger::signing_keys`).
pub struct SigningKeys<'a, S> {
    pub(super) at: &'a S,
}

impl<S: Source> SigningKeys<'_, S> {
    pub fn get(&self) -> Result<Option<StoredSigningKey>, StoreError> {
        self.at.get_record(Table::Meta, SIGNING_KEY)
    }
}

impl SigningKeys<'_, Tx<'_>> {
    pub fn save(&self, key: &StoredSigningKey) -> Result<(), StoreError> {
        self.at.put_record(Table::Meta, SIGNING_KEY, key)
    }
}
