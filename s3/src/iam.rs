//! Users and access keys.
//!
//! Users own buckets; each user has access keys. The root user sees
//! everything. Records live in the store's system area; an access key's
//! secret is kept sealed with ChaCha20-Poly1305 under a key derived (HKDF-
//! SHA256) from the server's master key, with the access key id as
//! associated data, so the metadata on disk never holds a secret in clear.

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

/// A user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub created_ns: i64,
}

/// An access key, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    pub id: String,
    pub user: String,
    pub created_ns: i64,
    pub enabled: bool,
}

#[derive(Serialize, Deserialize)]
struct KeyRecord {
    key: AccessKey,
    nonce: [u8; 12],
    sealed: Vec<u8>,
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

fn now_ns() -> i64 {
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
            .map(|v| decode(&v))
            .transpose()
    }

    pub fn list_users(&self) -> Result<Vec<User>, IamError> {
        self.store
            .system_scan(USERS)?
            .into_iter()
            .map(|(_, v)| decode(&v))
            .collect()
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
        for key in self.list_keys(Some(name))? {
            self.store.system_put(KEYS, key.id.as_bytes(), None)?;
        }
        self.store.system_put(USERS, name.as_bytes(), None)?;
        Ok(())
    }

    /// Creates an access key for a user; returns it with its secret, which
    /// is shown this once.
    pub fn create_key(&self, user: &str) -> Result<(AccessKey, SecretKey), IamError> {
        let secret = new_secret();
        let key = self.insert_key(user, &new_key_id(), &secret)?;
        Ok((key, SecretKey::new(secret)))
    }

    /// Imports a key with a given id and secret (for scripted set-ups),
    /// replacing the secret if the id exists for the same user.
    pub fn import_key(&self, user: &str, id: &str, secret: &str) -> Result<AccessKey, IamError> {
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
        if let Some(existing) = self.key(id)?
            && existing.user != user
        {
            return Err(IamError::InvalidKey(format!(
                "{id} belongs to another user"
            )));
        }
        self.store.system_put(KEYS, id.as_bytes(), None)?;
        self.insert_key(user, id, secret)
    }

    fn insert_key(&self, user: &str, id: &str, secret: &str) -> Result<AccessKey, IamError> {
        if self.user(user)?.is_none() {
            return Err(IamError::NoSuchUser(user.to_owned()));
        }
        let key = AccessKey {
            id: id.to_owned(),
            user: user.to_owned(),
            created_ns: now_ns(),
            enabled: true,
        };
        let (nonce, sealed) = self.seal(id, secret);
        let rec = KeyRecord {
            key: key.clone(),
            nonce,
            sealed,
        };
        if !self
            .store
            .system_insert_new(KEYS, id.as_bytes(), &encode(&rec))?
        {
            return Err(IamError::InvalidKey(format!("{id} already exists")));
        }
        Ok(key)
    }

    fn record(&self, id: &str) -> Result<Option<KeyRecord>, IamError> {
        self.store
            .system_get(KEYS, id.as_bytes())?
            .map(|v| decode(&v))
            .transpose()
    }

    pub fn key(&self, id: &str) -> Result<Option<AccessKey>, IamError> {
        Ok(self.record(id)?.map(|r| r.key))
    }

    /// Keys of one user, or of everyone.
    pub fn list_keys(&self, user: Option<&str>) -> Result<Vec<AccessKey>, IamError> {
        let mut out = Vec::new();
        for (_, v) in self.store.system_scan(KEYS)? {
            let rec: KeyRecord = decode(&v)?;
            if user.is_none_or(|u| u == rec.key.user) {
                out.push(rec.key);
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

    pub fn remove_key(&self, id: &str) -> Result<(), IamError> {
        if self.record(id)?.is_none() {
            return Err(IamError::NoSuchKey(id.to_owned()));
        }
        self.store.system_put(KEYS, id.as_bytes(), None)?;
        Ok(())
    }

    /// The secret and principal of an enabled key, for signature checks.
    pub fn lookup(&self, id: &str) -> Result<Option<(SecretKey, Principal)>, IamError> {
        let Some(raw) = self.store.system_get(KEYS, id.as_bytes())? else {
            return Ok(None);
        };
        let rec: KeyRecord = decode(&raw)?;
        if !rec.key.enabled {
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
        // Re-importing replaces the secret.
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
}
