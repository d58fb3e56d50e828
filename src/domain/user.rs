//! Users of the operator API, their roles, and the principal a request acts as.

use crate::domain::ids::UnitCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Supervisor,
    Operator,
    Officer,
    Analyst,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Supervisor,
        Role::Operator,
        Role::Officer,
        Role::Analyst,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Operator => "operator",
            Role::Officer => "officer",
            Role::Analyst => "analyst",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub role: Role,
    /// Required for officers: the unit whose (and whose sub-units') reports they work.
    #[serde(default)]
    pub unit: Option<UnitCode>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// Raised whenever the user's access changes (password, activation, role, unit); a token
    /// carries the generation it was issued in, and a token of another generation is refused.
    /// Users stored before generations existed load as generation 0.
    #[serde(default)]
    pub token_generation: u64,
}

/// Who is acting: a signed-in user as their token says, checked against the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub username: String,
    pub role: Role,
    pub unit: Option<UnitCode>,
}

impl Principal {
    pub fn actor(&self) -> crate::domain::timeline::Actor {
        crate::domain::timeline::Actor::User(self.username.clone())
    }
}

/// Usernames: 3 to 32 characters of lowercase letters, digits, `.`, `_` and `-`.
pub fn valid_username(username: &str) -> bool {
    (3..=32).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}
