//! The master key: where it comes from, how it is made, and how a store
//! recognises its own.
//!
//! The key seals the secrets of access keys (`alexander_s3::iam`). It comes
//! from exactly one of:
//! - `ALEXANDER_MASTER_KEY`, 64 hex digits;
//! - a file named by `--master-key-file` (`ALEXANDER_MASTER_KEY_FILE`,
//!   `master_key_file`), holding 32 bytes or 64 hex digits;
//! - `DATA/master.key`, made on first use: 32 random bytes, mode 0600,
//!   written to a temporary file, fsynced, renamed into place, and the
//!   directory fsynced, so a crash leaves either no key or the whole key.
//!
//! Never from the command line, where other users could read it in `ps`.
//!
//! The store records a fingerprint of the key it was first used with
//! (SHA-256 over a label and the key, in the system area). A different key
//! is refused at once, rather than every signature failing later; and a
//! store that has a key recorded never gets a new random one made for it
//! because its key file went missing.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use alexander_s3::iam::MasterKey;
use alexander_store::Store;
use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::config::Settings;

/// The default key file, in the data directory.
pub const FILE_NAME: &str = "master.key";
/// The variable that gives the key itself.
pub const ENV: &str = "ALEXANDER_MASTER_KEY";

/// Where the fingerprint lives in the store's system area.
const CHECK_NAMESPACE: &str = "master-key";
const CHECK_KEY: &[u8] = b"fingerprint";

/// Where a key came from, for messages.
#[derive(Clone, Debug)]
pub enum Source {
    Env,
    File(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Env => write!(f, "{ENV}"),
            Source::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The key a command uses.
pub struct Loaded {
    pub key: MasterKey,
    pub source: Source,
    /// Whether this run made the key file.
    pub created: bool,
}

/// Finds the store's master key, making `DATA/master.key` if the store
/// has never had one, and checks it against the store's fingerprint
/// (recording it the first time).
pub fn resolve(settings: &Settings, store: &Store) -> Result<Loaded> {
    let env = match std::env::var(ENV) {
        Ok(v) if !v.is_empty() => Some(Zeroizing::new(v)),
        Ok(_) | Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => bail!("{ENV} is not 64 hex digits"),
    };
    let recorded = store
        .system_get(CHECK_NAMESPACE, CHECK_KEY)
        .context("cannot read the store's master key fingerprint")?;
    let loaded = match (env, &settings.master_key_file) {
        (Some(_), Some(file)) => bail!(
            "{ENV} and a master key file ({}) are both set: use one",
            file.display()
        ),
        (Some(hex), None) => Loaded {
            key: parse_hex(hex.trim()).with_context(|| format!("{ENV} is not 64 hex digits"))?,
            source: Source::Env,
            created: false,
        },
        (None, Some(path)) => Loaded {
            key: read(path)?,
            source: Source::File(path.clone()),
            created: false,
        },
        (None, None) => {
            let path = settings.data_dir.join(FILE_NAME);
            match read(&path) {
                Ok(key) => Loaded {
                    key,
                    source: Source::File(path),
                    created: false,
                },
                Err(e) if !is_not_found(&e) => return Err(e),
                Err(_) if recorded.is_some() => bail!(
                    "the store in {} has a master key, but {} does not exist: restore it, or \
                     give the key with {ENV} or --master-key-file",
                    settings.data_dir.display(),
                    path.display()
                ),
                Err(_) => Loaded {
                    key: create(&path)?,
                    source: Source::File(path),
                    created: true,
                },
            }
        }
    };
    let fingerprint = fingerprint(&loaded.key);
    match recorded {
        Some(r) if r == fingerprint => {}
        Some(_) => bail!(
            "the master key from {} is not the key of the store in {} (its access keys were \
             sealed with another)",
            loaded.source,
            settings.data_dir.display()
        ),
        None => store
            .system_put(CHECK_NAMESPACE, CHECK_KEY, Some(&fingerprint))
            .context("cannot record the master key's fingerprint in the store")?,
    }
    Ok(loaded)
}

fn is_not_found(e: &anyhow::Error) -> bool {
    e.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::NotFound)
}

/// SHA-256 over a label and the key: recognises the key, reveals nothing
/// of a key with 256 random bits.
fn fingerprint(key: &MasterKey) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"alexander master key fingerprint v1\0");
    h.update(key.as_bytes());
    h.finalize().to_vec()
}

fn parse_hex(text: &str) -> Result<MasterKey> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text, &mut bytes[..]).context("expected 64 hex digits")?;
    Ok(MasterKey::new(*bytes))
}

/// Reads a key file: 32 bytes, or 64 hex digits (surrounding whitespace
/// allowed). The `io::Error` of a missing file stays downcastable.
fn read(path: &Path) -> Result<MasterKey> {
    let mut file = File::open(path)
        .with_context(|| format!("cannot read the master key file {}", path.display()))?;
    let mode = file.metadata()?.permissions().mode();
    if mode & 0o077 != 0 {
        tracing::warn!(
            "the master key file {} can be read by other users (mode {:04o}); `chmod 600` it",
            path.display(),
            mode & 0o7777
        );
    }
    let mut content = Zeroizing::new(Vec::with_capacity(64));
    // One byte more than the longest valid content, to tell a longer file.
    (&mut file)
        .take(129)
        .read_to_end(&mut content)
        .with_context(|| format!("cannot read the master key file {}", path.display()))?;
    if content.len() == 32 {
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&content);
        return Ok(MasterKey::new(*bytes));
    }
    let text = std::str::from_utf8(&content).unwrap_or("");
    parse_hex(text.trim()).with_context(|| {
        format!(
            "the master key file {} holds neither 32 bytes nor 64 hex digits",
            path.display()
        )
    })
}

/// Makes a new key file at `path`, atomically.
fn create(path: &Path) -> Result<MasterKey> {
    let key = MasterKey::generate();
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{FILE_NAME}.tmp-{}", std::process::id()));
    let write = || -> io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(key.as_bytes())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(e)
            .with_context(|| format!("cannot create the master key file {}", path.display()));
    }
    tracing::info!(path = %path.display(), "created the master key");
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_hold_bytes_or_hex() {
        let dir = tempfile::tempdir().unwrap();
        let made = dir.path().join("made.key");
        let key = create(&made).unwrap();
        let meta = fs::metadata(&made).unwrap();
        assert_eq!(meta.len(), 32);
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(read(&made).unwrap().as_bytes(), key.as_bytes());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );

        let hex_file = dir.path().join("hex.key");
        fs::write(&hex_file, format!("{}\n", hex::encode(key.as_bytes()))).unwrap();
        assert_eq!(read(&hex_file).unwrap().as_bytes(), key.as_bytes());

        let bad = dir.path().join("bad.key");
        fs::write(&bad, "too short").unwrap();
        let err = format!("{:#}", read(&bad).unwrap_err());
        assert!(err.contains("neither 32 bytes nor 64 hex digits"), "{err}");
        let missing = read(&dir.path().join("missing.key")).unwrap_err();
        assert!(is_not_found(&missing));
    }
}
