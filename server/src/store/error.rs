//! The store's own error, which every backend maps its errors into, so
//! nothing above the store depends on a database crate.

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed the operation.
    #[error("database error: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A row the call relies on is not there.
    #[error("no such row")]
    NotFound,
    /// The store is shutting down (its writer has stopped).
    #[error("the store is closed")]
    Closed,
}

impl StoreError {
    pub fn database(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Database(Box::new(err))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
