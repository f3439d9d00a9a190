//! [`MemoryRecords`]: a [`Records`] in memory, for tests and for a server
//! that need not survive a restart.

use crate::backend::{Records, StoreError};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Records in a map; nothing is durable.
#[derive(Debug, Default)]
pub struct MemoryRecords(Mutex<BTreeMap<String, Vec<u8>>>);

impl MemoryRecords {
    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Records for MemoryRecords {
    fn put(&self, name: &str, body: &[u8]) -> Result<(), StoreError> {
        self.map().insert(name.to_string(), body.to_vec());
        Ok(())
    }

    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.map().get(name).cloned())
    }

    fn names(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .map()
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }
}
