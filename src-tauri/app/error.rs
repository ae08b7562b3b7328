//! The one error type that crosses IPC: a stable code for the UI to branch on,
//! a message that says what to do, and the field it concerns when there is one.

use crate::service::ServiceError;
use crate::service::StoreError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CommandError {
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl CommandError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
        }
    }
}

impl From<ServiceError> for CommandError {
    fn from(e: ServiceError) -> Self {
        let message = e.to_string();
        match e {
            ServiceError::Invalid(i) => Self {
                code: "invalid_input",
                message: i.message,
                field: Some(i.field),
            },
            ServiceError::Store(
                StoreError::WorkspaceNotFound(_)
                | StoreError::ConnectionNotFound(_)
                | StoreError::ExpenseNotFound(_)
                | StoreError::GoalNotFound(_),
            ) => Self::new("not_found", message),
            ServiceError::Store(StoreError::WorkspaceExists(_)) => Self {
                code: "conflict",
                message,
                field: Some("name".into()),
            },
            ServiceError::Store(_) | ServiceError::Paths(_) => {
                tracing::warn!(error = %message, "a command failed on storage");
                Self::new("storage", message)
            }
            ServiceError::Export(_) => Self::new("export", message),
            ServiceError::Backup(_) => Self::new("backup", message),
            ServiceError::Chart(_) => Self::new("chart", message),
            ServiceError::Host(_) => Self::new("host", message),
            ServiceError::Damaged { .. } => {
                tracing::error!(error = %message, "the database is damaged");
                Self::new("damaged", message)
            }
            ServiceError::Secret(_) => {
                tracing::warn!(error = %message, "a command failed on the keychain");
                Self::new("keychain", message)
            }
        }
    }
}

impl From<crate::domain::InvalidInput> for CommandError {
    fn from(e: crate::domain::InvalidInput) -> Self {
        ServiceError::from(e).into()
    }
}

/// A failed Test connection keeps its cause as the code (`auth`, `network`,
/// `not_found`, `rate_limited`, `refused`, `incomplete`, …), so the UI can say
/// what to do.
impl From<crate::sync::TestError> for CommandError {
    fn from(e: crate::sync::TestError) -> Self {
        Self::new(e.cause(), e.to_string())
    }
}
