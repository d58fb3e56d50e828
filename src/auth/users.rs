//! User administration (accounts kept by `ledger::Users`): accounts, passwords, roles, units and activation.
//!
//! The caller (GraphQL, the command line) decides who may do this and that a unit exists; these
//! functions check the data and keep at least one active admin.

use std::sync::PoisonError;

use chrono::Utc;

use super::Auth;
use super::password::{check_new_password, hash_password};
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::ids::UnitCode;
use crate::domain::user::{Role, User, valid_username};
use crate::error::UserError;
use crate::ledger::Ledger;
use crate::store::{Store, TxError};

const LONGEST_DISPLAY_NAME_CHARS: usize = 100;

/// Adds a user to the store of a stopped server (`siaga user add`): no runtime needed, the
/// password is hashed on the calling thread and the write is flushed before returning.
pub fn add_user_offline(
    store: &Store,
    username: &str,
    password: &str,
    role: Role,
    unit: Option<UnitCode>,
) -> Result<User, UserError> {
    let checked = check_new_user(username, password, role, unit, None)?;
    let password_hash = hash_password(password)?;
    let entry = AuditEntry::new(AuditAction::UserAdmin, None)
        .subject(checked.username.clone())
        .detail(format!(
            "created as {} (siaga user add, command line)",
            role.as_str()
        ));
    let user = insert_new_user(store, checked.into_user(password_hash), Some(&entry))?;
    store.flush_blocking()?;
    tracing::info!(username = %user.username, role = user.role.as_str(), "user created");
    Ok(user)
}

impl Auth {
    /// This handle, writing `entry` to the audit trail in the transaction of the next user
    /// change it makes (create, password, activation, role): an administration action and its
    /// record are durable together or not at all.
    pub fn recording(&self, entry: AuditEntry) -> Auth {
        Auth {
            audit_entry: Some(entry),
            ..self.clone()
        }
    }

    /// Creates an active user. The username must follow `valid_username`, the password be 10 to
    /// 256 characters, and an officer have a unit; a taken username is a CONFLICT.
    pub async fn create_user(
        &self,
        username: &str,
        password: &str,
        role: Role,
        unit: Option<UnitCode>,
        display_name: Option<String>,
    ) -> Result<User, UserError> {
        let checked = check_new_user(username, password, role, unit, display_name)?;
        // Answer a taken username before spending a hash on it; the transaction checks again.
        if self.user(username)?.is_some() {
            return Err(username_taken(username));
        }
        let password_hash = self.hash_password_off_thread(password).await?;
        let (store, audit) = (self.store().clone(), self.audit_entry.clone());
        let user = checked.into_user(password_hash);
        let user = off_the_runtime(move || insert_new_user(&store, user, audit.as_ref())).await?;
        self.store().flush().await?;
        tracing::info!(username = %user.username, role = user.role.as_str(), "user created");
        Ok(user)
    }

    /// Replaces a user's password and ends every session of the user. Failed sign-ins remembered
    /// for the username are forgotten, so a user locked out by someone guessing can sign in at
    /// once with the new password.
    pub async fn set_password(&self, username: &str, password: &str) -> Result<User, UserError> {
        check_new_password(password)?;
        if self.user(username)?.is_none() {
            return Err(UserError::not_found("user"));
        }
        let password_hash = self.hash_password_off_thread(password).await?;
        let (store, audit) = (self.store().clone(), self.audit_entry.clone());
        let name = username.to_string();
        let user = off_the_runtime(move || {
            update_user(&store, &name, audit.as_ref(), |user| {
                user.password_hash.clone_from(&password_hash);
                // A reset is how a leaked password is answered: the tokens it got must go too.
                end_sessions(user);
            })
        })
        .await?;
        self.store().flush().await?;
        self.throttle.forget(username);
        tracing::info!(%username, "password changed");
        Ok(user)
    }

    /// Activates or deactivates a user; a deactivated user's tokens stop working at once and
    /// stay dead after a reactivation. Deactivating the last active admin is a CONFLICT.
    pub async fn set_active(&self, username: &str, active: bool) -> Result<User, UserError> {
        let (this, username) = (self.clone(), username.to_string());
        off_the_runtime(move || this.set_active_blocking(&username, active)).await
    }

    fn set_active_blocking(&self, username: &str, active: bool) -> Result<User, UserError> {
        let _one_role_change_at_a_time = self
            .shared
            .user_role_changes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !active {
            self.refuse_removing_the_last_admin(username)?;
        }
        let user = update_user(self.store(), username, self.audit_entry.as_ref(), |user| {
            if user.active != active {
                end_sessions(user);
            }
            user.active = active;
        })?;
        // Flushed before answering: a deactivation lost in a crash would bring back access.
        // Admin changes are rare and one small fsync is short.
        self.store().flush_blocking()?;
        tracing::info!(%username, active, "user activation changed");
        Ok(user)
    }

    /// Changes a user's role and unit (an officer needs a unit; other roles may have one or
    /// not). A real change ends the user's sessions, open subscriptions included, so that the
    /// user signs in again under the new access. Demoting the last active admin is a CONFLICT.
    pub async fn set_role(
        &self,
        username: &str,
        role: Role,
        unit: Option<UnitCode>,
    ) -> Result<User, UserError> {
        let (this, username) = (self.clone(), username.to_string());
        off_the_runtime(move || this.set_role_blocking(&username, role, unit)).await
    }

    fn set_role_blocking(
        &self,
        username: &str,
        role: Role,
        unit: Option<UnitCode>,
    ) -> Result<User, UserError> {
        check_unit_for_role(role, unit.as_deref())?;
        let _one_role_change_at_a_time = self
            .shared
            .user_role_changes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if role != Role::Admin {
            self.refuse_removing_the_last_admin(username)?;
        }
        let user = update_user(self.store(), username, self.audit_entry.as_ref(), |user| {
            if user.role != role || user.unit != unit {
                end_sessions(user);
            }
            user.role = role;
            user.unit.clone_from(&unit);
        })?;
        self.store().flush_blocking()?;
        tracing::info!(%username, role = role.as_str(), unit = ?user.unit, "user role changed");
        Ok(user)
    }

    pub fn user(&self, username: &str) -> Result<Option<User>, UserError> {
        Ok(self.store().users().get(username)?)
    }

    /// Every user, sorted by username.
    pub fn list_users(&self) -> Result<Vec<User>, UserError> {
        let mut users = self.store().users().all()?;
        users.sort_by(|left, right| left.username.cmp(&right.username));
        Ok(users)
    }

    pub fn user_count(&self) -> usize {
        self.store().users().count()
    }

    /// Refuses a change that would take away `username`'s admin access when no other active
    /// admin remains: nobody could then manage users without stopping the server.
    fn refuse_removing_the_last_admin(&self, username: &str) -> Result<(), UserError> {
        let Some(target) = self.user(username)? else {
            // The update itself answers NOT_FOUND.
            return Ok(());
        };
        if !(target.active && target.role == Role::Admin) {
            return Ok(());
        }
        let another_active_admin_exists = self.list_users()?.iter().any(|user| {
            user.active && user.role == Role::Admin && user.username != target.username
        });
        if another_active_admin_exists {
            return Ok(());
        }
        Err(UserError::conflict(format!(
            "{username} is the last active admin; make another user admin first"
        )))
    }
}

/// The checked fields of a new account, before its password is hashed.
struct CheckedNewUser {
    username: String,
    role: Role,
    unit: Option<UnitCode>,
    display_name: Option<String>,
}

impl CheckedNewUser {
    fn into_user(self, password_hash: String) -> User {
        User {
            username: self.username,
            password_hash,
            role: self.role,
            unit: self.unit,
            active: true,
            created_at: Utc::now(),
            display_name: self.display_name,
            token_generation: 0,
        }
    }
}

fn check_new_user(
    username: &str,
    password: &str,
    role: Role,
    unit: Option<UnitCode>,
    display_name: Option<String>,
) -> Result<CheckedNewUser, UserError> {
    if !valid_username(username) {
        return Err(UserError::bad_input(
            "username must be 3 to 32 characters of lowercase letters, digits, '.', '_' or '-'",
        ));
    }
    check_new_password(password)?;
    check_unit_for_role(role, unit.as_deref())?;
    let display_name = non_empty_trimmed(display_name);
    if let Some(name) = &display_name
        && name.chars().count() > LONGEST_DISPLAY_NAME_CHARS
    {
        return Err(UserError::bad_input(format!(
            "display name must be at most {LONGEST_DISPLAY_NAME_CHARS} characters"
        )));
    }
    Ok(CheckedNewUser {
        username: username.to_string(),
        role,
        unit,
        display_name,
    })
}

fn check_unit_for_role(role: Role, unit: Option<&str>) -> Result<(), UserError> {
    if role == Role::Officer && unit.is_none() {
        return Err(UserError::bad_input(
            "an officer needs a unit: the unit whose reports they work",
        ));
    }
    Ok(())
}

fn non_empty_trimmed(value: Option<String>) -> Option<String> {
    value
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty())
}

/// Makes every token issued to `user` so far invalid (see `User::token_generation`).
fn end_sessions(user: &mut User) {
    user.token_generation = user.token_generation.saturating_add(1);
}

fn username_taken(username: &str) -> UserError {
    UserError::conflict(format!("username {username} is already taken"))
}

fn into_user_error(error: TxError<UserError>) -> UserError {
    match error {
        TxError::Abort(user_error) => user_error,
        TxError::Store(store_error) => store_error.into(),
    }
}

/// Runs a user change (a transaction, and for some a flush) on a blocking thread, so that the
/// runtime's workers go on serving while it waits for sled's lock.
async fn off_the_runtime<T: Send + 'static>(
    change: impl FnOnce() -> Result<T, UserError> + Send + 'static,
) -> Result<T, UserError> {
    tokio::task::spawn_blocking(change)
        .await
        .map_err(|error| UserError::internal(&format_args!("a user change failed: {error}")))?
}

fn insert_new_user(
    store: &Store,
    user: User,
    audit: Option<&AuditEntry>,
) -> Result<User, UserError> {
    store
        .transaction(|tx| {
            if tx.users().exists(&user.username)? {
                return Err(TxError::Abort(username_taken(&user.username)));
            }
            tx.users().save(&user)?;
            if let Some(entry) = audit {
                tx.audit_log().append(entry.clone())?;
            }
            Ok(())
        })
        .map_err(into_user_error)?;
    Ok(user)
}

/// Applies `change` to the stored user in one transaction and returns the result.
fn update_user(
    store: &Store,
    username: &str,
    audit: Option<&AuditEntry>,
    change: impl Fn(&mut User),
) -> Result<User, UserError> {
    store
        .transaction(|tx| {
            let Some(mut user) = tx.users().get(username)? else {
                return Err(TxError::Abort(UserError::not_found("user")));
            };
            change(&mut user);
            tx.users().save(&user)?;
            if let Some(entry) = audit {
                tx.audit_log().append(entry.clone())?;
            }
            Ok(user)
        })
        .map_err(into_user_error)
}
