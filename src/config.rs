//! Settings: the TOML config file, overridden by `ALEXANDER_*` environment
//! variables, overridden by flags. clap already merges each flag with its
//! variable; this module lays the result over the file and the defaults.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alexander_store::{ChunkerConfig, Config as StoreConfig};
use anyhow::{Context, Result, anyhow};
use serde::Deserialize;

use crate::cli::GlobalArgs;

/// Where the store lives when nothing says otherwise.
pub const DEFAULT_DATA_DIR: &str = "./data";

/// The config file, as written. Every key is optional; an unknown key is
/// an error, so that a misspelt one is not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    #[serde(default)]
    chunking: ChunkingSection,
    #[serde(default)]
    gc: GcSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChunkingSection {
    min_kib: Option<u32>,
    avg_kib: Option<u32>,
    max_kib: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GcSection {
    grace_period_secs: Option<u64>,
}

impl FileConfig {
    fn read(path: &Path) -> Result<FileConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let mut config: FileConfig = toml::from_str(&text)
            .with_context(|| format!("invalid config file {}", path.display()))?;
        // A relative data_dir names a place beside the file, wherever the
        // command runs from.
        if let Some(dir) = &config.data_dir
            && dir.is_relative()
        {
            let base = path.parent().unwrap_or(Path::new(""));
            config.data_dir = Some(base.join(dir));
        }
        Ok(config)
    }
}

/// Everything a command needs to open the store.
#[derive(Debug)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub store: StoreConfig,
}

impl Settings {
    /// Resolves the settings from the flags (with their environment
    /// variables already applied by clap), the config file and defaults.
    pub fn resolve(args: &GlobalArgs) -> Result<Settings> {
        let file = match &args.config {
            Some(path) => FileConfig::read(path)?,
            None => FileConfig::default(),
        };
        let data_dir = args
            .data
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));

        let defaults = StoreConfig::default();
        let t = &args.tuning;
        let kib =
            |name: &str, flag: Option<u32>, file: Option<u32>, default: u32| match flag.or(file) {
                Some(k) => k
                    .checked_mul(1024)
                    .ok_or_else(|| anyhow!("chunking.{name} = {k} KiB is too large")),
                None => Ok(default),
            };
        let chunker = ChunkerConfig {
            min: kib(
                "min_kib",
                t.chunking_min_kib,
                file.chunking.min_kib,
                defaults.chunker.min,
            )?,
            avg: kib(
                "avg_kib",
                t.chunking_avg_kib,
                file.chunking.avg_kib,
                defaults.chunker.avg,
            )?,
            max: kib(
                "max_kib",
                t.chunking_max_kib,
                file.chunking.max_kib,
                defaults.chunker.max,
            )?,
        };
        chunker.validate().with_context(|| {
            format!(
                "invalid chunk sizes (min {} KiB, avg {} KiB, max {} KiB)",
                chunker.min / 1024,
                chunker.avg / 1024,
                chunker.max / 1024
            )
        })?;
        let gc_grace = t
            .gc_grace_period_secs
            .or(file.gc.grace_period_secs)
            .map_or(defaults.gc_grace, Duration::from_secs);

        Ok(Settings {
            data_dir,
            store: StoreConfig {
                chunker,
                gc_grace,
                ..defaults
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_config_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/alexander.toml");
        let config = FileConfig::read(&path).unwrap();
        assert_eq!(config.data_dir, Some(PathBuf::from("/var/lib/alexander")));
        assert_eq!(config.chunking.avg_kib, Some(64));
        assert_eq!(config.gc.grace_period_secs, Some(3600));
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = toml::from_str::<FileConfig>("[gc]\ngrace_period = 5\n").unwrap_err();
        assert!(err.to_string().contains("grace_period"), "{err}");
    }
}
