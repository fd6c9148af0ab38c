//! The admin socket: how every command but `serve` reaches a running
//! server (only one process may open a store), and the users and
//! keys requests of its first, line-based protocol.
//!
//! `serve` listens on the Unix socket `DATA/admin.sock`, mode 0600: file
//! permissions are the access control, and a peer whose uid is neither the
//! server's nor root's is turned away as well. A stale socket (nothing
//! answers on it) is replaced at start; the socket is removed at shutdown.
//!
//! # Protocol
//!
//! Newline-delimited JSON: the client sends one request per line and gets
//! one answer per line, in order; a connection may carry several requests.
//!
//! ```text
//! {"cmd": "user-add", "name": "alice"}
//! {"cmd": "user-list"}
//! {"cmd": "user-remove", "name": "alice"}
//! {"cmd": "user-disable", "name": "alice"}
//! {"cmd": "user-enable", "name": "alice"}
//! {"cmd": "key-create", "user": "alice"}
//! {"cmd": "key-create", "user": "alice", "expires_ns": 1801353600000000000}
//! {"cmd": "key-list"}                       (every user's keys)
//! {"cmd": "key-list", "user": "alice"}
//! {"cmd": "key-disable", "id": "AK…"}
//! {"cmd": "key-enable", "id": "AK…"}
//! {"cmd": "key-remove", "id": "AK…"}
//! ```
//!
//! An answer is `{"ok": RESULT}` or `{"error": "message"}`, RESULT being
//!
//! ```text
//! "done"                                    (user-remove/disable/enable, key-disable/enable/remove)
//! "unremoved"                               (key-enable of a removed root key: see below)
//! {"user": USER}                            (user-add)
//! {"users": [USER, …]}                      (user-list)
//! {"new-key": {KEY fields…, "secret": "…"}} (key-create: the only time a secret leaves)
//! {"keys": [KEY, …]}                        (key-list)
//!
//! USER = {"name": "alice", "created_ns": 1795000000000000000, "disabled": false}
//! KEY  = {"id": "AK…", "user": "alice", "created_ns": …, "enabled": true,
//!         "expires_ns": …, "user_disabled": true}
//! ```
//!
//! `expires_ns` is there only for a key that expires, `user_disabled` only
//! when the key's user is disabled. `key-enable` of a root key that was
//! removed answers `"unremoved"`: the store no longer keeps it out, and the
//! next start that names it in the environment imports it again.
//!
//! Times are nanoseconds since the Unix epoch. A line that is not a request
//! (or is longer than 64 KiB) is answered with an error and the connection
//! is closed.
//!
//! `{"cmd": "hello", "version": N}` asks to run a whole command instead:
//! a server that speaks version N answers `{"ok": {"hello": {"version":
//! N}}}` and the connection carries binary frames from then on (see
//! `remote.rs`); one that does not answers an error naming its version.
//! Today's `alexander` sends every command that way; the requests above
//! stay for scripts.

use std::future::Future;
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use alexander_s3::iam::{AccessKey, Enabled, Iam, IamError, User};
use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use zeroize::{Zeroize, Zeroizing};

use alexander_store::Store;

use crate::cli::{KeyCommand, UserCommand};
use crate::commands::fmt;

/// The socket's name in the data directory.
pub const SOCKET_NAME: &str = "admin.sock";
/// The longest request line accepted.
const MAX_LINE: usize = 64 << 10;
/// How long a client waits for an answer before giving up.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);

/// One request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Request {
    Hello {
        version: u32,
    },
    UserAdd {
        name: String,
    },
    UserList,
    UserRemove {
        name: String,
    },
    UserDisable {
        name: String,
    },
    UserEnable {
        name: String,
    },
    KeyCreate {
        user: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_ns: Option<i64>,
    },
    KeyList {
        user: Option<String>,
    },
    KeyDisable {
        id: String,
    },
    KeyEnable {
        id: String,
    },
    KeyRemove {
        id: String,
    },
}

/// One answer.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reply {
    Ok(Outcome),
    Error(String),
}

/// What a request that succeeded produced.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Hello { version: u32 },
    Done,
    Unremoved,
    User(UserInfo),
    Users(Vec<UserInfo>),
    NewKey(NewKey),
    Keys(Vec<KeyInfo>),
}

#[derive(Debug, Serialize, Deserialize)]
pub struct UserInfo {
    pub name: String,
    pub created_ns: i64,
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct KeyInfo {
    pub id: String,
    pub user: String,
    pub created_ns: i64,
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_ns: Option<i64>,
    /// Whether the key's user is disabled, which refuses the key whatever
    /// its own state.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub user_disabled: bool,
}

impl KeyInfo {
    /// What `key list` shows: why the key is refused, or "enabled".
    fn state(&self, now_ns: i64) -> &'static str {
        if !self.enabled {
            "disabled"
        } else if self.expires_ns.is_some_and(|e| now_ns >= e) {
            "expired"
        } else if self.user_disabled {
            "user-disabled"
        } else {
            "enabled"
        }
    }
}

/// A key just made, with its secret. The secret is wiped from memory when
/// this is dropped.
#[derive(Serialize, Deserialize)]
pub struct NewKey {
    #[serde(flatten)]
    pub key: KeyInfo,
    pub secret: String,
}

impl Drop for NewKey {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("key", &self.key)
            .field("secret", &"***")
            .finish()
    }
}

impl From<User> for UserInfo {
    fn from(u: User) -> UserInfo {
        UserInfo {
            name: u.name,
            created_ns: u.created_ns,
            disabled: u.disabled,
        }
    }
}

impl From<AccessKey> for KeyInfo {
    fn from(k: AccessKey) -> KeyInfo {
        KeyInfo {
            id: k.id,
            user: k.user,
            created_ns: k.created_ns,
            enabled: k.enabled,
            expires_ns: k.expires_ns,
            user_disabled: false,
        }
    }
}

impl Request {
    fn from_user_command(cmd: UserCommand) -> Request {
        match cmd {
            UserCommand::Add { name } => Request::UserAdd { name },
            UserCommand::List { .. } => Request::UserList,
            UserCommand::Remove { name } => Request::UserRemove { name },
            UserCommand::Disable { name } => Request::UserDisable { name },
            UserCommand::Enable { name } => Request::UserEnable { name },
        }
    }

    fn from_key_command(cmd: KeyCommand) -> Request {
        match cmd {
            // A relative expiry counts from now on this machine: the
            // server runs on the same one (its socket is a local file).
            KeyCommand::Create { user, expires } => Request::KeyCreate {
                user,
                expires_ns: expires.map(|e| e.at(alexander_s3::iam::now_ns())),
            },
            KeyCommand::List { user, .. } => Request::KeyList { user },
            KeyCommand::Disable { id } => Request::KeyDisable { id },
            KeyCommand::Enable { id } => Request::KeyEnable { id },
            KeyCommand::Remove { id } => Request::KeyRemove { id },
        }
    }

    /// For the log: what was asked, never a secret (requests hold none).
    fn describe(&self) -> String {
        match self {
            Request::Hello { version } => format!("hello {version}"),
            Request::UserAdd { name } => format!("user-add {name}"),
            Request::UserList => "user-list".to_owned(),
            Request::UserRemove { name } => format!("user-remove {name}"),
            Request::UserDisable { name } => format!("user-disable {name}"),
            Request::UserEnable { name } => format!("user-enable {name}"),
            Request::KeyCreate {
                user,
                expires_ns: None,
            } => format!("key-create {user}"),
            Request::KeyCreate {
                user,
                expires_ns: Some(at),
            } => format!("key-create {user} expiring {}", fmt::time(*at)),
            Request::KeyList { user: None } => "key-list".to_owned(),
            Request::KeyList { user: Some(user) } => format!("key-list {user}"),
            Request::KeyDisable { id } => format!("key-disable {id}"),
            Request::KeyEnable { id } => format!("key-enable {id}"),
            Request::KeyRemove { id } => format!("key-remove {id}"),
        }
    }
}

/// Runs a request against the users and keys of a store. The server and
/// the direct path both come here, so they answer alike.
pub fn execute(iam: &Iam, req: &Request) -> Reply {
    let result = (|| -> Result<Outcome, IamError> {
        Ok(match req {
            // Answered by the connection itself, which knows its protocol.
            Request::Hello { version } => Outcome::Hello { version: *version },
            Request::UserAdd { name } => Outcome::User(iam.create_user(name)?.into()),
            Request::UserList => {
                Outcome::Users(iam.list_users()?.into_iter().map(Into::into).collect())
            }
            Request::UserRemove { name } => {
                iam.remove_user(name)?;
                Outcome::Done
            }
            Request::UserDisable { name } => {
                iam.set_user_enabled(name, false)?;
                Outcome::Done
            }
            Request::UserEnable { name } => {
                iam.set_user_enabled(name, true)?;
                Outcome::Done
            }
            Request::KeyCreate { user, expires_ns } => {
                let (key, secret) = iam.create_key_expiring(user, *expires_ns)?;
                Outcome::NewKey(NewKey {
                    key: key.into(),
                    secret: secret.expose_secret().to_owned(),
                })
            }
            Request::KeyList { user } => {
                if let Some(u) = user
                    && iam.user(u)?.is_none()
                {
                    return Err(IamError::NoSuchUser(u.clone()));
                }
                let disabled: std::collections::HashSet<String> = iam
                    .list_users()?
                    .into_iter()
                    .filter(|u| u.disabled)
                    .map(|u| u.name)
                    .collect();
                Outcome::Keys(
                    iam.list_keys(user.as_deref())?
                        .into_iter()
                        .map(|k| KeyInfo {
                            user_disabled: disabled.contains(&k.user),
                            ..k.into()
                        })
                        .collect(),
                )
            }
            Request::KeyDisable { id } => {
                iam.set_key_enabled(id, false)?;
                Outcome::Done
            }
            Request::KeyEnable { id } => match iam.enable_key(id)? {
                Enabled::Key => Outcome::Done,
                Enabled::Unremoved => Outcome::Unremoved,
            },
            Request::KeyRemove { id } => {
                iam.remove_key(id)?;
                Outcome::Done
            }
        })
    })();
    match result {
        Ok(outcome) => Reply::Ok(outcome),
        Err(e) => Reply::Error(e.to_string()),
    }
}

// ---- client -------------------------------------------------------------

/// The socket of the server on a data directory.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_NAME)
}

/// A connection to the server running on `data_dir`, or `None` if no
/// server runs there (no socket, or a stale one nothing answers on).
pub fn connect(data_dir: &Path) -> Result<Option<UnixStream>> {
    let path = socket_path(data_dir);
    match UnixStream::connect(&path) {
        Ok(stream) => Ok(Some(stream)),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
            ) =>
        {
            Ok(None)
        }
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Err(anyhow!(
            "cannot reach the server's admin socket {}: permission denied (run this as the \
             user the server runs as)",
            path.display()
        )),
        Err(e) => {
            Err(e).with_context(|| format!("cannot reach the admin socket {}", path.display()))
        }
    }
}

/// Says hello on a fresh connection: fails with a clear message unless
/// the server runs commands with the protocol this binary speaks.
pub fn hello(stream: &UnixStream, data_dir: &Path) -> Result<()> {
    stream.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    stream.set_write_timeout(Some(CLIENT_TIMEOUT))?;
    let version = crate::remote::VERSION;
    let mut line = serde_json::to_vec(&Request::Hello { version })?;
    line.push(b'\n');
    let mut w = stream;
    w.write_all(&line)
        .context("cannot send the command to the server")?;
    // Byte by byte: the frames that follow must stay unread.
    let mut answer = Vec::new();
    let mut byte = [0u8];
    while answer.len() <= MAX_LINE {
        match (&mut &*stream).read(&mut byte) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) => answer.push(byte[0]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e).context("no answer from the server"),
        }
    }
    let mismatch = |theirs: &str| {
        anyhow!(
            "the server running on {} speaks {theirs} of the admin protocol and this \
             alexander version {version}: run the alexander the server runs, or restart the \
             server with this one",
            data_dir.display()
        )
    };
    if answer.is_empty() {
        bail!("the server closed the admin connection without answering");
    }
    match serde_json::from_slice::<Reply>(&answer) {
        Ok(Reply::Ok(Outcome::Hello { version: v })) if v == version => Ok(()),
        Ok(Reply::Ok(Outcome::Hello { version: v })) => Err(mismatch(&format!("version {v}"))),
        // A server from before the hello knows only the line requests.
        Ok(Reply::Error(e)) if e.starts_with("not a request") => {
            Err(mismatch("only the first version"))
        }
        Ok(Reply::Error(e)) => bail!("{e}"),
        _ => Err(mismatch("another version")),
    }?;
    // A command may take as long as it takes (a gc, a large put).
    stream.set_read_timeout(None)?;
    stream.set_write_timeout(None)?;
    Ok(())
}

/// Runs `alexander user …` on the users and keys of a store.
pub fn user_command(iam: &Iam, cmd: UserCommand, out: &mut dyn Write) -> Result<()> {
    let json = matches!(cmd, UserCommand::List { json: true });
    let req = Request::from_user_command(cmd);
    let reply = execute(iam, &req);
    report(&req, reply, json, out)
}

/// Runs `alexander key …` on the users and keys of a store.
pub fn key_command(iam: &Iam, cmd: KeyCommand, out: &mut dyn Write) -> Result<()> {
    let json = matches!(cmd, KeyCommand::List { json: true, .. });
    let req = Request::from_key_command(cmd);
    let reply = execute(iam, &req);
    report(&req, reply, json, out)
}

fn report(req: &Request, reply: Reply, json: bool, out: &mut dyn Write) -> Result<()> {
    let outcome = match reply {
        Reply::Ok(o) => o,
        Reply::Error(message) => bail!("{message}"),
    };
    match (req, outcome) {
        (_, Outcome::Users(users)) if json => {
            let users: Vec<_> = users
                .into_iter()
                .map(|u| {
                    serde_json::json!({
                        "name": u.name,
                        "created": fmt::time(u.created_ns),
                        "state": if u.disabled { "disabled" } else { "enabled" },
                    })
                })
                .collect();
            serde_json::to_writer(&mut *out, &serde_json::json!({ "users": users }))?;
            writeln!(out)?;
        }
        (_, Outcome::Keys(keys)) if json => {
            let now = alexander_s3::iam::now_ns();
            let keys: Vec<_> = keys
                .into_iter()
                .map(|k| {
                    serde_json::json!({
                        "id": k.id,
                        "user": k.user,
                        "created": fmt::time(k.created_ns),
                        "state": k.state(now),
                        "expires": k.expires_ns.map(fmt::time),
                    })
                })
                .collect();
            serde_json::to_writer(&mut *out, &serde_json::json!({ "keys": keys }))?;
            writeln!(out)?;
        }
        (Request::UserAdd { .. }, Outcome::User(u)) => writeln!(out, "created user {}", u.name)?,
        (_, Outcome::Users(users)) => {
            for u in users {
                writeln!(
                    out,
                    "{}  {:<8}  {}",
                    fmt::time(u.created_ns),
                    if u.disabled { "disabled" } else { "enabled" },
                    u.name
                )?;
            }
        }
        (Request::UserRemove { name }, Outcome::Done) => writeln!(out, "removed user {name}")?,
        (Request::UserDisable { name }, Outcome::Done) => writeln!(
            out,
            "disabled user {name}: requests signed with its access keys are refused until \
             `alexander user enable {name}`"
        )?,
        (Request::UserEnable { name }, Outcome::Done) => writeln!(out, "enabled user {name}")?,
        (_, Outcome::NewKey(new)) => {
            writeln!(out, "user:       {}", new.key.user)?;
            writeln!(out, "access key: {}", new.key.id)?;
            writeln!(out, "secret key: {}", new.secret)?;
            if let Some(at) = new.key.expires_ns {
                writeln!(out, "expires:    {}", fmt::time(at))?;
            }
            writeln!(
                out,
                "The secret key is shown only this once; the store keeps it sealed with the \
                 master key."
            )?;
        }
        (_, Outcome::Keys(keys)) => {
            let now = alexander_s3::iam::now_ns();
            for k in keys {
                let line = format!(
                    "{}  {:<13}  {:<20}  {}",
                    fmt::time(k.created_ns),
                    k.state(now),
                    k.user,
                    k.id
                );
                match k.expires_ns {
                    Some(at) => writeln!(out, "{line}  expires {}", fmt::time(at))?,
                    None => writeln!(out, "{line}")?,
                }
            }
        }
        (Request::KeyDisable { id }, Outcome::Done) => writeln!(out, "disabled access key {id}")?,
        (Request::KeyEnable { id }, Outcome::Done) => writeln!(out, "enabled access key {id}")?,
        (Request::KeyEnable { id }, Outcome::Unremoved) => writeln!(
            out,
            "root access key {id} was removed; the store no longer keeps it out: the next \
             `alexander serve` with ALEXANDER_ROOT_ACCESS_KEY={id} (and its secret in \
             ALEXANDER_ROOT_SECRET_KEY) imports it again"
        )?,
        (Request::KeyRemove { id }, Outcome::Done) => writeln!(out, "removed access key {id}")?,
        (req, outcome) => bail!("unexpected answer to {}: {outcome:?}", req.describe()),
    }
    Ok(())
}

// ---- server -------------------------------------------------------------

/// The bound admin socket. Dropping it removes the socket file.
pub struct Socket {
    path: PathBuf,
    listener: Option<std::os::unix::net::UnixListener>,
    /// The server's uid: the socket file's owner.
    uid: u32,
}

impl Socket {
    /// Binds `DATA/admin.sock`, mode 0600, replacing a stale socket. The
    /// caller holds the store open, so no other server can be starting on
    /// the same directory meanwhile.
    pub fn bind(data_dir: &Path) -> Result<Socket> {
        let path = socket_path(data_dir);
        if connect(data_dir)?.is_some() {
            bail!(
                "a server is already running on {} (its admin socket {} answers)",
                data_dir.display(),
                path.display()
            );
        }
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_socket() => {
                tracing::info!(path = %path.display(), "removing a stale admin socket");
                std::fs::remove_file(&path).with_context(|| {
                    format!("cannot remove the stale socket {}", path.display())
                })?;
            }
            Ok(_) => bail!(
                "{} exists and is not a socket; move it away",
                path.display()
            ),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot inspect {}", path.display())),
        }
        // Bound under a temporary name, restricted, then renamed: the
        // socket is never reachable with looser permissions.
        let tmp = data_dir.join(format!(".{SOCKET_NAME}.tmp-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let bind = || -> io::Result<(std::os::unix::net::UnixListener, u32)> {
            let listener = std::os::unix::net::UnixListener::bind(&tmp)?;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
            let uid = std::fs::metadata(&tmp)?.uid();
            std::fs::rename(&tmp, &path)?;
            listener.set_nonblocking(true)?;
            Ok((listener, uid))
        };
        match bind() {
            Ok((listener, uid)) => Ok(Socket {
                path,
                listener: Some(listener),
                uid,
            }),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e).with_context(|| format!("cannot create the admin socket {}", path.display()))
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The socket as a tokio listener; must be called inside the runtime.
    pub fn listen(&mut self) -> Result<Server> {
        let listener = self
            .listener
            .take()
            .ok_or_else(|| anyhow!("the admin socket is already listening"))?;
        Ok(Server {
            listener: tokio::net::UnixListener::from_std(listener)?,
            uid: self.uid,
            changed: None,
        })
    }
}

/// The admin socket, listening.
pub struct Server {
    listener: tokio::net::UnixListener,
    uid: u32,
    changed: Option<ChangeHook>,
}

/// Told after a command that may have changed objects or buckets ran (see
/// [`crate::remote::serve`]).
pub type ChangeHook = std::sync::Arc<dyn Fn() + Send + Sync>;

impl Server {
    /// Calls `hook` after each command that may have changed objects or
    /// buckets (the mount drops what the kernel caches of them).
    pub fn on_change(mut self, hook: ChangeHook) -> Server {
        self.changed = Some(hook);
        self
    }

    /// Answers requests until `shutdown` completes.
    pub async fn run(
        self,
        store: Store,
        iam: Iam,
        ctx: std::sync::Arc<crate::config::MaintenanceSettings>,
        shutdown: impl Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let stream = match accepted {
                        Ok((stream, _)) => stream,
                        Err(e) => {
                            tracing::warn!("admin socket: accept failed: {e}");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    match stream.peer_cred() {
                        Ok(cred) if cred.uid() == self.uid || cred.uid() == 0 => {}
                        Ok(cred) => {
                            tracing::warn!(
                                peer_uid = cred.uid(),
                                "admin socket: refused a connection from another user"
                            );
                            continue;
                        }
                        Err(e) => {
                            tracing::warn!("admin socket: cannot tell who connected: {e}");
                            continue;
                        }
                    }
                    tokio::spawn(connection(
                        stream,
                        store.clone(),
                        iam.clone(),
                        ctx.clone(),
                        self.changed.clone(),
                    ));
                }
                () = &mut shutdown => return,
            }
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(
                "cannot remove the admin socket {}: {e}",
                self.path.display()
            );
        }
    }
}

/// Serves one client connection.
async fn connection(
    stream: tokio::net::UnixStream,
    store: Store,
    iam: Iam,
    ctx: std::sync::Arc<crate::config::MaintenanceSettings>,
    changed: Option<ChangeHook>,
) {
    let (reader, mut writer) = stream.into_split();
    let mut reader = tokio::io::BufReader::new(reader);
    loop {
        let mut line = Vec::new();
        match (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .await
        {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => {
                tracing::debug!("admin socket: read failed: {e}");
                return;
            }
        }
        if line.iter().all(u8::is_ascii_whitespace) && line.ends_with(b"\n") {
            continue;
        }
        let mut upgrade = false;
        let (reply, close) = if line.len() > MAX_LINE {
            (Reply::Error("request line too long".to_owned()), true)
        } else {
            match serde_json::from_slice::<Request>(&line) {
                Ok(Request::Hello { version }) if version == crate::remote::VERSION => {
                    upgrade = true;
                    (Reply::Ok(Outcome::Hello { version }), false)
                }
                Ok(Request::Hello { version }) => (
                    Reply::Error(format!(
                        "this server speaks version {} of the admin protocol, the client \
                         version {version}: run the alexander the server runs, or restart the \
                         server with the client's",
                        crate::remote::VERSION
                    )),
                    true,
                ),
                Ok(req) => {
                    let what = req.describe();
                    let iam = iam.clone();
                    let reply = tokio::task::spawn_blocking(move || execute(&iam, &req))
                        .await
                        .unwrap_or_else(|e| Reply::Error(format!("the request failed: {e}")));
                    match &reply {
                        Reply::Ok(_) => tracing::info!("admin: {what}"),
                        Reply::Error(e) => tracing::info!("admin: {what}: {e}"),
                    }
                    (reply, false)
                }
                Err(e) => (Reply::Error(format!("not a request: {e}")), true),
            }
        };
        let mut answer = match serde_json::to_vec(&reply) {
            Ok(v) => Zeroizing::new(v),
            Err(e) => {
                tracing::error!("admin socket: cannot encode an answer: {e}");
                return;
            }
        };
        answer.push(b'\n');
        if let Err(e) = writer.write_all(&answer).await {
            tracing::debug!("admin socket: write failed: {e}");
            return;
        }
        if upgrade {
            // The client waits for the hello's answer before it sends a
            // frame, so nothing of the session is buffered here.
            if !reader.buffer().is_empty() {
                tracing::warn!(
                    "admin socket: a client sent a command before its hello was answered"
                );
                return;
            }
            let stream = match reader.into_inner().reunite(writer) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!("admin socket: {e}");
                    return;
                }
            };
            let stream = match stream.into_std().and_then(|s| {
                s.set_nonblocking(false)?;
                Ok(s)
            }) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!("admin socket: cannot hand the connection over: {e}");
                    return;
                }
            };
            // A command blocks (the store is synchronous), on a thread of
            // its own, for as long as it runs.
            let _ = tokio::task::spawn_blocking(move || {
                crate::remote::serve(stream, &store, &iam, &ctx, changed.as_deref())
            })
            .await;
            return;
        }
        if close {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format() {
        let req: Request = serde_json::from_str(r#"{"cmd": "user-add", "name": "alice"}"#).unwrap();
        assert_eq!(
            req,
            Request::UserAdd {
                name: "alice".into()
            }
        );
        let req: Request = serde_json::from_str(r#"{"cmd":"key-list"}"#).unwrap();
        assert_eq!(req, Request::KeyList { user: None });
        assert!(serde_json::from_str::<Request>(r#"{"cmd":"user-add"}"#).is_err());
        assert!(serde_json::from_str::<Request>(r#"{"cmd":"user-add","name":"a","x":1}"#).is_err());
        assert!(serde_json::from_str::<Request>(r#"{"cmd":"format-disk"}"#).is_err());

        let done = serde_json::to_string(&Reply::Ok(Outcome::Done)).unwrap();
        assert_eq!(done, r#"{"ok":"done"}"#);
        let err = serde_json::to_string(&Reply::Error("no such user".into())).unwrap();
        assert_eq!(err, r#"{"error":"no such user"}"#);
        let new = Reply::Ok(Outcome::NewKey(NewKey {
            key: KeyInfo {
                id: "AK1".into(),
                user: "alice".into(),
                created_ns: 5,
                enabled: true,
                expires_ns: None,
                user_disabled: false,
            },
            secret: "s3cr3t".into(),
        }));
        let text = serde_json::to_string(&new).unwrap();
        assert_eq!(
            text,
            r#"{"ok":{"new-key":{"id":"AK1","user":"alice","created_ns":5,"enabled":true,"secret":"s3cr3t"}}}"#
        );
        assert!(!format!("{new:?}").contains("s3cr3t"));
        let back: Reply = serde_json::from_str(&text).unwrap();
        assert!(matches!(back, Reply::Ok(Outcome::NewKey(k)) if k.secret == "s3cr3t"));
        // Users can be disabled; keys can expire, and say when their user
        // is disabled. Fields added later are optional on the wire.
        let req: Request = serde_json::from_str(r#"{"cmd":"user-disable","name":"bob"}"#).unwrap();
        assert_eq!(req, Request::UserDisable { name: "bob".into() });
        let req: Request =
            serde_json::from_str(r#"{"cmd":"key-create","user":"bob","expires_ns":9}"#).unwrap();
        assert_eq!(
            req,
            Request::KeyCreate {
                user: "bob".into(),
                expires_ns: Some(9)
            }
        );
        let plain = Request::KeyCreate {
            user: "bob".into(),
            expires_ns: None,
        };
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            r#"{"cmd":"key-create","user":"bob"}"#
        );
        let unremoved = serde_json::to_string(&Reply::Ok(Outcome::Unremoved)).unwrap();
        assert_eq!(unremoved, r#"{"ok":"unremoved"}"#);
        let key = KeyInfo {
            id: "AK2".into(),
            user: "bob".into(),
            created_ns: 5,
            enabled: true,
            expires_ns: Some(10),
            user_disabled: true,
        };
        assert_eq!(
            serde_json::to_string(&key).unwrap(),
            r#"{"id":"AK2","user":"bob","created_ns":5,"enabled":true,"expires_ns":10,"user_disabled":true}"#
        );
        assert_eq!(key.state(9), "user-disabled");
        assert_eq!(key.state(10), "expired");
        let users = r#"{"ok":{"users":[{"name":"root","created_ns":1}]}}"#;
        assert!(matches!(
            serde_json::from_str::<Reply>(users).unwrap(),
            Reply::Ok(Outcome::Users(u)) if u.len() == 1
        ));
    }
}
