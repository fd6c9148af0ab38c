//! Runs a parsed command line: resolves the settings, sets up logging and
//! dispatches: `serve` to the server below, every other command to the
//! server holding the store through its admin socket (`remote.rs`) or,
//! when no server runs, to the store opened here.
//!
//! Output goes through one buffered writer on standard output; a write
//! that fails comes back as a bare `io::Error`, which `main` recognises
//! when it is a closed pipe (`alexander get … | head`).
//!
//! `serve` opens the store, sets up the master key and the root user, and
//! builds a multi-threaded tokio runtime that serves S3 and the admin
//! socket until SIGINT or SIGTERM. Then it stops accepting, waits for the
//! requests in flight (up to the drain timeout; a second signal cuts the
//! wait short), flushes the store and removes the socket.

use std::io::{self, BufWriter, Write};
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;
use std::time::Duration;

use alexander_s3::auth::SecretKey;
use alexander_s3::iam::{AccessKey, Iam, IamError, ROOT, RootImport};
use alexander_s3::{MetricsEndpoint, OWNER_SETTING, S3Service};
use alexander_store::Store;
use anyhow::{Context, Result, anyhow, bail};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use crate::admin;
use crate::cli::{BucketCommand, Cli, Command, Generated, LogFormat, ServeArgs, StoreCommand};
use crate::commands;
use crate::config::{self, ROOT_ACCESS_KEY_ENV, ServeSettings, Settings};
use crate::master_key;
use crate::metrics::Metrics;

/// What is logged when RUST_LOG says nothing: warnings, and for `serve`
/// also its own progress.
///
/// fuser logs at `error` every reply the kernel refuses. The kernel refuses
/// one only for a request it no longer waits for: one the caller
/// interrupted, or any still in flight when the mount is taken away
/// (`fusermount3 -u`, `umount -l`). Neither is a fault of the server, and
/// an operator reading "ERROR" after a clean unmount would look for one,
/// so those lines are left out unless RUST_LOG asks for them.
const QUIET: &str = "warn";
const SERVER_LOG: &str =
    "warn,fuser::reply=off,alexander=info,alexander_s3=info,alexander_store=info";

/// How long blocking work may still run once the server has stopped.
const RUNTIME_STOP: Duration = Duration::from_secs(5);

/// Runs the command. An `Err` is reported by `main`.
pub fn run(cli: Cli) -> Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(256 << 10, stdout.lock());
    if let Command::Generate(what) = &cli.command {
        match *what {
            Generated::Man => crate::man::render(&mut out)?,
            Generated::Completions { shell } => {
                let mut cmd = <Cli as clap::CommandFactory>::command();
                clap_complete::generate(shell, &mut cmd, "alexander", &mut out);
            }
        }
        return Ok(out.flush()?);
    }

    let settings = Settings::resolve(&cli.global)?;
    let serving = matches!(cli.command, Command::Serve(_));
    init_logging(
        cli.global.log_format,
        if serving { SERVER_LOG } else { QUIET },
    );
    match cli.command {
        Command::Serve(args) => return serve(&settings, &args, &mut out),
        Command::Store(cmd) => match admin::connect(&settings.data_dir)? {
            Some(stream) => {
                tracing::debug!("running the command in the server");
                crate::remote::run(stream, &settings.data_dir, cmd, &mut out)?
            }
            None => store_command(&settings, cmd, &mut out)?,
        },
        Command::Generate(_) => unreachable!("handled above"),
    }
    Ok(out.flush()?)
}

/// A command run on the store opened here (no server holds it).
fn store_command(settings: &Settings, command: StoreCommand, out: &mut impl Write) -> Result<()> {
    let creates = matches!(command, StoreCommand::Bucket(BucketCommand::Create { .. }));
    let store = open(settings, creates)?;
    let iam = || -> Result<Iam> {
        let master = master_key::resolve(settings, &store)?;
        Ok(Iam::new(store.clone(), &master.key))
    };
    let mut con = commands::Local {
        out,
        shown: crate::progress::Display::new(),
    };
    let result = commands::execute(&store, &iam, &settings.maintenance, command, &mut con);
    store.flush()?;
    result
}

/// Whether the command failed only because standard output was closed.
pub fn is_closed_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// The error and its causes, joined by ": ". A cause whose text the
/// message already holds is left out: the store's I/O errors, for one,
/// print their source in their own message as well.
pub fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

fn init_logging(format: LogFormat, default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // Colours only on a terminal: a journal or a log file gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(io::IsTerminal::is_terminal(&io::stderr()))
        .with_writer(io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Opens the store. Only `bucket create` and `serve` may make a new one:
/// any other command pointed at the wrong directory would otherwise leave
/// an empty store there and report a missing bucket.
pub fn open(settings: &Settings, create: bool) -> Result<Store> {
    let dir = &settings.data_dir;
    // Say so plainly rather than report the database's lock.
    if admin::connect(dir)?.is_some() {
        bail!(
            "a server is running on {}; stop it or use S3",
            dir.display()
        );
    }
    // `Store::open` keeps its metadata in `meta/` under the directory.
    if !create && !dir.join("meta").is_dir() {
        bail!(
            "no store in {} (`alexander bucket create NAME` or `alexander serve` makes one; \
             --data or ALEXANDER_DATA names another directory)",
            dir.display()
        );
    }
    if create && !dir.exists() {
        // The store, its master key and admin socket are for its owner only.
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let store = Store::open(dir, settings.store.clone()).map_err(|e| {
        if matches!(e, alexander_store::Error::InUse) {
            anyhow!(
                "the store in {} is in use by another process (only one can open it at a time)",
                dir.display()
            )
        } else {
            anyhow::Error::new(e).context(format!("cannot open the store in {}", dir.display()))
        }
    })?;
    tracing::debug!(dir = %dir.display(), "store opened");
    Ok(store)
}

/// Says why a mount cannot work before trying it: the FUSE device must be
/// there and open for reading and writing by this user (root, or anyone
/// when its mode is 0666, as Debian's udev rules set it), even for a mount
/// made through the setuid `fusermount3`.
fn check_fuse_device(at: &Path) -> Result<()> {
    const DEVICE: &str = "/dev/fuse";
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(DEVICE)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "cannot mount at {}: {DEVICE} is missing (load the module: modprobe fuse)",
            at.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(DEVICE)
                .map(|m| format!("{:04o}", m.permissions().mode() & 0o7777))
                .unwrap_or_else(|_| "unknown".into());
            bail!(
                "cannot mount at {}: this user (uid {}) may not open {DEVICE} (mode {mode}); \
                 a mount by a user other than root needs it readable and writable by all \
                 (mode 0666, Debian's default) and fuse3's fusermount3",
                at.display(),
                effective_uid()
            )
        }
        Err(e) => Err(e)
            .with_context(|| format!("cannot mount at {}: cannot open {DEVICE}", at.display())),
    }
}

/// This process's effective user id (the owner of `/proc/self`).
fn effective_uid() -> String {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map_or_else(|_| "unknown".into(), |m| m.uid().to_string())
}

/// Mounts the store at `at`: creates the directory if missing and clears a
/// mount that a killed server left there (its directory then answers
/// ENOTCONN).
fn mount_store(
    store: &Store,
    at: &Path,
    args: &ServeArgs,
    user: &str,
    metrics: &alexander_fuse::FuseMetrics,
) -> Result<alexander_fuse::MountHandle> {
    // Opening the directory, not `stat`: the kernel may answer a `stat` of
    // a dead mount's root from its attribute cache (for as long as the
    // mount's cache time), but every open goes to the (gone) server.
    if let Err(e) = std::fs::read_dir(at)
        && e.raw_os_error() == Some(libc::ENOTCONN)
    {
        tracing::warn!(mount = %at.display(), "clearing a stale mount");
        let cleared = std::process::Command::new("fusermount3")
            .arg("-u")
            .arg("-z")
            .arg(at)
            .status()
            .or_else(|_| {
                std::process::Command::new("umount")
                    .arg("-l")
                    .arg(at)
                    .status()
            })
            .with_context(|| format!("cannot clear the stale mount at {}", at.display()))?;
        if !cleared.success() {
            bail!("cannot clear the stale mount at {}", at.display());
        }
    }
    std::fs::create_dir_all(at).with_context(|| format!("cannot create {}", at.display()))?;
    check_fuse_device(at)?;
    if let Some(b) = &args.bucket {
        // Made for the mount, the bucket is its user's, as a bucket made by
        // mkdir at the mount's root is.
        let owner = [(OWNER_SETTING.to_owned(), user.to_owned())];
        match store.create_bucket_with(b, owner.into_iter().collect()) {
            Ok(_) => tracing::info!(bucket = %b, "created the bucket to mount"),
            Err(alexander_store::Error::BucketAlreadyExists(_)) => {}
            Err(e) => return Err(e).with_context(|| format!("cannot mount bucket {b}")),
        }
    }
    let defaults = alexander_fuse::MountOptions::default();
    let options = alexander_fuse::MountOptions {
        read_only: args.read_only,
        allow_other: args.allow_other,
        ttl: args
            .mount_cache_secs
            .map_or(alexander_fuse::DEFAULT_TTL, std::time::Duration::from_secs),
        uid: args.mount_uid.unwrap_or(defaults.uid),
        gid: args.mount_gid.unwrap_or(defaults.gid),
        bucket: args.bucket.clone(),
        user: user.to_owned(),
        metrics: metrics.clone(),
        ..defaults
    };
    alexander_fuse::mount(store.clone(), at, options).with_context(|| {
        format!(
            "cannot mount at {} (is fuse3 installed, and /dev/fuse there?)",
            at.display()
        )
    })
}

/// `alexander serve`.
fn serve(settings: &Settings, args: &ServeArgs, out: &mut impl Write) -> Result<()> {
    let config = ServeSettings::resolve(settings, args)?;
    let root = config::root_credentials()?;
    let dir = &settings.data_dir;
    if admin::connect(dir)?.is_some() {
        bail!("a server is already running on {}", dir.display());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("alexander")
        .build()
        .context("cannot start the async runtime")?;
    // The port first: if it is taken, nothing has been made yet.
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(&config.listen))
        .map_err(|e| listen_error(&config.listen, e))?;
    let addr = listener.local_addr()?;
    let store = open(settings, true)?;
    let master = master_key::resolve(settings, &store)?;
    let iam = Iam::new(store.clone(), &master.key);
    let imported = match &root {
        Some((id, secret)) => Some(import_root_key(&iam, id, secret)?),
        None => None,
    };
    // A root key named in the environment is the operator's choice: if an
    // administrator removed it, root is left without a new random one.
    let new_root = match &root {
        None => iam.ensure_root().context("cannot set up the root user")?,
        Some(_) => None,
    };
    if iam.user(ROOT)?.is_some_and(|u| u.disabled) {
        tracing::warn!(
            "the root user is disabled: every root access key is refused \
             (`alexander user enable root` enables it)"
        );
    }
    let fuse_metrics = alexander_fuse::FuseMetrics::default();
    let mount = match &args.mount {
        Some(at) => {
            // The mount acts as this user: it must exist (a misspelt name
            // would otherwise show an empty mount).
            if iam.user(&config.mount_user)?.is_none() {
                bail!(
                    "no such user {:?} for --mount-user (add it with `alexander user add`)",
                    config.mount_user
                );
            }
            Some(mount_store(
                &store,
                at,
                args,
                &config.mount_user,
                &fuse_metrics,
            )?)
        }
        None => None,
    };
    let mut socket = admin::Socket::bind(dir)?;

    let (admin_server, signals) = {
        let _context = runtime.enter();
        (socket.listen()?, Signals::install()?)
    };

    let banner = Banner {
        endpoint: format!("http://{addr}"),
        config: &config,
        data_dir: dir,
        master: &master,
        new_root: new_root.as_ref(),
        imported_root: root
            .as_ref()
            .zip(imported)
            .map(|((id, _), how)| (id.as_str(), how)),
        socket: socket.path(),
        mount: mount.as_ref().map(|m| m.mountpoint()),
        mount_bucket: args.bucket.as_deref(),
    };
    // The server runs whether or not anyone reads this (`serve | head`).
    if let Err(e) = banner.write(out).and_then(|()| Ok(out.flush()?)) {
        tracing::warn!("cannot print the start-up message: {e:#}");
    }
    drop(new_root);
    tracing::info!(%addr, data = %dir.display(), region = %config.s3.region, "listening");

    let service = match &mount {
        // Changes made over S3 drop what the kernel caches of them in the
        // mount at once, rather than when its cache times out.
        Some(m) => {
            let inval = m.invalidator();
            S3Service::with_change_hook(
                store.clone(),
                iam.clone(),
                config.s3.clone(),
                std::sync::Arc::new(move |bucket: &str, key: &str| {
                    inval.invalidate_key(bucket, key)
                }),
            )
        }
        None => S3Service::new(store.clone(), iam.clone(), config.s3.clone()),
    };
    // The server's metrics; the background tasks report through clones of
    // this handle (`gc_ran`, `task_succeeded`, ...).
    let metrics = Metrics::new(store.clone(), service.metrics(), &fuse_metrics);
    let scrape = metrics.clone();
    let mut service = service
        .with_metrics_endpoint(MetricsEndpoint {
            render: std::sync::Arc::new(move || scrape.render()),
            token: config.metrics_token.clone(),
        })
        .with_access_log(config.access_log);
    if let Some(m) = &mount {
        let at = m.mountpoint().to_owned();
        service = service.with_ready_check(std::sync::Arc::new(move || mount_alive(&at)));
    }
    // Lifecycle passes and commands change objects behind the mount's
    // back, naming no key: the mount drops all it let the kernel cache.
    let changed: Option<crate::admin::ChangeHook> = mount.as_ref().map(|m| {
        let inval = m.invalidator();
        std::sync::Arc::new(move || inval.invalidate_all()) as crate::admin::ChangeHook
    });
    let admin_server = match &changed {
        Some(hook) => admin_server.on_change(hook.clone()),
        None => admin_server,
    };
    // GC, compaction, lifecycle and scheduled snapshots run beside the
    // requests.
    let maintenance = crate::maintenance::Maintenance::start(
        store.clone(),
        settings.maintenance.clone(),
        metrics.clone(),
        changed,
    )
    .context("cannot start the maintenance thread")?;
    let drain = config.drain;
    let scrub = crate::scrub::BackgroundScrub::start(&store, settings.scrub, metrics.clone());
    let result = runtime.block_on(async {
        // The socket goes as soon as it stops accepting: a command run
        // meanwhile then finds no server rather than a silent one.
        let admin = async {
            admin_server
                .run(
                    store.clone(),
                    iam.clone(),
                    std::sync::Arc::new(settings.maintenance.clone()),
                    signals.received(1),
                )
                .await;
            drop(socket);
        };
        let s3 = async {
            tokio::select! {
                r = alexander_s3::serve(listener, service, signals.received(1), drain) => r,
                () = signals.received(2) => {
                    tracing::warn!("second signal: not waiting for requests in flight");
                    Ok(())
                }
            }
        };
        let ((), served) = tokio::join!(admin, s3);
        served
    });
    runtime.shutdown_timeout(RUNTIME_STOP);
    maintenance.stop();
    if let Some(s) = scrub {
        s.stop();
    }
    if let Some(m) = mount {
        let at = m.mountpoint().display().to_string();
        if let Err(e) = m.unmount() {
            tracing::warn!("unmounting {at}: {e}");
        }
    }
    let flushed = store.flush().context("cannot flush the store");
    result.context("the S3 server failed")?;
    flushed?;
    tracing::info!("stopped");
    Ok(())
}

/// The Linux filesystem type of a FUSE mount (`statfs`'s `f_type`).
const FUSE_SUPER_MAGIC: i64 = 0x6573_5546;

/// Whether the mount at `at` is alive, for `/readyz`: its root opens (which
/// goes to our FUSE threads, not the kernel's cache) and it is still a
/// FUSE mount (not the bare directory under a mount undone from outside).
fn mount_alive(at: &Path) -> Result<(), String> {
    std::fs::read_dir(at)
        .map_err(|e| format!("the mount at {} does not answer: {e}", at.display()))?;
    let fs = rustix::fs::statfs(at)
        .map_err(|e| format!("cannot statfs the mount at {}: {e}", at.display()))?;
    #[allow(
        clippy::unnecessary_cast,
        reason = "f_type's width differs by platform"
    )]
    if fs.f_type as i64 != FUSE_SUPER_MAGIC {
        return Err(format!("{} is no longer mounted", at.display()));
    }
    Ok(())
}

/// Imports the root key named in the environment, and warns when an
/// administrator's decision keeps it out: the warning names the command
/// that undoes the decision.
fn import_root_key(iam: &Iam, id: &str, secret: &str) -> Result<RootImport> {
    match iam.create_user(ROOT) {
        Ok(_) | Err(IamError::UserExists(_)) => {}
        Err(e) => return Err(e).context("cannot create the root user"),
    }
    let how = iam
        .import_root_key(id, secret)
        .with_context(|| format!("cannot import the root key from {ROOT_ACCESS_KEY_ENV}"))?;
    match how {
        RootImport::Imported => {
            tracing::info!(key = id, "imported the root key from {ROOT_ACCESS_KEY_ENV}")
        }
        RootImport::Present => {}
        RootImport::StaysDisabled => tracing::warn!(
            "root access key {id} from {ROOT_ACCESS_KEY_ENV} was disabled by an administrator \
             and stays disabled; `alexander key enable {id}` enables it"
        ),
        RootImport::StaysRemoved => tracing::warn!(
            "root access key {id} from {ROOT_ACCESS_KEY_ENV} was removed by an administrator \
             and stays removed; `alexander key enable {id}` lets the next start import it again"
        ),
    }
    Ok(how)
}

fn listen_error(listen: &str, e: io::Error) -> anyhow::Error {
    let hint = match e.kind() {
        io::ErrorKind::AddrInUse => {
            " (another program uses that port: stop it, or choose another address with \
             --listen or s3.listen)"
        }
        io::ErrorKind::PermissionDenied => " (ports below 1024 need privileges)",
        io::ErrorKind::AddrNotAvailable => " (no such address on this machine)",
        _ => "",
    };
    anyhow!("cannot listen on {listen}: {e}{hint}")
}

/// SIGINT and SIGTERM, counted: the first stops the server, a second cuts
/// the wait for requests in flight short.
struct Signals {
    count: watch::Receiver<u32>,
}

impl Signals {
    /// Installs the handlers; must be called inside the runtime. From here
    /// on the signals no longer kill the process.
    fn install() -> Result<Signals> {
        let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
        let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
        let (tx, count) = watch::channel(0u32);
        tokio::spawn(async move {
            loop {
                let name = tokio::select! {
                    _ = term.recv() => "SIGTERM",
                    _ = int.recv() => "SIGINT",
                };
                tx.send_modify(|n| *n += 1);
                if *tx.borrow() == 1 {
                    tracing::info!("{name}: stopping");
                }
            }
        });
        Ok(Signals { count })
    }

    /// Completes once `n` signals have arrived.
    fn received(&self, n: u32) -> impl Future<Output = ()> + use<> {
        let mut count = self.count.clone();
        async move {
            // An error means the counting task is gone: the runtime is
            // going down, so stop.
            let _ = count.wait_for(|c| *c >= n).await;
        }
    }
}

/// What `serve` prints on standard output once it is ready; the last line,
/// "listening on http://ADDR", says so.
struct Banner<'a> {
    endpoint: String,
    config: &'a ServeSettings,
    data_dir: &'a Path,
    master: &'a master_key::Loaded,
    new_root: Option<&'a (AccessKey, SecretKey)>,
    imported_root: Option<(&'a str, RootImport)>,
    socket: &'a Path,
    mount: Option<&'a Path>,
    /// The one bucket mounted, if the mount is of one bucket.
    mount_bucket: Option<&'a str>,
}

impl Banner<'_> {
    fn write(&self, out: &mut impl Write) -> Result<()> {
        writeln!(out, "endpoint:     {}", self.endpoint)?;
        writeln!(out, "region:       {}", self.config.s3.region)?;
        if let Some(domain) = &self.config.s3.vhost_domain {
            writeln!(out, "vhost domain: {domain} (BUCKET.{domain})")?;
        }
        writeln!(out, "data:         {}", self.data_dir.display())?;
        if self.master.created {
            writeln!(
                out,
                "master key:   {} (new; keep a copy somewhere safe: without it no access key works)",
                self.master.source
            )?;
        }
        match (self.new_root, self.imported_root) {
            (Some((key, secret)), _) => {
                writeln!(out, "access key:   {}", key.id)?;
                writeln!(out, "secret key:   {}", secret.expose_secret())?;
                writeln!(
                    out,
                    "The root user's secret key is shown only this once: the store keeps it \
                     sealed with the master key ({}).",
                    self.master.source
                )?;
            }
            (None, Some((id, how))) => {
                let state = match how {
                    RootImport::Imported | RootImport::Present => "",
                    RootImport::StaysDisabled => "; disabled, stays disabled",
                    RootImport::StaysRemoved => "; removed, stays removed",
                };
                writeln!(
                    out,
                    "access key:   {id} (root, from {ROOT_ACCESS_KEY_ENV}{state})"
                )?;
            }
            (None, None) => {
                writeln!(
                    out,
                    "credentials:  kept in the store, secrets sealed with the master key ({})",
                    self.master.source
                )?;
            }
        }
        writeln!(
            out,
            "admin:        every `alexander` command runs in this server (socket {})",
            self.socket.display()
        )?;
        if let Some(m) = self.mount {
            match self.mount_bucket {
                Some(b) => writeln!(out, "mount:        {} (bucket {b})", m.display())?,
                None => writeln!(
                    out,
                    "mount:        {} (every bucket is a directory)",
                    m.display()
                )?,
            }
        }
        writeln!(out, "listening on {}", self.endpoint)?;
        Ok(())
    }
}
