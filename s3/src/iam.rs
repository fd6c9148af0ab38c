//! Users and access keys.
//!
//! Users own buckets; each user has access keys. The root user sees
//! everything. Records live in the store's system area; an access key's
//! secret is kept sealed with ChaCha20-Poly1305 under a key derived (HKDF-
//! SHA256) from the server's master key, with the access key id as
//! associated data, so the metadata on disk never holds a secret in clear.
//!
//! A key is refused (looked up as if it did not exist) while it is
//! disabled, once its expiry has passed, and while its user is disabled:
//! all three are read from the stored records on every lookup, so no cache
//! can keep a revoked key alive. A removed key leaves a tombstone, so that
//! the root key imported from the environment at each start can tell a key
//! never seen (imported) from one an administrator removed (kept out).

use std::collections::HashMap;
use std::sync::Arc;

use alexander_store::Store;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use parking_lot::Mutex;
use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::auth::secret::SecretKey;

const USERS: &str = "users";
const KEYS: &str = "keys";
/// Tombstones of removed access keys, by id.
const REMOVED_KEYS: &str = "removed-keys";
/// The root user's name.
pub const ROOT: &str = alexander_store::access::ROOT_USER;

/// The server's master key: 32 secret bytes, from a file or the
/// environment, never from the command line.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    pub fn new(bytes: [u8; 32]) -> MasterKey {
        MasterKey(Zeroizing::new(bytes))
    }

    /// A new random key.
    pub fn generate() -> MasterKey {
        let mut k = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        MasterKey::new(k)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A key for one purpose, derived with HKDF-SHA256.
    fn derive(&self, purpose: &[u8]) -> Zeroizing<[u8; 32]> {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"alexander"), &self.0[..]);
        let mut out = Zeroizing::new([0u8; 32]);
        hk.expand(purpose, &mut out[..])
            .expect("32 bytes is a valid HKDF output length");
        out
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

/// Who made a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    Root,
    User(String),
    Anonymous,
}

impl Principal {
    /// The user name, if any.
    pub fn name(&self) -> Option<&str> {
        match self {
            Principal::Root => Some(ROOT),
            Principal::User(n) => Some(n),
            Principal::Anonymous => None,
        }
    }
}

/// A user, as stored.
///
/// Records are bincode, which is positional: fields added later go at the
/// end, and a record written before them is read as [`UserV1`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub created_ns: i64,
    /// Every key of a disabled user is refused, keys made later included,
    /// without touching the keys' own state: enabling the user again
    /// restores exactly what was enabled before.
    pub disabled: bool,
}

/// A user record as written before users could be disabled.
#[derive(Deserialize)]
struct UserV1 {
    name: String,
    created_ns: i64,
}

/// An access key, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    pub id: String,
    pub user: String,
    pub created_ns: i64,
    pub enabled: bool,
    /// When the key stops working (ns since the Unix epoch), if ever.
    pub expires_ns: Option<i64>,
}

impl AccessKey {
    /// Whether the key has expired at `now_ns`.
    pub fn expired_at(&self, now_ns: i64) -> bool {
        self.expires_ns.is_some_and(|e| now_ns >= e)
    }
}

/// The fields of a key that the first record format held, in its order.
#[derive(Clone, Serialize, Deserialize)]
struct StoredKey {
    id: String,
    user: String,
    created_ns: i64,
    enabled: bool,
}

/// An access key as stored. `expires_ns` came later, so it is last: a
/// record written before it ends where it would begin and is read as
/// [`KeyRecordV1`].
#[derive(Serialize, Deserialize)]
struct KeyRecord {
    key: StoredKey,
    nonce: [u8; 12],
    sealed: Vec<u8>,
    expires_ns: Option<i64>,
}

#[derive(Deserialize)]
struct KeyRecordV1 {
    key: StoredKey,
    nonce: [u8; 12],
    sealed: Vec<u8>,
}

impl KeyRecord {
    fn access_key(&self) -> AccessKey {
        AccessKey {
            id: self.key.id.clone(),
            user: self.key.user.clone(),
            created_ns: self.key.created_ns,
            enabled: self.key.enabled,
            expires_ns: self.expires_ns,
        }
    }
}

/// What is kept of a removed access key: enough to tell "removed" from
/// "never seen", never its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    pub user: String,
    pub removed_ns: i64,
}

/// What importing the root key from the environment did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootImport {
    /// The id was never seen: the key is now stored, enabled.
    Imported,
    /// The key is stored with this secret and enabled: nothing changed.
    Present,
    /// The key is stored with this secret but an administrator disabled
    /// it: it stays disabled.
    StaysDisabled,
    /// An administrator removed the key: it stays removed.
    StaysRemoved,
}

/// What enabling a key did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enabled {
    /// The stored key is enabled.
    Key,
    /// The key had been removed; its tombstone is gone, so the next start
    /// that names it in the environment imports it again.
    Unremoved,
}

/// Errors of user and key management.
#[derive(Debug, thiserror::Error)]
pub enum IamError {
    #[error("no such user {0:?}")]
    NoSuchUser(String),
    #[error("user {0:?} already exists")]
    UserExists(String),
    #[error("invalid user name {0:?}: 1 to 64 characters among a-z A-Z 0-9 . _ - @")]
    InvalidUserName(String),
    #[error("no such access key {0:?}")]
    NoSuchKey(String),
    #[error("invalid access key: {0}")]
    InvalidKey(String),
    #[error("user {user:?} still owns buckets: {buckets}")]
    UserOwnsBuckets { user: String, buckets: String },
    #[error("the root user cannot be removed")]
    RootIsPermanent,
    #[error("a sealed secret does not open: wrong master key or damaged record")]
    Unseal,
    #[error(
        "the secret given for access key {0} is not the one stored for it; the store keeps \
         its secret: to rotate the key, give a new access key id with the new secret and \
         remove this one (`alexander key remove {0}`)"
    )]
    SecretMismatch(String),
    #[error(
        "access key {0} was removed and cannot come back: `alexander key create USER` makes a new one"
    )]
    KeyRemoved(String),
    #[error("the expiry {0} has already passed")]
    ExpiryPassed(String),
    #[error(transparent)]
    Store(#[from] alexander_store::Error),
}

/// Users and keys of one store.
#[derive(Clone)]
pub struct Iam {
    store: Store,
    seal_key: Zeroizing<[u8; 32]>,
    /// Secrets already unsealed, each with the exact record bytes it came
    /// from: a record changed in any way (disabled, removed, re-keyed) no
    /// longer matches, so the cache can never outlive what it caches.
    /// Unsealing (HKDF and ChaCha20-Poly1305) was 40% of a small request's
    /// signature check.
    unsealed: Arc<Mutex<HashMap<String, Unsealed>>>,
}

/// A key record's bytes and the secret unsealed from them.
type Unsealed = (Vec<u8>, SecretKey);

/// Unsealed secrets kept at most; the cache starts over past it.
const UNSEALED_MAX: usize = 4096;

fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    alexander_store::records::encode(v)
}

fn decode<T: serde::de::DeserializeOwned>(b: &[u8]) -> Result<T, IamError> {
    Ok(alexander_store::records::decode(b)?)
}

fn decode_user(b: &[u8]) -> Result<User, IamError> {
    decode::<User>(b).or_else(|_| {
        let v1: UserV1 = decode(b)?;
        Ok(User {
            name: v1.name,
            created_ns: v1.created_ns,
            disabled: false,
        })
    })
}

fn decode_key(b: &[u8]) -> Result<KeyRecord, IamError> {
    decode::<KeyRecord>(b).or_else(|_| {
        let v1: KeyRecordV1 = decode(b)?;
        Ok(KeyRecord {
            key: v1.key,
            nonce: v1.nonce,
            sealed: v1.sealed,
            expires_ns: None,
        })
    })
}

/// Now, in ns since the Unix epoch.
pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

fn valid_user_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b))
}

/// A new access key id: 20 characters, as AWS's.
fn new_key_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::thread_rng();
    let mut id = String::from("AK");
    for _ in 0..18 {
        id.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    id
}

/// A new secret: 40 characters of base64url-like text, 240 bits.
fn new_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::thread_rng();
    (0..40)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Checks an id and secret given from outside (the environment, a
/// script).
fn check_imported(id: &str, secret: &str) -> Result<(), IamError> {
    if !(3..=128).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(IamError::InvalidKey(
            "an access key id is 3 to 128 letters and digits".into(),
        ));
    }
    if secret.len() < 8 || secret.len() > 128 || secret.chars().any(char::is_whitespace) {
        return Err(IamError::InvalidKey(
            "a secret is 8 to 128 characters without spaces".into(),
        ));
    }
    Ok(())
}

impl Iam {
    pub fn new(store: Store, master: &MasterKey) -> Iam {
        Iam {
            store,
            seal_key: master.derive(b"access-key secrets v1"),
            unsealed: Arc::default(),
        }
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.seal_key[..]))
    }

    fn seal(&self, id: &str, secret: &str) -> ([u8; 12], Vec<u8>) {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret.as_bytes(),
                    aad: id.as_bytes(),
                },
            )
            .expect("sealing a short secret cannot fail");
        (nonce, sealed)
    }

    fn unseal(&self, rec: &KeyRecord) -> Result<SecretKey, IamError> {
        let plain = Zeroizing::new(
            self.cipher()
                .decrypt(
                    Nonce::from_slice(&rec.nonce),
                    Payload {
                        msg: &rec.sealed,
                        aad: rec.key.id.as_bytes(),
                    },
                )
                .map_err(|_| IamError::Unseal)?,
        );
        let s = String::from_utf8(plain.to_vec()).map_err(|_| IamError::Unseal)?;
        Ok(SecretKey::new(s))
    }

    /// Creates a user.
    pub fn create_user(&self, name: &str) -> Result<User, IamError> {
        if !valid_user_name(name) {
            return Err(IamError::InvalidUserName(name.to_owned()));
        }
        let user = User {
            name: name.to_owned(),
            created_ns: now_ns(),
            disabled: false,
        };
        if !self
            .store
            .system_insert_new(USERS, name.as_bytes(), &encode(&user))?
        {
            return Err(IamError::UserExists(name.to_owned()));
        }
        Ok(user)
    }

    pub fn user(&self, name: &str) -> Result<Option<User>, IamError> {
        self.store
            .system_get(USERS, name.as_bytes())?
            .map(|v| decode_user(&v))
            .transpose()
    }

    pub fn list_users(&self) -> Result<Vec<User>, IamError> {
        self.store
            .system_scan(USERS)?
            .into_iter()
            .map(|(_, v)| decode_user(&v))
            .collect()
    }

    /// Disables or enables a user: while disabled, every key of the user
    /// (made before or after) is refused. The keys' own states are kept.
    pub fn set_user_enabled(&self, name: &str, enabled: bool) -> Result<(), IamError> {
        let mut user = self
            .user(name)?
            .ok_or_else(|| IamError::NoSuchUser(name.to_owned()))?;
        user.disabled = !enabled;
        self.store
            .system_put(USERS, name.as_bytes(), Some(&encode(&user)))?;
        Ok(())
    }

    /// Removes a user and its keys. A user that owns buckets stays.
    pub fn remove_user(&self, name: &str) -> Result<(), IamError> {
        if name == ROOT {
            return Err(IamError::RootIsPermanent);
        }
        if self.user(name)?.is_none() {
            return Err(IamError::NoSuchUser(name.to_owned()));
        }
        let owned: Vec<String> = self
            .store
            .list_buckets()?
            .into_iter()
            .filter(|b| b.settings.get(crate::OWNER_SETTING).map(String::as_str) == Some(name))
            .map(|b| b.name)
            .collect();
        if !owned.is_empty() {
            return Err(IamError::UserOwnsBuckets {
                user: name.to_owned(),
                buckets: owned.join(", "),
            });
        }
        let tomb = encode(&Tombstone {
            user: name.to_owned(),
            removed_ns: now_ns(),
        });
        let keys = self.list_keys(Some(name))?;
        let mut writes = Vec::new();
        for key in &keys {
            writes.push((KEYS, key.id.as_bytes(), None));
            writes.push((REMOVED_KEYS, key.id.as_bytes(), Some(tomb.as_slice())));
        }
        writes.push((USERS, name.as_bytes(), None));
        self.store.system_write(&writes)?;
        Ok(())
    }

    /// Creates an access key for a user; returns it with its secret, which
    /// is shown this once.
    pub fn create_key(&self, user: &str) -> Result<(AccessKey, SecretKey), IamError> {
        self.create_key_expiring(user, None)
    }

    /// [`Iam::create_key`] for a key that stops working at `expires_ns`
    /// (ns since the Unix epoch), which must be in the future.
    pub fn create_key_expiring(
        &self,
        user: &str,
        expires_ns: Option<i64>,
    ) -> Result<(AccessKey, SecretKey), IamError> {
        if let Some(at) = expires_ns
            && at <= now_ns()
        {
            return Err(IamError::ExpiryPassed(
                alexander_store::time::UtcTime::from_ns(at).rfc3339_secs(),
            ));
        }
        let secret = new_secret();
        let key = self.insert_key(user, &new_key_id(), &secret, expires_ns)?;
        Ok((key, SecretKey::new(secret)))
    }

    /// Imports a key with a given id and secret (for tests and scripted
    /// set-ups), replacing the secret if the id exists for the same user.
    /// The server's start uses [`Iam::import_root_key`], which never
    /// overrides an administrator.
    pub fn import_key(&self, user: &str, id: &str, secret: &str) -> Result<AccessKey, IamError> {
        check_imported(id, secret)?;
        if let Some(existing) = self.key(id)?
            && existing.user != user
        {
            return Err(IamError::InvalidKey(format!(
                "{id} belongs to another user"
            )));
        }
        self.store.system_put(KEYS, id.as_bytes(), None)?;
        self.insert_key(user, id, secret, None)
    }

    /// Imports the root key named in the environment at a start, without
    /// ever undoing what an administrator did: a key never seen is stored
    /// and enabled; a stored one is left as it is (disabled stays
    /// disabled); a removed one (tombstone) stays removed. A secret other
    /// than the stored one is an error rather than a silent replacement,
    /// so the environment cannot re-key a key behind the administrator's
    /// back, and a server never starts with a secret its operator believes
    /// in but which does not work. The root user must exist.
    pub fn import_root_key(&self, id: &str, secret: &str) -> Result<RootImport, IamError> {
        check_imported(id, secret)?;
        if let Some(rec) = self.record(id)? {
            if rec.key.user != ROOT {
                return Err(IamError::InvalidKey(format!(
                    "{id} belongs to user {:?}, not root",
                    rec.key.user
                )));
            }
            let stored = self.unseal(&rec)?;
            let same: bool =
                subtle::ConstantTimeEq::ct_eq(stored.expose_secret().as_bytes(), secret.as_bytes())
                    .into();
            if !same {
                return Err(IamError::SecretMismatch(id.to_owned()));
            }
            return Ok(if rec.key.enabled {
                RootImport::Present
            } else {
                RootImport::StaysDisabled
            });
        }
        if self.tombstone(id)?.is_some() {
            return Ok(RootImport::StaysRemoved);
        }
        self.insert_key(ROOT, id, secret, None)?;
        Ok(RootImport::Imported)
    }

    fn insert_key(
        &self,
        user: &str,
        id: &str,
        secret: &str,
        expires_ns: Option<i64>,
    ) -> Result<AccessKey, IamError> {
        if self.user(user)?.is_none() {
            return Err(IamError::NoSuchUser(user.to_owned()));
        }
        let key = StoredKey {
            id: id.to_owned(),
            user: user.to_owned(),
            created_ns: now_ns(),
            enabled: true,
        };
        let (nonce, sealed) = self.seal(id, secret);
        let rec = KeyRecord {
            key,
            nonce,
            sealed,
            expires_ns,
        };
        if !self
            .store
            .system_insert_new(KEYS, id.as_bytes(), &encode(&rec))?
        {
            return Err(IamError::InvalidKey(format!("{id} already exists")));
        }
        Ok(rec.access_key())
    }

    fn record(&self, id: &str) -> Result<Option<KeyRecord>, IamError> {
        self.store
            .system_get(KEYS, id.as_bytes())?
            .map(|v| decode_key(&v))
            .transpose()
    }

    pub fn key(&self, id: &str) -> Result<Option<AccessKey>, IamError> {
        Ok(self.record(id)?.map(|r| r.access_key()))
    }

    /// The tombstone of a removed key, if it was removed.
    pub fn tombstone(&self, id: &str) -> Result<Option<Tombstone>, IamError> {
        self.store
            .system_get(REMOVED_KEYS, id.as_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Keys of one user, or of everyone.
    pub fn list_keys(&self, user: Option<&str>) -> Result<Vec<AccessKey>, IamError> {
        let mut out = Vec::new();
        for (_, v) in self.store.system_scan(KEYS)? {
            let rec = decode_key(&v)?;
            if user.is_none_or(|u| u == rec.key.user) {
                out.push(rec.access_key());
            }
        }
        Ok(out)
    }

    /// Enables or disables a key.
    pub fn set_key_enabled(&self, id: &str, enabled: bool) -> Result<(), IamError> {
        let mut rec = self
            .record(id)?
            .ok_or_else(|| IamError::NoSuchKey(id.to_owned()))?;
        rec.key.enabled = enabled;
        self.store
            .system_put(KEYS, id.as_bytes(), Some(&encode(&rec)))?;
        Ok(())
    }

    /// Enables a key; for a removed root key, the deliberate way back:
    /// its tombstone goes, so the next start that names it in the
    /// environment imports it again. Other removed keys cannot come back
    /// (their secret is gone, and nothing would import them).
    pub fn enable_key(&self, id: &str) -> Result<Enabled, IamError> {
        if self.record(id)?.is_some() {
            self.set_key_enabled(id, true)?;
            return Ok(Enabled::Key);
        }
        match self.tombstone(id)? {
            Some(t) if t.user == ROOT => {
                self.store.system_put(REMOVED_KEYS, id.as_bytes(), None)?;
                Ok(Enabled::Unremoved)
            }
            Some(_) => Err(IamError::KeyRemoved(id.to_owned())),
            None => Err(IamError::NoSuchKey(id.to_owned())),
        }
    }

    /// Removes a key, leaving a tombstone in the same transaction.
    pub fn remove_key(&self, id: &str) -> Result<(), IamError> {
        let Some(rec) = self.record(id)? else {
            return Err(IamError::NoSuchKey(id.to_owned()));
        };
        let tomb = encode(&Tombstone {
            user: rec.key.user,
            removed_ns: now_ns(),
        });
        self.store.system_write(&[
            (KEYS, id.as_bytes(), None),
            (REMOVED_KEYS, id.as_bytes(), Some(&tomb)),
        ])?;
        Ok(())
    }

    /// The secret and principal of a key that may sign requests now, for
    /// signature checks.
    pub fn lookup(&self, id: &str) -> Result<Option<(SecretKey, Principal)>, IamError> {
        self.lookup_at(id, now_ns())
    }

    /// [`Iam::lookup`] at a given time (ns since the Unix epoch): a key
    /// that is disabled, expired at `now_ns` or whose user is disabled is
    /// not found. Each is read from the stored records on every call,
    /// before the cache is consulted.
    pub fn lookup_at(
        &self,
        id: &str,
        now_ns: i64,
    ) -> Result<Option<(SecretKey, Principal)>, IamError> {
        let Some(raw) = self.store.system_get(KEYS, id.as_bytes())? else {
            return Ok(None);
        };
        let rec = decode_key(&raw)?;
        if !rec.key.enabled {
            tracing::debug!(key = id, "access key refused: disabled");
            return Ok(None);
        }
        if rec.access_key().expired_at(now_ns) {
            tracing::debug!(key = id, "access key refused: expired");
            return Ok(None);
        }
        if self.user(&rec.key.user)?.is_none_or(|u| u.disabled) {
            tracing::debug!(key = id, user = %rec.key.user, "access key refused: user disabled");
            return Ok(None);
        }
        let cached = match self.unsealed.lock().get(id) {
            Some((bytes, secret)) if *bytes == raw => Some(secret.clone()),
            _ => None,
        };
        let secret = match cached {
            Some(s) => s,
            None => {
                let s = self.unseal(&rec)?;
                let mut cache = self.unsealed.lock();
                if cache.len() >= UNSEALED_MAX {
                    cache.clear();
                }
                cache.insert(id.to_owned(), (raw, s.clone()));
                s
            }
        };
        let principal = if rec.key.user == ROOT {
            Principal::Root
        } else {
            Principal::User(rec.key.user.clone())
        };
        Ok(Some((secret, principal)))
    }

    /// Makes sure the root user exists. Returns a new root key (with its
    /// secret) when root had none, so the caller can show it once.
    pub fn ensure_root(&self) -> Result<Option<(AccessKey, SecretKey)>, IamError> {
        if self.user(ROOT)?.is_none() {
            match self.create_user(ROOT) {
                Ok(_) | Err(IamError::UserExists(_)) => {}
                Err(e) => return Err(e),
            }
        }
        if self.list_keys(Some(ROOT))?.is_empty() {
            return self.create_key(ROOT).map(Some);
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alexander_store::Config;

    fn iam() -> (tempfile::TempDir, Iam, MasterKey) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Config::default()).unwrap();
        let master = MasterKey::generate();
        (dir, Iam::new(store, &master), master)
    }

    #[test]
    fn unsealed_secrets_never_outlive_their_record() {
        let (_d, iam, _) = iam();
        iam.create_user("bob").unwrap();
        let (k, secret) = iam.create_key("bob").unwrap();
        // A clone (the admin socket's) shares the cache with the server's.
        let server = iam.clone();
        for _ in 0..2 {
            let (found, _) = server.lookup(&k.id).unwrap().unwrap();
            assert_eq!(found.expose_secret(), secret.expose_secret());
        }
        iam.set_key_enabled(&k.id, false).unwrap();
        assert!(server.lookup(&k.id).unwrap().is_none());
        iam.set_key_enabled(&k.id, true).unwrap();
        assert!(server.lookup(&k.id).unwrap().is_some());
        iam.remove_key(&k.id).unwrap();
        assert!(server.lookup(&k.id).unwrap().is_none());
        // Another instance over the same store (a restart) finds the same.
        let (k2, s2) = iam.create_key("bob").unwrap();
        assert_eq!(
            server.lookup(&k2.id).unwrap().unwrap().0.expose_secret(),
            s2.expose_secret()
        );
    }

    #[test]
    fn users_and_keys() {
        let (_d, iam, _) = iam();
        let (root_key, root_secret) = iam.ensure_root().unwrap().unwrap();
        assert!(iam.ensure_root().unwrap().is_none());
        let (found, who) = iam.lookup(&root_key.id).unwrap().unwrap();
        assert_eq!(found.expose_secret(), root_secret.expose_secret());
        assert_eq!(who, Principal::Root);
        iam.create_user("alice").unwrap();
        assert!(matches!(
            iam.create_user("alice"),
            Err(IamError::UserExists(_))
        ));
        assert!(matches!(
            iam.create_user("bad name"),
            Err(IamError::InvalidUserName(_))
        ));
        let (k, _) = iam.create_key("alice").unwrap();
        assert_eq!(k.id.len(), 20);
        assert_eq!(
            iam.lookup(&k.id).unwrap().unwrap().1,
            Principal::User("alice".into())
        );
        iam.set_key_enabled(&k.id, false).unwrap();
        assert!(iam.lookup(&k.id).unwrap().is_none());
        assert_eq!(iam.list_keys(Some("alice")).unwrap().len(), 1);
        iam.remove_user("alice").unwrap();
        assert!(iam.list_keys(Some("alice")).unwrap().is_empty());
        assert!(matches!(
            iam.remove_user(ROOT),
            Err(IamError::RootIsPermanent)
        ));
        assert!(matches!(
            iam.create_key("nobody"),
            Err(IamError::NoSuchUser(_))
        ));
    }

    #[test]
    fn secrets_are_sealed_and_need_the_master_key() {
        let (dir, iam, _) = iam();
        iam.ensure_root().unwrap();
        iam.import_key(ROOT, "SCRIPTEDKEY", "very-secret-value")
            .unwrap();
        let raw = iam.store.system_get(KEYS, b"SCRIPTEDKEY").unwrap().unwrap();
        assert!(!raw.windows(17).any(|w| w == b"very-secret-value"));
        let other = Iam::new(iam.store.clone(), &MasterKey::generate());
        assert!(matches!(other.lookup("SCRIPTEDKEY"), Err(IamError::Unseal)));
        // Re-importing (the scripted path, not the start's) replaces the secret.
        iam.import_key(ROOT, "SCRIPTEDKEY", "another-secret")
            .unwrap();
        assert_eq!(
            iam.lookup("SCRIPTEDKEY")
                .unwrap()
                .unwrap()
                .0
                .expose_secret(),
            "another-secret"
        );
        drop(dir);
    }

    #[test]
    fn the_root_import_never_undoes_an_administrator() {
        let (_d, iam, _) = iam();
        iam.ensure_root().unwrap();
        const ID: &str = "ENVROOTKEY";
        const SECRET: &str = "env-root-secret";
        assert_eq!(
            iam.import_root_key(ID, SECRET).unwrap(),
            RootImport::Imported
        );
        assert_eq!(
            iam.import_root_key(ID, SECRET).unwrap(),
            RootImport::Present
        );
        assert!(iam.lookup(ID).unwrap().is_some());

        // Disabled stays disabled, however often the start imports it.
        iam.set_key_enabled(ID, false).unwrap();
        for _ in 0..2 {
            assert_eq!(
                iam.import_root_key(ID, SECRET).unwrap(),
                RootImport::StaysDisabled
            );
            assert!(!iam.key(ID).unwrap().unwrap().enabled);
            assert!(iam.lookup(ID).unwrap().is_none());
        }
        assert_eq!(iam.enable_key(ID).unwrap(), Enabled::Key);
        assert_eq!(
            iam.import_root_key(ID, SECRET).unwrap(),
            RootImport::Present
        );

        // Another secret for the id is refused, and the stored one stays.
        assert!(matches!(
            iam.import_root_key(ID, "a-different-secret"),
            Err(IamError::SecretMismatch(id)) if id == ID
        ));
        assert_eq!(iam.lookup(ID).unwrap().unwrap().0.expose_secret(), SECRET);

        // Removed stays removed: a tombstone, no record.
        iam.remove_key(ID).unwrap();
        for _ in 0..2 {
            assert_eq!(
                iam.import_root_key(ID, SECRET).unwrap(),
                RootImport::StaysRemoved
            );
            assert!(iam.key(ID).unwrap().is_none());
            assert!(iam.lookup(ID).unwrap().is_none());
        }
        assert_eq!(iam.tombstone(ID).unwrap().unwrap().user, ROOT);
        // `key enable` is the way back: the next import brings it in.
        assert_eq!(iam.enable_key(ID).unwrap(), Enabled::Unremoved);
        assert!(iam.tombstone(ID).unwrap().is_none());
        assert!(
            iam.key(ID).unwrap().is_none(),
            "nothing until the next import"
        );
        assert_eq!(
            iam.import_root_key(ID, SECRET).unwrap(),
            RootImport::Imported
        );
        assert!(iam.lookup(ID).unwrap().is_some());

        // Another user's removed key cannot come back; an unknown id is unknown.
        iam.create_user("bob").unwrap();
        let (bobs, _) = iam.create_key("bob").unwrap();
        iam.remove_key(&bobs.id).unwrap();
        assert!(matches!(
            iam.enable_key(&bobs.id),
            Err(IamError::KeyRemoved(_))
        ));
        assert!(matches!(
            iam.enable_key("NOSUCHKEY"),
            Err(IamError::NoSuchKey(_))
        ));
        // Keys removed with their user leave tombstones too.
        let (bobs2, _) = iam.create_key("bob").unwrap();
        iam.remove_user("bob").unwrap();
        assert_eq!(iam.tombstone(&bobs2.id).unwrap().unwrap().user, "bob");
        // Another user's key id is not root's to import.
        iam.create_user("carol").unwrap();
        iam.import_key("carol", "CAROLSKEY", "carols-secret")
            .unwrap();
        assert!(matches!(
            iam.import_root_key("CAROLSKEY", "carols-secret"),
            Err(IamError::InvalidKey(_))
        ));
    }

    #[test]
    fn expired_keys_are_refused_even_when_cached() {
        let (_d, iam, _) = iam();
        iam.create_user("dave").unwrap();
        let now = now_ns();
        let expiry = now + 3_600 * 1_000_000_000;
        let (k, secret) = iam.create_key_expiring("dave", Some(expiry)).unwrap();
        assert_eq!(k.expires_ns, Some(expiry));
        assert_eq!(iam.key(&k.id).unwrap().unwrap().expires_ns, Some(expiry));
        let server = iam.clone();
        // Found twice before the expiry (the second from the cache)...
        for at in [now, expiry - 1] {
            let (found, who) = server.lookup_at(&k.id, at).unwrap().unwrap();
            assert_eq!(found.expose_secret(), secret.expose_secret());
            assert_eq!(who, Principal::User("dave".into()));
        }
        // ...and never from the expiry on, though the record is unchanged.
        for at in [expiry, expiry + 1, i64::MAX] {
            assert!(server.lookup_at(&k.id, at).unwrap().is_none(), "{at}");
        }
        assert!(k.expired_at(expiry) && !k.expired_at(expiry - 1));
        // A key that never expires is found at any time.
        let (forever, _) = iam.create_key("dave").unwrap();
        assert_eq!(forever.expires_ns, None);
        assert!(server.lookup_at(&forever.id, i64::MAX).unwrap().is_some());
        // An expiry in the past is refused at creation.
        assert!(matches!(
            iam.create_key_expiring("dave", Some(now - 1)),
            Err(IamError::ExpiryPassed(_))
        ));
        assert_eq!(iam.list_keys(Some("dave")).unwrap().len(), 2);
    }

    #[test]
    fn a_disabled_user_has_every_key_refused_even_when_cached() {
        let (_d, iam, _) = iam();
        iam.create_user("erin").unwrap();
        let (a, _) = iam.create_key("erin").unwrap();
        let (b, _) = iam.create_key("erin").unwrap();
        iam.set_key_enabled(&b.id, false).unwrap();
        let server = iam.clone();
        assert!(server.lookup(&a.id).unwrap().is_some(), "now cached");

        iam.set_user_enabled("erin", false).unwrap();
        assert!(iam.user("erin").unwrap().unwrap().disabled);
        assert!(server.lookup(&a.id).unwrap().is_none());
        // A key made while the user is disabled is refused as well.
        let (c, _) = iam.create_key("erin").unwrap();
        assert!(server.lookup(&c.id).unwrap().is_none());
        // The keys' own states are untouched.
        assert!(iam.key(&a.id).unwrap().unwrap().enabled);

        iam.set_user_enabled("erin", true).unwrap();
        assert!(server.lookup(&a.id).unwrap().is_some());
        assert!(server.lookup(&c.id).unwrap().is_some());
        assert!(
            server.lookup(&b.id).unwrap().is_none(),
            "a key disabled on its own stays disabled"
        );
        assert!(matches!(
            iam.set_user_enabled("nobody", false),
            Err(IamError::NoSuchUser(_))
        ));
    }

    #[test]
    fn records_written_before_expiry_and_user_state_are_read() {
        #[derive(Serialize)]
        struct OldUser {
            name: String,
            created_ns: i64,
        }
        #[derive(Serialize)]
        struct OldKey {
            key: StoredKey,
            nonce: [u8; 12],
            sealed: Vec<u8>,
        }
        let (_d, iam, _) = iam();
        let old = OldUser {
            name: "frank".into(),
            created_ns: 7,
        };
        iam.store
            .system_put(USERS, b"frank", Some(&encode(&old)))
            .unwrap();
        let user = iam.user("frank").unwrap().unwrap();
        assert_eq!((user.created_ns, user.disabled), (7, false));
        let (nonce, sealed) = iam.seal("OLDKEY", "old-secret");
        let old = OldKey {
            key: StoredKey {
                id: "OLDKEY".into(),
                user: "frank".into(),
                created_ns: 8,
                enabled: true,
            },
            nonce,
            sealed,
        };
        iam.store
            .system_put(KEYS, b"OLDKEY", Some(&encode(&old)))
            .unwrap();
        let key = iam.key("OLDKEY").unwrap().unwrap();
        assert_eq!((key.created_ns, key.expires_ns), (8, None));
        assert_eq!(
            iam.lookup("OLDKEY").unwrap().unwrap().0.expose_secret(),
            "old-secret"
        );
        // Rewritten (disabled), the record takes the current format.
        iam.set_user_enabled("frank", false).unwrap();
        assert!(iam.user("frank").unwrap().unwrap().disabled);
        assert!(iam.lookup("OLDKEY").unwrap().is_none());
    }
}
