//! Tenants and their bearer tokens.
//!
//! A tenant is created by the operator (`hearth server tenant add NAME`),
//! which draws a 32-byte token from the operating system's entropy
//! (`getrandom`), shows it once, and stores only its SHA-256 digest in the
//! record `tenants/NAME`. A request authenticates with
//! `Authorization: Bearer TOKEN`: the server hashes the presented token and
//! compares the digest with every tenant's in constant time (`subtle`),
//! without stopping at a match, so neither the timing nor the answer tells
//! anything but "valid, for tenant T" or "invalid". A 256-bit random token
//! needs no slow password hash: guessing it is as hard as finding a SHA-256
//! preimage.
//!
//! Each tenant has a *lane*, its index in order of creation, which the
//! device scheduler uses for its fair share; the lane is never an
//! authority over keys.

use crate::backend::{Records, StoreError};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// Prefix of every tenant record.
pub const TENANT_PREFIX: &str = "tenants/";
/// Bytes of entropy in a token.
pub const TOKEN_BYTES: usize = 32;
/// The longest tenant or model name.
pub const MAX_NAME: usize = 64;
/// The registry re-reads the store for an unknown token at most this often.
const RELOAD_EVERY: Duration = Duration::from_secs(1);

/// An authenticated tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The tenant's name.
    pub name: String,
    /// Its lane on the device scheduler.
    pub lane: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TenantRecord {
    name: String,
    lane: u32,
    /// SHA-256 of the token, lowercase hex.
    token_sha256: String,
}

struct Entry {
    tenant: Tenant,
    digest: [u8; 32],
}

/// Checks that `name` is a usable tenant or model name: 1 to 64 characters
/// of `A–Z a–z 0–9 _ - .`, not starting with a dot.
pub fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(Error::BadRequest(format!(
            "{what} name must be 1 to {MAX_NAME} characters of A-Z a-z 0-9 _ - . (not starting with a dot)"
        )))
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if s.len() != 64 {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn store_failure(e: StoreError) -> Error {
    tracing::error!("tenant store: {e}");
    Error::Internal("the tenant store failed")
}

/// Creates tenant `name` in `records` and returns its token (shown to the
/// operator once; only its digest is stored).
pub fn add_tenant(records: &dyn Records, name: &str) -> Result<String> {
    check_name("tenant", name)?;
    let record = format!("{TENANT_PREFIX}{name}");
    if records.get(&record).map_err(store_failure)?.is_some() {
        return Err(Error::BadRequest(format!("tenant `{name}` exists")));
    }
    let lane = records
        .names(TENANT_PREFIX)
        .map_err(store_failure)?
        .iter()
        .filter(|n| !n[TENANT_PREFIX.len()..].contains('/'))
        .count();
    let mut raw = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut raw).map_err(|e| {
        tracing::error!("getrandom: {e}");
        Error::Internal("no entropy for a token")
    })?;
    let token = hex(&raw);
    let body = TenantRecord {
        name: name.to_string(),
        lane: u32::try_from(lane).map_err(|_| Error::Internal("too many tenants"))?,
        token_sha256: hex(&digest(&token)),
    };
    let json = serde_json::to_vec(&body).map_err(|_| Error::Internal("encoding a tenant"))?;
    records.put(&record, &json).map_err(store_failure)?;
    Ok(token)
}

/// The tenants a server knows, for authentication.
pub struct Registry {
    entries: RwLock<Vec<Entry>>,
    last_reload: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.entries.read().map(|e| e.len()).unwrap_or(0);
        write!(f, "Registry({n} tenants)")
    }
}

impl Registry {
    /// Reads every tenant from `records`.
    pub fn load(records: &dyn Records) -> Result<Self> {
        let r = Self {
            entries: RwLock::new(Vec::new()),
            last_reload: Mutex::new(None),
        };
        r.reload(records)?;
        Ok(r)
    }

    fn reload(&self, records: &dyn Records) -> Result<()> {
        let mut fresh = Vec::new();
        for name in records.names(TENANT_PREFIX).map_err(store_failure)? {
            if name[TENANT_PREFIX.len()..].contains('/') {
                continue;
            }
            let Some(body) = records.get(&name).map_err(store_failure)? else {
                continue;
            };
            let rec: TenantRecord = match serde_json::from_slice(&body) {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!("tenant record {name} does not parse: {e}");
                    continue;
                }
            };
            let Some(d) = unhex(&rec.token_sha256) else {
                tracing::error!("tenant record {name} has a malformed digest");
                continue;
            };
            fresh.push(Entry {
                tenant: Tenant {
                    name: rec.name,
                    lane: rec.lane,
                },
                digest: d,
            });
        }
        *self
            .entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        Ok(())
    }

    /// Number of tenants.
    pub fn len(&self) -> usize {
        self.entries.read().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether there is no tenant.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn find(&self, d: &[u8; 32]) -> Option<Tenant> {
        let entries = self
            .entries
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut found: Option<&Entry> = None;
        for e in entries.iter() {
            // No early exit: every digest is compared.
            if bool::from(e.digest.ct_eq(d)) {
                found = Some(e);
            }
        }
        found.map(|e| e.tenant.clone())
    }

    /// The tenant holding `token`. An unknown token makes the registry
    /// re-read the store (at most once a second: another process may have
    /// added the tenant) before it is refused.
    pub fn authenticate(&self, records: &dyn Records, token: &str) -> Result<Tenant> {
        let d = digest(token);
        if let Some(t) = self.find(&d) {
            return Ok(t);
        }
        let due = {
            let mut last = self
                .last_reload
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let due = last.is_none_or(|t| t.elapsed() >= RELOAD_EVERY);
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        if due {
            self.reload(records)?;
            if let Some(t) = self.find(&d) {
                return Ok(t);
            }
        }
        Err(Error::Unauthenticated)
    }
}

/// The token in an `Authorization: Bearer …` header value.
pub fn bearer(header: Option<&str>) -> Result<&str> {
    let h = header.ok_or(Error::Unauthenticated)?;
    let (scheme, token) = h.split_once(' ').ok_or(Error::Unauthenticated)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(Error::Unauthenticated);
    }
    Ok(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryRecords;

    #[test]
    fn a_token_authenticates_its_tenant_only() {
        let r = MemoryRecords::default();
        let a = add_tenant(&r, "alice").unwrap();
        let b = add_tenant(&r, "bob").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 2 * TOKEN_BYTES);
        let reg = Registry::load(&r).unwrap();
        assert_eq!(reg.authenticate(&r, &a).unwrap().name, "alice");
        let bob = reg.authenticate(&r, &b).unwrap();
        assert_eq!((bob.name.as_str(), bob.lane), ("bob", 1));
        assert!(matches!(
            reg.authenticate(&r, &a[1..]),
            Err(Error::Unauthenticated)
        ));
    }

    #[test]
    fn only_the_digest_is_stored() {
        let r = MemoryRecords::default();
        let t = add_tenant(&r, "alice").unwrap();
        let body = r.get("tenants/alice").unwrap().unwrap();
        let text = String::from_utf8(body).unwrap();
        assert!(!text.contains(&t));
        // The digest is SHA-256 of the token's text, checked against an
        // independent hex encoding.
        let want: String = Sha256::digest(t.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(text.contains(&want), "{text}");
    }

    #[test]
    fn a_tenant_added_later_is_found_after_a_reload() {
        let r = MemoryRecords::default();
        let reg = Registry::load(&r).unwrap();
        let t = add_tenant(&r, "late").unwrap();
        assert_eq!(reg.authenticate(&r, &t).unwrap().name, "late");
    }

    #[test]
    fn names_and_headers_are_checked() {
        let r = MemoryRecords::default();
        add_tenant(&r, "a").unwrap();
        assert!(add_tenant(&r, "a").is_err());
        for bad in ["", "../x", "a/b", ".hidden", &"x".repeat(65)] {
            assert!(add_tenant(&r, bad).is_err(), "{bad}");
        }
        assert_eq!(bearer(Some("Bearer abc")).unwrap(), "abc");
        assert_eq!(bearer(Some("bearer  abc ")).unwrap(), "abc");
        for bad in [None, Some("Basic abc"), Some("Bearer"), Some("Bearer  ")] {
            assert!(bearer(bad).is_err(), "{bad:?}");
        }
    }
}
