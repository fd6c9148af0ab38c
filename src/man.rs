//! The man page, alexander(1), rendered from the clap definitions.
//!
//! clap_mangen renders the title, synopsis, description and global
//! options. Its subcommand list only points at one page per subcommand,
//! which we do not ship, so the COMMANDS section here describes every
//! command in full on the one page, followed by the configuration, the
//! exit status and the files.

use std::io::{self, Write};

use clap::{Arg, ArgAction, Command, CommandFactory};
use roff::{Inline, Roff, bold, italic, roman};

use crate::cli::Cli;

/// Writes the whole page.
pub fn render(w: &mut dyn Write) -> io::Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut sections: Vec<u8> = Vec::new();
    man.render_name_section(&mut sections)?;
    man.render_synopsis_section(&mut sections)?;
    man.render_description_section(&mut sections)?;
    man.render_options_section(&mut sections)?;
    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    for sub in visible_subcommands(&cmd) {
        commands(&mut roff, sub);
    }
    trailer(&mut roff);
    roff.to_writer(&mut sections)?;
    man.render_version_section(&mut sections)?;

    // Every section rendered on its own starts with the same preamble (the
    // lines before `.TH` in the title); the page needs it once.
    let mut title: Vec<u8> = Vec::new();
    man.render_title(&mut title)?;
    let title = String::from_utf8_lossy(&title);
    let preamble = &title[..title.find(".TH").unwrap_or(0)];
    let sections = String::from_utf8_lossy(&sections);
    w.write_all(title.as_bytes())?;
    if preamble.is_empty() {
        w.write_all(sections.as_bytes())
    } else {
        w.write_all(sections.replace(preamble, "").as_bytes())
    }
}

fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands().filter(|s| !s.is_hide_set())
}

/// One subsection per leaf command, in the order `--help` lists them.
fn commands(roff: &mut Roff, cmd: &Command) {
    if cmd.has_subcommands() {
        for sub in visible_subcommands(cmd) {
            commands(roff, sub);
        }
        return;
    }
    let name = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name());
    let mut usage = name.to_owned();
    let args: Vec<&Arg> = cmd.get_arguments().filter(|a| shown(a)).collect();
    if args.iter().any(|a| !a.is_positional()) {
        usage.push_str(" [OPTIONS]");
    }
    for pos in args.iter().filter(|a| a.is_positional()) {
        let value = value_name(pos);
        if pos.is_required_set() {
            usage.push_str(&format!(" {value}"));
        } else {
            usage.push_str(&format!(" [{value}]"));
        }
    }
    roff.control("SS", [usage.as_str()]);
    if let Some(about) = cmd.get_long_about().or_else(|| cmd.get_about()) {
        paragraphs(roff, &about.to_string());
    }
    for arg in args {
        let mut header = Vec::new();
        if arg.is_positional() {
            header.push(italic(value_name(arg)));
        } else {
            if let Some(short) = arg.get_short() {
                header.push(bold(format!("-{short}")));
                header.push(roman(", "));
            }
            if let Some(long) = arg.get_long() {
                header.push(bold(format!("--{long}")));
            }
            if arg.get_num_args().is_some_and(|n| n.takes_values()) {
                header.push(roman(" "));
                header.push(italic(value_name(arg)));
            }
        }
        roff.control("TP", []);
        roff.text(header);
        if let Some(help) = arg.get_long_help().or_else(|| arg.get_help()) {
            for (i, para) in help.to_string().split("\n\n").enumerate() {
                if i > 0 {
                    roff.control("sp", []);
                }
                roff.text([roman(para.replace('\n', " "))]);
            }
        }
        if let Some(var) = arg.get_env() {
            roff.text([
                roman("Environment: "),
                bold(var.to_string_lossy().into_owned()),
                roman("."),
            ]);
        }
        let values: Vec<_> = arg
            .get_possible_values()
            .into_iter()
            .filter(|v| !v.is_hide_set())
            .collect();
        if !values.is_empty() {
            let mut line = vec![roman(" Values: ")];
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    line.push(roman(", "));
                }
                line.push(bold(v.get_name()));
            }
            line.push(roman("."));
            roff.text(line);
        }
    }
}

/// Arguments a command documents itself: not the global ones (the OPTIONS
/// sections cover those) and not `--help`.
fn shown(arg: &Arg) -> bool {
    !arg.is_hide_set() && !arg.is_global_set() && !matches!(arg.get_action(), ArgAction::Help)
}

fn value_name(arg: &Arg) -> String {
    arg.get_value_names()
        .map(|names| names.join(" "))
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase())
}

/// Text with blank lines between paragraphs; lines within a paragraph are
/// joined.
fn paragraphs(roff: &mut Roff, text: &str) {
    for (i, para) in text.split("\n\n").enumerate() {
        if i > 0 {
            roff.control("PP", []);
        }
        roff.text([roman(para.replace('\n', " "))]);
    }
}

fn section(roff: &mut Roff, title: &str, body: &[&str]) {
    roff.control("SH", [title]);
    for (i, para) in body.iter().enumerate() {
        if i > 0 {
            roff.control("PP", []);
        }
        roff.text([roman(*para)]);
    }
}

/// A labelled paragraph: `label` in bold, then the text.
fn item(roff: &mut Roff, label: Vec<Inline>, text: &str) {
    roff.control("TP", []);
    roff.text(label);
    roff.text([roman(text)]);
}

fn trailer(roff: &mut Roff) {
    section(
        roff,
        "CONFIGURATION",
        &[
            "Settings come from a TOML file named by --config, from ALEXANDER_* environment \
             variables, and from flags; a flag overrides its variable, which overrides the \
             file. Every key is optional and an unknown key is an error. Sizes are a number \
             of bytes or a string with KiB, MiB, GiB or TiB (\"5MiB\"). The keys:",
        ],
    );
    for (key, text) in [
        (
            "data_dir",
            "Directory of the store (--data, ALEXANDER_DATA). A relative path is taken from \
             the config file's directory.",
        ),
        (
            "master_key_file",
            "File holding the master key (--master-key-file, ALEXANDER_MASTER_KEY_FILE); \
             DIR/master.key by default. A relative path is taken from the config file's \
             directory.",
        ),
        (
            "[s3] listen",
            "Address of the S3 endpoint, HOST:PORT (--listen); 127.0.0.1:9000 by default.",
        ),
        (
            "[s3] region",
            "Region clients sign requests for (--region); us-east-1 by default.",
        ),
        (
            "[s3] vhost_domain",
            "Domain for virtual-host-style requests, BUCKET.DOMAIN (--vhost-domain); none \
             by default: path style only.",
        ),
        (
            "[s3] drain_timeout_secs",
            "Seconds requests in flight may take to finish once serve is told to stop \
             (--drain-timeout-secs); 30 by default.",
        ),
        (
            "[s3] metrics_token",
            "Token scrapes of GET /metrics must send as Authorization: Bearer TOKEN \
             (--metrics-token, ALEXANDER_METRICS_TOKEN); none by default: /metrics is open.",
        ),
        (
            "[s3] access_log",
            "true or false: one log line per request, target alexander::access \
             (--access-log on|off); true by default.",
        ),
        (
            "[store] reserved_bytes",
            "Room kept free on the data directory's filesystem: a chunk write that would \
             leave less fails, and /readyz answers 503 while no more is free; 64MiB by \
             default.",
        ),
        (
            "[store] metadata_cache_bytes",
            "Memory the metadata database (redb) may cache: the largest part of the \
             server's resident memory besides requests in flight; 64MiB by default.",
        ),
        (
            "[s3.limits] max_header_bytes, max_user_metadata_bytes, max_xml_bytes",
            "Largest request head (64KiB), user metadata of an object (2KiB) and XML \
             request body (1MiB); the flags of the same names set them too.",
        ),
        (
            "[s3.limits] max_parts, min_part_size, max_part_size",
            "Multipart uploads: at most 10000 parts, each but the last at least 5MiB, none \
             over 5GiB.",
        ),
        (
            "[s3.limits] max_put_size, max_delete_keys",
            "Largest single PUT (5GiB) and most keys in one DeleteObjects request (1000).",
        ),
        (
            "[s3.limits] header_timeout_secs, idle_timeout_secs, stall_timeout_secs",
            "Seconds a client has to send a request head (30; the same timer bounds an idle \
             keep-alive connection), a keep-alive connection may sit idle (60), and a \
             request body or response may go without progress before the request is \
             aborted (60); 0 turns one off. The flags of the same names set them too.",
        ),
        (
            "[s3.limits] max_connections",
            "Connections open at once (4096); further ones wait unaccepted in the listen \
             backlog (--max-connections).",
        ),
        (
            "[s3.limits] requests_per_sec, request_burst, max_concurrent_requests",
            "Per client (a verified access key, else an address): requests per second, the \
             size of the burst (the rate by default) and requests in flight; past either \
             bound a request is refused with 503 SlowDown and Retry-After. 0 turns a bound \
             off; both are off by default. The flags of the same names set them too.",
        ),
        (
            "[chunking] min_kib, avg_kib, max_kib",
            "FastCDC chunk sizes in KiB (--chunking-min-kib and so on); 16, 64 and 256 by \
             default. Changing them on an existing store stops new data from deduplicating \
             against old data; nothing breaks.",
        ),
        (
            "[gc] grace_period_secs",
            "Seconds a chunk nothing references is kept before gc frees it \
             (--gc-grace-period-secs); 60 by default.",
        ),
        (
            "[gc] interval, [compact] interval",
            "While serve runs, it frees unreferenced chunks and then rewrites mostly dead \
             pack files this often: seconds, or a number with s, m, h, d or w (1h by \
             default; 0 turns it off).",
        ),
        (
            "[[snapshots]] bucket, every, keep_last, keep_hourly, keep_daily, keep_weekly, keep_monthly",
            "A snapshot schedule for a bucket that has none of its own (see snapshot \
             schedule); one table a bucket, one keep rule at least.",
        ),
        (
            "[scrub] interval, max_bytes_per_sec",
            "While serve runs, it scrubs the store (see scrub) once per interval (7d by \
             default; 0 turns it off), reading at most max_bytes_per_sec (32MiB by \
             default; 0: no limit). No flag sets them.",
        ),
        (
            "[lifecycle] interval",
            "How often serve applies the buckets' lifecycle rules: seconds, or a number with \
             s, m, h or d (\"30m\"); 1h by default. alexander lifecycle run applies them at \
             once.",
        ),
        (
            "[multipart] abandon_after",
            "Incomplete multipart uploads that no lifecycle rule governs are aborted once \
             this old (same form); 7d by default.",
        ),
    ] {
        item(roff, vec![bold(key)], text);
    }
    section(
        roff,
        "ENVIRONMENT",
        &[
            "Each option above also reads the variable it names. These variables have no \
             flag and no config key; the first three carry secrets, which never belong on a \
             command line:",
        ],
    );
    item(
        roff,
        vec![bold("ALEXANDER_MASTER_KEY")],
        "The master key itself, 64 hex digits, instead of a key file. The store remembers \
         a fingerprint of its key and refuses another.",
    );
    item(
        roff,
        vec![
            bold("ALEXANDER_ROOT_ACCESS_KEY"),
            roman(", "),
            bold("ALEXANDER_ROOT_SECRET_KEY"),
        ],
        "Both or neither. serve imports this access key for the root user at every start \
         (replacing its secret if the key exists) instead of making a random one, for \
         scripted set-ups.",
    );
    item(
        roff,
        vec![bold("RUST_LOG")],
        "What is logged, as a tracing filter (for example debug, or \
         alexander_s3=debug); warnings by default, and for serve also its progress.",
    );
    section(roff, "EXIT STATUS", &[]);
    item(roff, vec![bold("0")], "The command did what it was asked.");
    item(
        roff,
        vec![bold("1")],
        "It failed, fsck found a problem, or scrub found a damaged chunk; the reason is printed on standard error, \
         after \"alexander: \".",
    );
    item(
        roff,
        vec![bold("2")],
        "The command line could not be parsed.",
    );
    section(roff, "FILES", &[]);
    item(
        roff,
        vec![
            italic("DIR"),
            roman("/meta/, "),
            italic("DIR"),
            roman("/packs/"),
        ],
        "The store: its metadata (a redb database) and the pack files that hold the chunks.",
    );
    item(
        roff,
        vec![italic("DIR"), roman("/master.key")],
        "The master key (32 bytes, mode 0600), made on first use unless another key is \
         given. It seals the access keys' secrets: keep a copy, for without it no access \
         key works.",
    );
    item(
        roff,
        vec![italic("DIR"), roman("/admin.sock")],
        "The admin socket of a running server (mode 0600), which the user and key \
         commands use. It speaks newline-delimited JSON, one request per line, such as \
         {\"cmd\": \"user-add\", \"name\": \"alice\"}.",
    );
    item(
        roff,
        vec![roman("/etc/alexander/alexander.toml")],
        "Sample configuration installed by the Debian package.",
    );
    section(
        roff,
        "EXAMPLES",
        &["Serve a store, give a user a key, and stop the server:"],
    );
    example(
        roff,
        &[
            "alexander --data /srv/alexander serve --listen 0.0.0.0:9000 &",
            "alexander --data /srv/alexander user add alice",
            "alexander --data /srv/alexander key create alice",
            "kill -TERM %1",
        ],
    );
    roff.control("PP", []);
    roff.text([roman(
        "Store a file, change it, and read the old version back from a snapshot:",
    )]);
    example(
        roff,
        &[
            "alexander bucket create photos",
            "alexander put photos cat.jpg ./cat.jpg",
            "alexander snapshot create photos before-edit",
            "alexander put photos cat.jpg ./cat-edited.jpg",
            "alexander get photos cat.jpg --snapshot before-edit > old-cat.jpg",
            "alexander ls photos --delimiter /",
            "alexander stats",
        ],
    );
}

/// Lines shown as typed.
fn example(roff: &mut Roff, lines: &[&str]) {
    roff.control("PP", []);
    roff.control("nf", []);
    roff.control("RS", ["4"]);
    for line in lines {
        roff.text([roman(*line)]);
    }
    roff.control("RE", []);
    roff.control("fi", []);
}
