//! The command line, as clap derive types. `alexander generate man` renders
//! the man page from these same definitions (see `man.rs`).

use std::path::PathBuf;

use alexander_store::ByteRange;
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};

const LONG_ABOUT: &str = "\
Alexander keeps objects in one embedded store. Data is cut into content-defined \
chunks and each distinct chunk is stored once, so a new version of an object, \
or a snapshot of a bucket, costs only what changed.

`alexander serve` serves the store over S3 until it is stopped. Every other command \
works the same whether or not a server runs: with a server on the store, the command \
runs in the server, reached through its admin socket (DIR/admin.sock), with the same \
output and exit status; without one, it opens the store directly (only one process at \
a time can have a store open). Long commands (gc, compact, fsck) show their progress \
on standard error; listings and reports print one JSON document with --json.";

const GLOBAL: &str = "Global options";
const TUNING: &str = "Store tuning";
const SERVER: &str = "Server options";
const MOUNT: &str = "Mount options";
const LIMITS: &str = "S3 limits";

/// The whole command line.
#[derive(Debug, Parser)]
#[command(
    name = "alexander",
    version,
    about = "Storage server with an embedded, deduplicating, versioned object store",
    subcommand_value_name = "COMMAND",
    long_about = LONG_ABOUT,
    max_term_width = 100,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes. Each can also come from the environment
/// and, except `--config` itself, from the config file; a flag beats the
/// environment, which beats the file.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Directory of the store [default: data_dir from the config file, else ./data]
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "ALEXANDER_DATA",
        help_heading = GLOBAL
    )]
    pub data: Option<PathBuf>,

    /// Read settings from this TOML file
    ///
    /// Keys: data_dir, master_key_file; [s3] listen, region, vhost_domain,
    /// drain_timeout_secs; [s3.limits] max_header_bytes, max_user_metadata_bytes,
    /// max_xml_bytes, max_parts, min_part_size, max_part_size, max_put_size,
    /// max_delete_keys, header_timeout_secs, idle_timeout_secs, stall_timeout_secs,
    /// max_connections, requests_per_sec, request_burst, max_concurrent_requests; [chunking] min_kib, avg_kib, max_kib; [gc] grace_period_secs;
    /// [lifecycle] interval; [multipart] abandon_after.
    /// Relative paths are taken from the file's directory. Unknown keys are errors.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "ALEXANDER_CONFIG",
        help_heading = GLOBAL
    )]
    pub config: Option<PathBuf>,

    /// File holding the master key [config: master_key_file; default: DIR/master.key]
    ///
    /// The master key seals the secrets of access keys in the store. The file holds 32
    /// bytes, or 64 hex digits. Without this option DIR/master.key is used, and made
    /// (32 random bytes, mode 0600) the first time a store needs a key. The variable
    /// ALEXANDER_MASTER_KEY can give the key itself, as 64 hex digits, instead of a file;
    /// the key is never taken from the command line.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "ALEXANDER_MASTER_KEY_FILE",
        help_heading = GLOBAL
    )]
    pub master_key_file: Option<PathBuf>,

    /// Format of log lines on standard error (set RUST_LOG to change what is logged)
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "FORMAT",
        default_value_t = LogFormat::Human,
        env = "ALEXANDER_LOG_FORMAT",
        help_heading = GLOBAL
    )]
    pub log_format: LogFormat,

    #[command(flatten)]
    pub tuning: TuningArgs,
}

/// Store settings that are usually left to the config file. Shown by
/// `--help`, not by `-h`.
#[derive(Debug, Args)]
pub struct TuningArgs {
    /// Smallest chunk, in KiB [config: chunking.min_kib; default: 16]
    ///
    /// No chunk but the last of an object is shorter.
    #[arg(
        long,
        global = true,
        value_name = "KIB",
        env = "ALEXANDER_CHUNKING_MIN_KIB",
        help_heading = TUNING,
        hide_short_help = true
    )]
    pub chunking_min_kib: Option<u32>,

    /// Average chunk, in KiB [config: chunking.avg_kib; default: 64]
    ///
    /// Chunk boundaries depend on the sizes: data written with other sizes does not
    /// deduplicate against data already stored (nothing breaks).
    #[arg(
        long,
        global = true,
        value_name = "KIB",
        env = "ALEXANDER_CHUNKING_AVG_KIB",
        help_heading = TUNING,
        hide_short_help = true
    )]
    pub chunking_avg_kib: Option<u32>,

    /// Largest chunk, in KiB [config: chunking.max_kib; default: 256]
    ///
    /// A chunk is cut here if the content gave no boundary before.
    #[arg(
        long,
        global = true,
        value_name = "KIB",
        env = "ALEXANDER_CHUNKING_MAX_KIB",
        help_heading = TUNING,
        hide_short_help = true
    )]
    pub chunking_max_kib: Option<u32>,

    /// Seconds a chunk nothing references is kept before gc frees it [config:
    /// gc.grace_period_secs; default: 60]
    ///
    /// With 0, gc frees every such chunk it finds.
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        env = "ALEXANDER_GC_GRACE_PERIOD_SECS",
        help_heading = TUNING,
        hide_short_help = true
    )]
    pub gc_grace_period_secs: Option<u64>,
}

/// A setting that is on or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Readable lines
    Human,
    /// One JSON object per line
    Json,
}

// One command line is parsed per process: the size of its largest variant
// (serve's many settings) costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the store over S3 until SIGINT or SIGTERM
    ///
    /// Opens the store (creating it if there is none), serves S3 on --listen and runs every
    /// other command sent to its admin socket DIR/admin.sock (mode 0600). The first start makes
    /// the master key (DIR/master.key, unless ALEXANDER_MASTER_KEY or --master-key-file
    /// gives one) and the root user's access key, and prints the endpoint and that key's
    /// secret, once; the store keeps the secret only sealed with the master key. Later
    /// starts print the endpoint and where the credentials are kept. To choose the root
    /// key instead, set both ALEXANDER_ROOT_ACCESS_KEY and ALEXANDER_ROOT_SECRET_KEY: the
    /// key is imported (or its secret replaced) at every start.
    ///
    /// The line "listening on http://ADDR" on standard output says the server is ready.
    /// SIGINT or SIGTERM stops it: it stops accepting connections, lets the requests in
    /// flight finish (up to --drain-timeout-secs; a second signal stops waiting), flushes
    /// the store, removes the admin socket and exits with status 0.
    Serve(ServeArgs),

    // The commands that work on a store, whether a server runs on it or not.
    #[command(flatten)]
    Store(StoreCommand),

    /// Print a generated file to standard output: the man page, or shell completions
    ///
    /// "alexander generate completions bash > /etc/bash_completion.d/alexander" (zsh: a
    /// file _alexander in a directory of $fpath; fish: ~/.config/fish/completions/
    /// alexander.fish). The Debian package installs all three.
    #[command(subcommand)]
    Generate(Generated),
}

/// Every command but `serve`: each runs in the server when one holds the
/// store (sent whole over its admin socket, `remote.rs`), on the store
/// opened here otherwise. A command added here works both ways.
#[derive(Debug, Subcommand, Serialize, Deserialize)]
pub enum StoreCommand {
    /// Add, list and remove users, who own buckets and hold access keys
    ///
    /// The user "root" sees every bucket and cannot be removed.
    #[command(subcommand)]
    User(UserCommand),

    /// Create, list, disable, enable and remove users' S3 access keys
    ///
    /// A change takes effect on the next request.
    #[command(subcommand)]
    Key(KeyCommand),

    /// Create, list and delete buckets, and show or set their versioning
    #[command(subcommand)]
    Bucket(BucketCommand),

    /// Store an object, reading it from a file or from standard input
    Put(PutArgs),

    /// Write an object (or a version, a snapshot's view or a byte range of it) to standard output
    Get(GetArgs),

    /// List a bucket's objects, or all their versions
    ///
    /// Prints one line per object: modification time (UTC), size in bytes and key. With
    /// --delimiter, keys that share a prefix up to the delimiter are rolled up into one
    /// line, "PRE prefix". Every page of the listing is read, so the output is complete.
    Ls(LsArgs),

    /// Delete an object, or one version of it
    ///
    /// In an unversioned bucket the object goes. In a versioned (or suspended) bucket a
    /// delete marker hides it and its versions stay; --version deletes one version for
    /// good. Snapshots keep seeing what they saw either way.
    Rm(RmArgs),

    /// Rename an object within its bucket, without copying its data
    ///
    /// The new key gets a version that shares the old one's data and metadata; the old
    /// key is then deleted as rm would delete it.
    Mv(MvArgs),

    /// Take, list and delete snapshots of a bucket
    ///
    /// A snapshot is a read-only view of a bucket as it was when taken; get and ls read
    /// it with --snapshot. Taking one costs the same whatever the bucket holds.
    #[command(subcommand)]
    Snapshot(SnapshotCommand),

    /// Show how much the store holds and how well it deduplicates
    ///
    /// Logical bytes count every kept version as written; stored bytes count each
    /// distinct chunk once. The dedup ratio is logical over stored. The live fraction is
    /// the share of pack file bytes that chunks still in use occupy; compact raises it.
    Stats(ReportArgs),

    /// Free chunks that nothing has referenced for longer than the grace period
    ///
    /// Deleting an object only drops references; gc frees the chunks no version, part or
    /// snapshot uses any more, once the grace period (--gc-grace-period-secs) has passed.
    /// The space comes back on disk when compact rewrites the packs that held them. A gc
    /// started while another runs in the server waits for it.
    Gc(GcArgs),

    /// Rewrite pack files that are mostly dead space, and remove the empty ones
    Compact(ReportArgs),

    /// Check the store's metadata, and with --verify-data its data
    ///
    /// Checks that every version and part refers only to chunks the index holds and that
    /// every chunk's reference count matches. Exits with status 1 if anything is wrong.
    Fsck(FsckArgs),

    /// Read every stored chunk back and check it against its SHA-256 id
    ///
    /// Reads check a cheap checksum; scrub hashes every chunk in full, finding damage the
    /// checksum misses and damage in data nobody reads. A damaged chunk is recorded: every
    /// read of an object that uses it fails from then on, until the same data is stored
    /// again (by any upload or write, under any key), which heals it. Prints what was
    /// checked and each damaged chunk with the versions and upload parts that use it.
    /// Exits with status 1 if any chunk is damaged.
    Scrub(ScrubArgs),

    /// Apply the buckets' lifecycle rules
    ///
    /// `serve` applies them by itself every [lifecycle] interval; this command applies them
    /// at once, or shows what they would do.
    #[command(subcommand)]
    Lifecycle(LifecycleCommand),
}

/// The option of the report commands.
#[derive(Debug, Args, Serialize, Deserialize)]
pub struct ReportArgs {
    /// Print one JSON document instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Serialize, Deserialize)]
pub struct GcArgs {
    /// Report what would be freed, freeing nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print one JSON document instead of text
    #[arg(long)]
    pub json: bool,
}

/// Settings of `alexander serve`. Each comes from its flag, its variable or
/// the config file, in that order.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to serve S3 on, HOST:PORT [config: s3.listen; default: 127.0.0.1:9000]
    ///
    /// Port 0 takes any free port; the address served is printed either way.
    #[arg(long, value_name = "ADDR", env = "ALEXANDER_LISTEN", help_heading = SERVER)]
    pub listen: Option<String>,

    /// Region that clients sign their requests for [config: s3.region; default: us-east-1]
    #[arg(long, value_name = "REGION", env = "ALEXANDER_REGION", help_heading = SERVER)]
    pub region: Option<String>,

    /// Domain for virtual-host-style requests (BUCKET.DOMAIN) [config: s3.vhost_domain]
    ///
    /// Without it only path-style requests (DOMAIN/BUCKET/KEY) are understood. Clients must
    /// resolve every BUCKET.DOMAIN to this server.
    #[arg(
        long,
        value_name = "DOMAIN",
        env = "ALEXANDER_VHOST_DOMAIN",
        help_heading = SERVER
    )]
    pub vhost_domain: Option<String>,

    /// Seconds that requests in flight may take to finish once the server is told to
    /// stop [config: s3.drain_timeout_secs; default: 30]
    #[arg(
        long,
        value_name = "SECS",
        env = "ALEXANDER_DRAIN_TIMEOUT_SECS",
        help_heading = SERVER
    )]
    pub drain_timeout_secs: Option<u64>,

    /// Token that scrapes of GET /metrics must carry as `Authorization: Bearer
    /// TOKEN` [config: s3.metrics_token]
    ///
    /// Without it /metrics (Prometheus text format) is open to anyone who reaches
    /// the port, as /healthz and /readyz are.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "ALEXANDER_METRICS_TOKEN",
        hide_env_values = true,
        help_heading = SERVER
    )]
    pub metrics_token: Option<String>,

    /// One log line per request (target alexander::access, level info) [config:
    /// s3.access_log; default: on]
    ///
    /// The line gives method, bucket, key, status, bytes sent, milliseconds,
    /// our request id, the client's X-Request-ID and the access key (- when
    /// anonymous).
    #[arg(
        long,
        value_name = "ON|OFF",
        env = "ALEXANDER_ACCESS_LOG",
        help_heading = SERVER
    )]
    pub access_log: Option<Switch>,

    /// Also mount the store at DIR (created if missing): every bucket is a
    /// directory there
    ///
    /// A mount left behind by a killed server is cleared first. The mount goes
    /// when the server stops.
    #[arg(long, value_name = "DIR", env = "ALEXANDER_MOUNT", help_heading = MOUNT)]
    pub mount: Option<PathBuf>,

    /// Mount read-only: every change through the mount fails with EROFS
    #[arg(long, env = "ALEXANDER_MOUNT_READ_ONLY", requires = "mount", help_heading = MOUNT)]
    pub read_only: bool,

    /// Seconds the kernel may cache names and attributes of the mount [default: 1]
    ///
    /// Changes made through the mount or over S3 drop the cached entries at
    /// once, so a longer time costs no staleness for them.
    #[arg(
        long,
        value_name = "SECS",
        env = "ALEXANDER_MOUNT_CACHE_SECS",
        requires = "mount",
        help_heading = MOUNT
    )]
    pub mount_cache_secs: Option<u64>,

    /// Let other users reach the mount (the kernel then checks permissions)
    ///
    /// The modes the mount then shows grant other local users (group and other
    /// bits) no more than the bucket's ACL grants anonymous S3 users: nothing in a
    /// private bucket, read in a public-read one.
    #[arg(long, env = "ALEXANDER_MOUNT_ALLOW_OTHER", requires = "mount", help_heading = MOUNT)]
    pub allow_other: bool,

    /// Mount only bucket NAME, as the mount's root (created if missing)
    #[arg(
        long,
        value_name = "NAME",
        env = "ALEXANDER_MOUNT_BUCKET",
        requires = "mount",
        help_heading = MOUNT
    )]
    pub bucket: Option<String>,

    /// Owner shown in the mount for objects that carry none (written over S3)
    /// [default: the server's user]
    #[arg(
        long,
        value_name = "UID",
        env = "ALEXANDER_MOUNT_UID",
        requires = "mount",
        help_heading = MOUNT
    )]
    pub mount_uid: Option<u32>,

    /// Group shown in the mount for objects that carry none [default: the
    /// server's group]
    #[arg(
        long,
        value_name = "GID",
        env = "ALEXANDER_MOUNT_GID",
        requires = "mount",
        help_heading = MOUNT
    )]
    pub mount_gid: Option<u32>,

    /// The S3 user the mount acts as [config: mount.user; default: root]
    ///
    /// The mount shows exactly the buckets this user may read under S3's
    /// rules (its own, and others' as their ACLs allow), read-only where it
    /// may not write (EACCES); a bucket made by mkdir at the mount's root is
    /// this user's. An unknown user is an error at start.
    #[arg(
        long,
        value_name = "NAME",
        env = "ALEXANDER_MOUNT_USER",
        requires = "mount",
        help_heading = MOUNT
    )]
    pub mount_user: Option<String>,

    #[command(flatten)]
    pub limits: LimitArgs,
}

/// S3 protocol limits. Sizes are bytes, or a number with KiB, MiB, GiB or
/// TiB. Shown by `--help`, not by `-h`.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Largest request line and headers of a request [config: s3.limits.max_header_bytes;
    /// default: 64KiB]
    #[arg(
        long,
        value_name = "SIZE",
        value_parser = parse_size,
        env = "ALEXANDER_MAX_HEADER_BYTES",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub max_header_bytes: Option<u64>,

    /// Largest user metadata of an object (names and values of x-amz-meta-*) [config:
    /// s3.limits.max_user_metadata_bytes; default: 2KiB]
    #[arg(
        long,
        value_name = "SIZE",
        value_parser = parse_size,
        env = "ALEXANDER_MAX_USER_METADATA_BYTES",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub max_user_metadata_bytes: Option<u64>,

    /// Largest XML request body [config: s3.limits.max_xml_bytes; default: 1MiB]
    #[arg(
        long,
        value_name = "SIZE",
        value_parser = parse_size,
        env = "ALEXANDER_MAX_XML_BYTES",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub max_xml_bytes: Option<u64>,

    /// Most parts of a multipart upload, at most 10000 [config: s3.limits.max_parts;
    /// default: 10000]
    #[arg(
        long,
        value_name = "N",
        env = "ALEXANDER_MAX_PARTS",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub max_parts: Option<u32>,

    /// Smallest part of a multipart upload but the last [config: s3.limits.min_part_size;
    /// default: 5MiB]
    #[arg(
        long,
        value_name = "SIZE",
        value_parser = parse_size,
        env = "ALEXANDER_MIN_PART_SIZE",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub min_part_size: Option<u64>,

    /// Largest part of a multipart upload [config: s3.limits.max_part_size; default: 5GiB]
    #[arg(
        long,
        value_name = "SIZE",
        value_parser = parse_size,
        env = "ALEXANDER_MAX_PART_SIZE",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub max_part_size: Option<u64>,

    /// Largest object stored by a single PUT [config: s3.limits.max_put_size; default: 5GiB]
    #[arg(
        long,
        value_name = "SIZE",
        value_parser = parse_size,
        env = "ALEXANDER_MAX_PUT_SIZE",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub max_put_size: Option<u64>,

    /// Most keys in one DeleteObjects request [config: s3.limits.max_delete_keys; default:
    /// 1000]
    #[arg(
        long,
        value_name = "N",
        env = "ALEXANDER_MAX_DELETE_KEYS",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub max_delete_keys: Option<u32>,

    /// Seconds a client has to send a whole request head, from the moment it connects or
    /// its previous response ends; 0: no limit [config: s3.limits.header_timeout_secs;
    /// default: 30]
    ///
    /// The same timer bounds an idle keep-alive connection, so such a connection is
    /// closed after the smaller of this and --idle-timeout-secs.
    #[arg(
        long,
        value_name = "SECS",
        env = "ALEXANDER_HEADER_TIMEOUT_SECS",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub header_timeout_secs: Option<u64>,

    /// Seconds a keep-alive connection may sit idle between requests; 0: no limit [config:
    /// s3.limits.idle_timeout_secs; default: 60]
    #[arg(
        long,
        value_name = "SECS",
        env = "ALEXANDER_IDLE_TIMEOUT_SECS",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub idle_timeout_secs: Option<u64>,

    /// Seconds a request body may go without a byte arriving, or a response without the
    /// client taking a byte, before the request is aborted; 0: no limit [config:
    /// s3.limits.stall_timeout_secs; default: 60]
    ///
    /// Only progress counts: a slow transfer that keeps moving is never cut. An aborted
    /// upload stores nothing.
    #[arg(
        long,
        value_name = "SECS",
        env = "ALEXANDER_STALL_TIMEOUT_SECS",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub stall_timeout_secs: Option<u64>,

    /// Most connections open at once; further ones wait in the listen backlog, unaccepted
    /// [config: s3.limits.max_connections; default: 4096]
    #[arg(
        long,
        value_name = "N",
        env = "ALEXANDER_MAX_CONNECTIONS",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub max_connections: Option<u32>,

    /// Requests per second each client may sustain; 0: no rate limit [config:
    /// s3.limits.requests_per_sec; default: 0]
    ///
    /// A client is an access key once its signature checks out, else an address (IPv6 by
    /// its /64). A request over the rate is refused with 503 SlowDown and a Retry-After
    /// header; SDKs back off and retry.
    #[arg(
        long,
        value_name = "N",
        env = "ALEXANDER_REQUESTS_PER_SEC",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub requests_per_sec: Option<u32>,

    /// Requests a client may make in one burst, the size of its token bucket (see
    /// --requests-per-sec) [config: s3.limits.request_burst; default: the rate]
    #[arg(
        long,
        value_name = "N",
        env = "ALEXANDER_REQUEST_BURST",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub request_burst: Option<u32>,

    /// Requests of one client in flight at once (see --requests-per-sec); 0: no bound
    /// [config: s3.limits.max_concurrent_requests; default: 0]
    #[arg(
        long,
        value_name = "N",
        env = "ALEXANDER_MAX_CONCURRENT_REQUESTS",
        help_heading = LIMITS,
        hide_short_help = true
    )]
    pub max_concurrent_requests: Option<u32>,
}

#[derive(Debug, Subcommand, Serialize, Deserialize)]
pub enum UserCommand {
    /// Add a user; `alexander key create NAME` then gives it an access key
    ///
    /// Names are 1 to 64 letters, digits and the characters . _ - @.
    Add {
        /// Name of the new user
        #[arg(value_name = "NAME")]
        name: String,
    },

    /// List the users: creation time (UTC), state and name
    List {
        /// Print one JSON document instead of text
        #[arg(long)]
        json: bool,
    },

    /// Remove a user and its access keys; a user that still owns buckets stays
    Remove {
        /// User to remove
        #[arg(value_name = "NAME")]
        name: String,
    },

    /// Disable a user: every request signed with any of its access keys is refused
    ///
    /// Keys made while the user is disabled are refused too. The keys' own states are
    /// kept, so `user enable` brings back exactly the keys that worked before.
    Disable {
        /// User to disable
        #[arg(value_name = "NAME")]
        name: String,
    },

    /// Enable a disabled user again
    Enable {
        /// User to enable
        #[arg(value_name = "NAME")]
        name: String,
    },
}

#[derive(Debug, Subcommand, Serialize, Deserialize)]
pub enum KeyCommand {
    /// Create an access key for a user and print its id and secret
    ///
    /// The secret is printed this once: the store keeps it only sealed with the master key.
    Create {
        /// User the key signs requests for
        #[arg(value_name = "USER")]
        user: String,

        /// Make the key stop working after a while (30d, 12h, 90m, 3600s) or at a time
        /// (RFC 3339, 2027-01-31T00:00:00Z); an expired key is refused like a disabled one
        #[arg(long, value_name = "WHEN", value_parser = parse_expiry)]
        expires: Option<Expiry>,
    },

    /// List access keys: creation time (UTC), state, user, key id and expiry
    ///
    /// The state is enabled, disabled, expired, or user-disabled (the key is enabled
    /// but its user is not).
    List {
        /// List only this user's keys
        #[arg(value_name = "USER")]
        user: Option<String>,

        /// Print one JSON document instead of text
        #[arg(long)]
        json: bool,
    },

    /// Disable an access key: requests signed with it are refused until it is enabled
    Disable {
        /// Access key id
        #[arg(value_name = "ID")]
        id: String,
    },

    /// Enable a disabled access key again
    ///
    /// For a root key that was removed, this is the way back: the store stops keeping it
    /// out, and the next `serve` that names it in ALEXANDER_ROOT_ACCESS_KEY (with its
    /// secret in ALEXANDER_ROOT_SECRET_KEY) imports it again.
    Enable {
        /// Access key id
        #[arg(value_name = "ID")]
        id: String,
    },

    /// Remove an access key for good
    Remove {
        /// Access key id
        #[arg(value_name = "ID")]
        id: String,
    },
}

#[derive(Debug, Subcommand, Serialize, Deserialize)]
pub enum BucketCommand {
    /// Create a bucket (this creates the store too, if there is none yet)
    ///
    /// Names follow S3's rules: 3 to 63 lowercase letters, digits, dots and hyphens,
    /// starting and ending with a letter or digit.
    Create {
        /// Name of the new bucket
        #[arg(value_name = "NAME")]
        name: String,
    },

    /// List the buckets: creation time (UTC), versioning state and name
    List {
        /// Print one JSON document instead of text
        #[arg(long)]
        json: bool,
    },

    /// Delete a bucket, which must hold no objects, versions or uploads
    ///
    /// The bucket's snapshots are deleted with it.
    Delete {
        /// Bucket to delete
        #[arg(value_name = "NAME")]
        name: String,
    },

    /// Show a bucket's versioning state, or set it
    ///
    /// A bucket starts unversioned: a write replaces the object. Once enabled, every write
    /// and delete keeps the previous versions. A versioned bucket can be suspended (writes
    /// replace the "null" version again, older versions stay) but never made unversioned.
    Versioning {
        /// Bucket
        #[arg(value_name = "NAME")]
        name: String,

        /// New state; without it the current state is printed
        #[arg(value_enum, value_name = "STATE")]
        state: Option<VersioningState>,
    },

    /// Show which keys a bucket takes, or set it
    ///
    /// "posix" (every bucket's default): only keys the mount can show as paths. A write
    /// over S3 of a key with an empty component (a leading "/", "//"), a "." or ".."
    /// component, a component over 255 bytes, a component named ".versions" (or
    /// ".snapshots" first), or a key that would make a name both a file and a directory
    /// ("a/b" beside an object "a") is refused with 400 InvalidArgument. Keys stored
    /// before stay readable and deletable over S3.
    ///
    /// "any": every key S3 allows; the mount then leaves the bucket out (its keys could
    /// not all be shown). Setting "posix" again is refused while the bucket holds keys
    /// the rule refuses; the error names the first few.
    Keys {
        /// Bucket
        #[arg(value_name = "NAME")]
        name: String,

        /// New rule; without it the current rule is printed
        #[arg(value_enum, value_name = "RULE")]
        rule: Option<KeyRule>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum KeyRule {
    /// Only keys the mount can show as paths (the default)
    Posix,
    /// Any key S3 allows; the mount leaves the bucket out
    Any,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum VersioningState {
    /// Keep every version
    Enabled,
    /// Stop keeping new versions; existing ones stay
    Suspended,
}

#[derive(Debug, Args, Serialize, Deserialize)]
pub struct PutArgs {
    /// Bucket to store into
    #[arg(value_name = "BUCKET")]
    pub bucket: String,

    /// Key of the object
    #[arg(value_name = "KEY")]
    pub key: String,

    /// File to read; "-" or nothing reads standard input
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Content type to store with the object, as S3 returns it
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,
}

#[derive(Debug, Args, Serialize, Deserialize)]
pub struct GetArgs {
    /// Bucket to read from
    #[arg(value_name = "BUCKET")]
    pub bucket: String,

    /// Key of the object
    #[arg(value_name = "KEY")]
    pub key: String,

    /// Read this version (as ls --versions shows it) instead of the current one
    #[arg(long, value_name = "ID", conflicts_with = "snapshot")]
    pub version: Option<String>,

    /// Read the object as this snapshot of the bucket saw it
    #[arg(long, value_name = "NAME")]
    pub snapshot: Option<String>,

    /// Write only these bytes: START-END (both included, counted from 0), START- (to the
    /// end) or -N (the last N bytes)
    #[arg(
        long,
        value_name = "START-END",
        value_parser = parse_range,
        allow_hyphen_values = true
    )]
    pub range: Option<ByteRange>,
}

#[derive(Debug, Args, Serialize, Deserialize)]
pub struct LsArgs {
    /// Bucket to list
    #[arg(value_name = "BUCKET")]
    pub bucket: String,

    /// List only keys that start with this
    #[arg(
        long,
        value_name = "PREFIX",
        default_value = "",
        hide_default_value = true
    )]
    pub prefix: String,

    /// Roll up keys at the first DELIM after the prefix, as S3 does ("/" lists one directory level)
    #[arg(long, value_name = "DELIM")]
    pub delimiter: Option<String>,

    /// List every version and delete marker, newest first within each key
    ///
    /// Each line shows modification time, size ("deleted" for a delete marker), version id,
    /// "latest" for the key's newest version, and key.
    #[arg(long, conflicts_with = "snapshot")]
    pub versions: bool,

    /// List the bucket as this snapshot saw it
    #[arg(long, value_name = "NAME")]
    pub snapshot: Option<String>,

    /// Print one JSON document instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Serialize, Deserialize)]
pub struct RmArgs {
    /// Bucket
    #[arg(value_name = "BUCKET")]
    pub bucket: String,

    /// Key of the object
    #[arg(value_name = "KEY")]
    pub key: String,

    /// Delete this version (or delete marker) for good, instead of the current object
    #[arg(long, value_name = "ID")]
    pub version: Option<String>,
}

#[derive(Debug, Args, Serialize, Deserialize)]
pub struct MvArgs {
    /// Bucket
    #[arg(value_name = "BUCKET")]
    pub bucket: String,

    /// Key to rename
    #[arg(value_name = "FROM")]
    pub from: String,

    /// New key
    #[arg(value_name = "TO")]
    pub to: String,

    /// Fail if an object named TO exists, instead of replacing it
    #[arg(short = 'n', long)]
    pub no_clobber: bool,
}

#[derive(Debug, Subcommand, Serialize, Deserialize)]
pub enum SnapshotCommand {
    /// Take a snapshot of a bucket as it is now
    ///
    /// Names are 1 to 255 printable ASCII characters other than "/" (a timestamp such as
    /// 2026-11-27T10:00:00Z works well).
    Create {
        /// Bucket
        #[arg(value_name = "BUCKET")]
        bucket: String,

        /// Name of the snapshot
        #[arg(value_name = "NAME")]
        name: String,
    },

    /// List a bucket's snapshots: creation time (UTC) and name
    List {
        /// Bucket
        #[arg(value_name = "BUCKET")]
        bucket: String,

        /// Print one JSON document instead of text
        #[arg(long)]
        json: bool,
    },

    /// Delete a snapshot, releasing the versions only it still kept
    Delete {
        /// Bucket
        #[arg(value_name = "BUCKET")]
        bucket: String,

        /// Snapshot to delete
        #[arg(value_name = "NAME")]
        name: String,
    },

    /// Set, show or remove the schedule on which the server snapshots a bucket
    ///
    /// While it serves, the server takes a snapshot named auto-YYYYMMDDTHHMMSSZ whenever
    /// the newest one is as old as the schedule's period (so one missed while it was down
    /// is taken at start), then deletes the automatic snapshots no retention rule keeps: a
    /// snapshot is kept if any rule keeps it. Snapshots made by hand are never touched. A
    /// schedule set here is kept with the bucket and wins over one for the same bucket in
    /// the config file ([[snapshots]]).
    #[command(subcommand)]
    Schedule(ScheduleCommand),
}

#[derive(Debug, Subcommand, Serialize, Deserialize)]
pub enum ScheduleCommand {
    /// Snapshot BUCKET every DURATION, keeping what the --keep rules say (one at least)
    Set(ScheduleArgs),

    /// Show the schedule of BUCKET, or of every bucket that has one
    Show {
        /// Bucket
        #[arg(value_name = "BUCKET")]
        bucket: Option<String>,
    },

    /// Remove BUCKET's own schedule (its automatic snapshots stay)
    Remove {
        /// Bucket
        #[arg(value_name = "BUCKET")]
        bucket: String,
    },
}

#[derive(Debug, Args, Serialize, Deserialize)]
pub struct ScheduleArgs {
    /// Bucket
    #[arg(value_name = "BUCKET")]
    pub bucket: String,

    /// How often: seconds, or a number with s, m, h, d or w (30s, 15m, 1h, 1d, 1w)
    #[arg(long, value_name = "DURATION", value_parser = crate::schedule::parse_duration)]
    pub every: std::time::Duration,

    /// Keep the N newest automatic snapshots
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_last: u32,

    /// Keep the newest snapshot of each of the last N hours that have one
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_hourly: u32,

    /// Keep the newest snapshot of each of the last N days (UTC) that have one
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_daily: u32,

    /// Keep the newest snapshot of each of the last N weeks (ISO, UTC) that have one
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_weekly: u32,

    /// Keep the newest snapshot of each of the last N months (UTC) that have one
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_monthly: u32,
}

#[derive(Debug, Subcommand, Serialize, Deserialize)]
pub enum LifecycleCommand {
    /// Apply the lifecycle rules of every bucket (or of BUCKET) now
    ///
    /// Each bucket's enabled rules (PutBucketLifecycleConfiguration) are applied as S3
    /// applies them: a current object that expired (Days, counted from its creation
    /// rounded up to the next midnight UTC, or Date) is deleted, or in a versioned bucket
    /// hidden by a delete marker; a delete marker left as its key's only version is removed
    /// (ExpiredObjectDeleteMarker); noncurrent versions go NoncurrentDays after they became
    /// noncurrent, all but the newest NewerNoncurrentVersions; incomplete multipart uploads
    /// are aborted DaysAfterInitiation after they started. Uploads no rule governs are
    /// aborted once [multipart] abandon_after (7 days) old. Snapshots keep seeing what they
    /// saw.
    ///
    /// Prints one line per action and a summary. A failure on one key is printed and the
    /// pass goes on; the exit status is then 1.
    Run(LifecycleRunArgs),
}

#[derive(Debug, Args, Serialize, Deserialize)]
pub struct LifecycleRunArgs {
    /// Only this bucket
    #[arg(value_name = "BUCKET")]
    pub bucket: Option<String>,

    /// Evaluate the rules as if it were TIME (RFC 3339, e.g. 2030-01-01T00:00:00Z)
    ///
    /// To see what the rules will do by then (with --dry-run), or to apply them ahead of
    /// time. The default is now.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub at: Option<std::time::SystemTime>,

    /// Print what is due without changing anything
    #[arg(long)]
    pub dry_run: bool,

    /// Print the report as one JSON document
    #[arg(long)]
    pub json: bool,
}

/// Parses an RFC 3339 time (`2030-01-01T00:00:00Z`, an offset, or a bare
/// date meaning its midnight UTC).
pub fn parse_time(s: &str) -> Result<std::time::SystemTime, String> {
    let ns = alexander_s3::xml::parse_iso8601(s.trim())
        .ok_or_else(|| format!("{s:?} is not an RFC 3339 time (e.g. 2030-01-01T00:00:00Z)"))?;
    let since = std::time::Duration::from_nanos(ns.unsigned_abs());
    let t = if ns >= 0 {
        std::time::UNIX_EPOCH.checked_add(since)
    } else {
        std::time::UNIX_EPOCH.checked_sub(since)
    };
    t.ok_or_else(|| format!("{s:?} is out of range"))
}

#[derive(Debug, Args, Serialize, Deserialize)]
pub struct FsckArgs {
    /// Also read every chunk and check its bytes against its SHA-256 id (reads all data)
    #[arg(long)]
    pub verify_data: bool,

    /// Print one JSON document instead of text (the exit status still says whether the
    /// store is consistent)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Serialize, Deserialize)]
pub struct ScrubArgs {
    /// Read at most this many bytes a second, so that other work keeps the disk (bytes, or
    /// a number with KiB, MiB, GiB or TiB) [default: 0, no limit]
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "0", hide_default_value = true)]
    pub max_bytes_per_sec: u64,

    /// Print the report as one JSON object instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Subcommand)]
pub enum Generated {
    /// The man page, alexander(1), in roff
    Man,

    /// Completions of commands, options and values for a shell
    Completions {
        /// The shell
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
}

/// Parses a size: bytes, or a whole number of KiB, MiB, GiB or TiB
/// (`64KiB`, `5 MiB`). Decimal units (MB) are refused rather than guessed.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = (&t[..split], t[split..].trim());
    let n: u64 = digits.parse().map_err(|_| {
        format!("{s:?} is not a size (bytes, or a number with KiB, MiB, GiB or TiB)")
    })?;
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "kib" => 10,
        "mib" => 20,
        "gib" => 30,
        "tib" => 40,
        _ => {
            return Err(format!(
                "{s:?}: unknown unit {unit:?} (bytes, KiB, MiB, GiB or TiB)"
            ));
        }
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// When an access key stops working, as given on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expiry {
    /// This long after the key is made.
    After(std::time::Duration),
    /// At this time, in ns since the Unix epoch.
    At(i64),
}

impl Expiry {
    /// The expiry in ns since the Unix epoch, for a key made at `now_ns`.
    pub fn at(self, now_ns: i64) -> i64 {
        match self {
            Expiry::After(d) => {
                now_ns.saturating_add(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            }
            Expiry::At(ns) => ns,
        }
    }
}

/// Parses an expiry: a whole number of seconds, minutes, hours or days
/// (`30d`, `12h`, `90m`, `3600s`), or an RFC 3339 time
/// (`2027-01-31T00:00:00Z`, with an offset, or a date alone).
pub fn parse_expiry(s: &str) -> Result<Expiry, String> {
    const FORMS: &str = "a number of s, m, h or d (30d), or an RFC 3339 time \
                         (2027-01-31T00:00:00Z)";
    let t = s.trim();
    if let Some(ns) = alexander_s3::xml::parse_iso8601(t) {
        return Ok(Expiry::At(ns));
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = (&t[..split], t[split..].trim());
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not an expiry ({FORMS})"))?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} ({FORMS})")),
    };
    if n == 0 {
        return Err(format!("{s:?}: an expiry must be later than now"));
    }
    // Past the year 2262 a time no longer fits in i64 nanoseconds.
    n.checked_mul(unit_secs)
        .filter(|secs| *secs < 200 * 365 * 86_400)
        .map(|secs| Expiry::After(std::time::Duration::from_secs(secs)))
        .ok_or_else(|| format!("{s:?} is too far away"))
}

/// Parses `START-END`, `START-` or `-N` into a byte range.
fn parse_range(s: &str) -> Result<ByteRange, String> {
    const FORMS: &str = "expected START-END, START- or -N";
    let (start, end) = s.split_once('-').ok_or(FORMS)?;
    let num = |what: &str, v: &str| {
        v.parse::<u64>()
            .map_err(|_| format!("{what} {v:?} is not a byte offset ({FORMS})"))
    };
    match (start.is_empty(), end.is_empty()) {
        (true, true) => Err(FORMS.to_owned()),
        (true, false) => match num("N", end)? {
            0 => Err("-N needs N of at least 1".to_owned()),
            n => Ok(ByteRange::Suffix(n)),
        },
        (false, true) => Ok(ByteRange::From(num("START", start)?)),
        (false, false) => {
            let (start, end) = (num("START", start)?, num("END", end)?);
            if start > end {
                return Err(format!("START {start} is past END {end}"));
            }
            Ok(ByteRange::Inclusive(start, end))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64KiB"), Ok(64 << 10));
        assert_eq!(parse_size("5 MiB"), Ok(5 << 20));
        assert_eq!(parse_size("5gib"), Ok(5 << 30));
        assert_eq!(parse_size("2TiB"), Ok(2 << 40));
        for bad in ["", "MiB", "5MB", "5 M", "-1", "1.5GiB", "99999999999TiB"] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn expiries() {
        use std::time::Duration;
        assert_eq!(
            parse_expiry("30d"),
            Ok(Expiry::After(Duration::from_secs(30 * 86_400)))
        );
        assert_eq!(
            parse_expiry("12h"),
            Ok(Expiry::After(Duration::from_secs(12 * 3600)))
        );
        assert_eq!(
            parse_expiry("90m"),
            Ok(Expiry::After(Duration::from_secs(90 * 60)))
        );
        assert_eq!(
            parse_expiry("2s"),
            Ok(Expiry::After(Duration::from_secs(2)))
        );
        assert_eq!(
            parse_expiry("2027-01-31T00:00:00Z"),
            Ok(Expiry::At(1_801_353_600_000_000_000))
        );
        assert_eq!(
            parse_expiry("2027-01-31T01:00:00+01:00"),
            Ok(Expiry::At(1_801_353_600_000_000_000))
        );
        assert_eq!(Expiry::After(Duration::from_secs(2)).at(5), 2_000_000_005);
        assert_eq!(Expiry::At(7).at(5), 7);
        for bad in [
            "",
            "d",
            "0d",
            "30",
            "30 days",
            "1w",
            "-1d",
            "1.5h",
            "99999999999d",
            "2027-13-01",
        ] {
            assert!(parse_expiry(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("0-9"), Ok(ByteRange::Inclusive(0, 9)));
        assert_eq!(parse_range("5-5"), Ok(ByteRange::Inclusive(5, 5)));
        assert_eq!(parse_range("100-"), Ok(ByteRange::From(100)));
        assert_eq!(parse_range("-7"), Ok(ByteRange::Suffix(7)));
        for bad in ["", "-", "5", "a-b", "9-3", "-0", "1-2-3", " 1-2", "-x"] {
            assert!(parse_range(bad).is_err(), "{bad:?}");
        }
    }
}
