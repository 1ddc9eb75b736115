//! Users of partner organizations, their roles and API tokens, and the port
//! that keeps them. Secrets never appear here in clear: passwords as PHC
//! strings, tokens as their SHA-256.

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use crate::error::StoreError;
use crate::ids::{OrgId, UserId};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Manages the hub: organizations, collections, users.
    Admin,
    /// Reads and contributes intelligence for its organization.
    Analyst,
    /// A partner's machine or person: reads and contributes through TAXII.
    Partner,
}

impl Role {
    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Analyst => "analyst",
            Self::Partner => "partner",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "admin" => Self::Admin,
            "analyst" => Self::Analyst,
            "partner" => Self::Partner,
            other => return Err(format!("{other:?} is not a role (admin, analyst, partner)")),
        })
    }
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its name.
    pub name: UserId,
    /// The organization it acts for.
    pub org: OrgId,
    /// What it may do.
    pub role: Role,
}

/// An API token as listed (its secret is never kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Its public identifier.
    pub id: String,
    /// Whose it is.
    pub user: UserId,
    /// When it was made (RFC 3339).
    pub created: String,
}

/// Users and tokens.
pub trait Accounts: Send + Sync {
    /// Adds a user with a password hash (PHC string), if it logs in with one.
    fn add_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A user and its password hash.
    fn user(
        &self,
        name: &UserId,
    ) -> impl Future<Output = Result<Option<(User, Option<String>)>, StoreError>> + Send;

    /// Every user, by name.
    fn users(&self) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;

    /// Removes a user and its tokens; whether it existed.
    fn remove_user(&self, name: &UserId) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Records a token by the SHA-256 of its secret.
    fn add_token(
        &self,
        token: &TokenInfo,
        token_hash: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The user a token hash belongs to.
    fn user_by_token(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;

    /// Tokens, of one user or all.
    fn tokens(
        &self,
        user: Option<&UserId>,
    ) -> impl Future<Output = Result<Vec<TokenInfo>, StoreError>> + Send;

    /// Revokes a token; whether it existed.
    fn remove_token(&self, id: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
