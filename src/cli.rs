//! The command line, as clap derive types. `alexander generate man` renders
//! the man page from these same definitions (see `man.rs`).

use std::path::PathBuf;

use alexander_store::ByteRange;
use clap::{Args, Parser, Subcommand, ValueEnum};

const LONG_ABOUT: &str = "\
Alexander keeps objects in one embedded store. Data is cut into content-defined \
chunks and each distinct chunk is stored once, so a new version of an object, \
or a snapshot of a bucket, costs only what changed.

Every command below opens the store directly, so it needs the store to itself: \
only one process at a time can have a store open.";

const GLOBAL: &str = "Global options";
const TUNING: &str = "Store tuning";

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
    /// Keys: data_dir; [chunking] min_kib, avg_kib, max_kib; [gc] grace_period_secs.
    /// A relative data_dir is taken from the file's directory. Unknown keys are errors.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "ALEXANDER_CONFIG",
        help_heading = GLOBAL
    )]
    pub config: Option<PathBuf>,

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
    /// gc.grace_period_secs; default: 3600]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Readable lines
    Human,
    /// One JSON object per line
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
    Stats,

    /// Free chunks that nothing has referenced for longer than the grace period
    ///
    /// Deleting an object only drops references; gc frees the chunks no version, part or
    /// snapshot uses any more, once the grace period (--gc-grace-period-secs) has passed.
    /// The space comes back on disk when compact rewrites the packs that held them.
    Gc,

    /// Rewrite pack files that are mostly dead space, and remove the empty ones
    Compact,

    /// Check the store's metadata, and with --verify-data its data
    ///
    /// Checks that every version and part refers only to chunks the index holds and that
    /// every chunk's reference count matches. Exits with status 1 if anything is wrong.
    Fsck(FsckArgs),

    /// Print a generated file to standard output
    #[command(hide = true)]
    Generate(GenerateArgs),
}

#[derive(Debug, Subcommand)]
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
    List,

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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum VersioningState {
    /// Keep every version
    Enabled,
    /// Stop keeping new versions; existing ones stay
    Suspended,
}

#[derive(Debug, Args)]
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

#[derive(Debug, Args)]
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

#[derive(Debug, Args)]
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
}

#[derive(Debug, Args)]
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

#[derive(Debug, Args)]
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

#[derive(Debug, Subcommand)]
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
}

#[derive(Debug, Args)]
pub struct FsckArgs {
    /// Also read every chunk and check its bytes against its SHA-256 id (reads all data)
    #[arg(long)]
    pub verify_data: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What to generate
    #[arg(value_enum)]
    pub what: Generated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Generated {
    /// The man page, alexander(1), in roff
    Man,
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
