//! `serve`'s metrics, health checks and access log, seen from outside: the
//! `/metrics` exposition parsed as Prometheus parses it, before and after
//! known requests; the bearer token; `/readyz` against the store's reserve
//! and the mount; the access log's lines on standard error.

use std::path::Path;
use std::process::Command;

use prometheus_parse::{Scrape, Value};
use tempfile::TempDir;

use crate::serve::{Server, http, mount_dirs, start, wait_until};

const KEY: (&str, &str) = ("METRICSTESTKEY", "metrics-test-secret-123");
const ROOT: [(&str, &str); 2] = [
    ("ALEXANDER_ROOT_ACCESS_KEY", KEY.0),
    ("ALEXANDER_ROOT_SECRET_KEY", KEY.1),
];

/// `GET /metrics` with an optional bearer token: status and body.
fn get_metrics(server: &Server, token: Option<&str>) -> (u16, String) {
    let mut req = http().get(server.url("/metrics"));
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = req.send().expect("scrape");
    let status = resp.status().as_u16();
    (status, resp.text().unwrap())
}

/// A scrape, parsed; the text too.
fn scrape(server: &Server) -> (Scrape, String) {
    let (status, text) = get_metrics(server, None);
    assert_eq!(status, 200, "{text}");
    let parsed = Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parse");
    (parsed, text)
}

/// The value of the sample `name` whose labels include `labels`, 0 if none
/// (a series appears on its first use).
fn value(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    s.samples
        .iter()
        .filter(|x| x.metric == name && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .map(|x| match &x.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            other => panic!("{name} is not a number: {other:?}"),
        })
        .sum()
}

fn get(server: &Server, path: &str) -> reqwest::blocking::Response {
    http().get(server.url(path)).send().expect("request")
}

/// Printable bytes that do not repeat, so that they are one chunk of their
/// own length.
fn body(len: usize) -> Vec<u8> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b'!' + (x % 94) as u8
        })
        .collect()
}

#[test]
fn requests_bytes_and_store_figures_move_by_what_was_done() {
    let tmp = TempDir::new().unwrap();
    let server = start(&tmp.path().join("data"), &[], &ROOT);

    assert_eq!(server.s3(KEY, "PUT", "/mbucket", b"").0, 200);
    let (before, text_before) = scrape(&server);
    // The store's figures are read at the scrape: nothing stored yet.
    assert_eq!(value(&before, "alexander_store_logical_bytes", &[]), 0.0);
    assert_eq!(value(&before, "alexander_store_chunks", &[]), 0.0);
    // The maintenance metrics are there before any task has run.
    assert_eq!(value(&before, "alexander_gc_runs_total", &[]), 0.0);
    assert_eq!(
        value(
            &before,
            "alexander_task_last_success_timestamp_seconds",
            &[("task", "scrub")]
        ),
        0.0
    );
    assert!(value(&before, "alexander_process_resident_bytes", &[]) > 1e6);
    // glibc, as CI and the Debian package run it, counts its heap.
    assert!(value(&before, "alexander_process_heap_bytes", &[]) > 1e5);
    // The scrape's own connection is open.
    assert!(value(&before, "alexander_s3_connections", &[]) >= 1.0);

    let data = body(1000);
    assert_eq!(server.s3(KEY, "PUT", "/mbucket/obj", &data).0, 200);
    let (status, got) = server.s3(KEY, "GET", "/mbucket/obj", b"");
    assert_eq!((status, got.as_bytes()), (200, &data[..]));
    assert_eq!(server.s3(KEY, "GET", "/mbucket/missing", b"").0, 404);

    let (after, text) = scrape(&server);
    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    let req = "alexander_s3_requests_total";
    assert_eq!(moved(req, &[("op", "PutObject"), ("status", "200")]), 1.0);
    assert_eq!(moved(req, &[("op", "GetObject"), ("status", "200")]), 1.0);
    assert_eq!(moved(req, &[("op", "GetObject"), ("status", "404")]), 1.0);
    assert_eq!(
        moved(req, &[("op", "CreateBucket"), ("status", "200")]),
        0.0
    );
    assert_eq!(value(&after, req, &[("op", "CreateBucket")]), 1.0);
    // The first scrape was counted once its body was out.
    assert_eq!(moved(req, &[("op", "Metrics"), ("status", "200")]), 1.0);
    // In: the object's body, nothing else had one. Out: the first
    // scrape's exposition, the object, and the 404's error document.
    assert_eq!(moved("alexander_s3_bytes_received_total", &[]), 1000.0);
    let sent = moved("alexander_s3_bytes_sent_total", &[]);
    let minimum = (text_before.len() + 1000) as f64;
    assert!(
        (minimum..minimum + 1024.0).contains(&sent),
        "sent {sent}, expected the scrape ({}) + 1000 + a small error document",
        text_before.len()
    );
    // A latency series per operation.
    assert!(
        text.contains(
            "alexander_s3_request_duration_seconds_bucket{le=\"+Inf\",op=\"GetObject\"} 2"
        ) || text.contains(
            "alexander_s3_request_duration_seconds_bucket{op=\"GetObject\",le=\"+Inf\"} 2"
        ),
        "{text}"
    );
    // The object is one chunk of its own length, written once.
    assert_eq!(value(&after, "alexander_store_logical_bytes", &[]), 1000.0);
    assert_eq!(value(&after, "alexander_store_stored_bytes", &[]), 1000.0);
    assert_eq!(value(&after, "alexander_store_chunks", &[]), 1.0);
    assert!(value(&after, "alexander_store_metadata_bytes", &[]) > 0.0);
    let live = value(&after, "alexander_store_live_fraction", &[]);
    assert!((0.0..=1.0).contains(&live), "{live}");
    assert!(server.stop().success());
}

#[test]
fn the_token_guards_metrics_and_only_metrics() {
    let tmp = TempDir::new().unwrap();
    let server = start(
        &tmp.path().join("data"),
        &["--metrics-token", "scrape-secret"],
        &ROOT,
    );
    let (status, body) = get_metrics(&server, None);
    assert_eq!(status, 401);
    assert_eq!(body.lines().count(), 1, "{body}");
    assert!(body.contains("Bearer"), "{body}");
    assert_eq!(get_metrics(&server, Some("scrape-secr")).0, 401);
    assert_eq!(get_metrics(&server, Some("scrape-secret-")).0, 401);
    let (status, body) = get_metrics(&server, Some("scrape-secret"));
    assert_eq!(status, 200, "{body}");
    let parsed = Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).unwrap();
    assert!(
        parsed
            .samples
            .iter()
            .any(|s| s.metric == "alexander_store_chunks")
    );
    // Health checks stay open.
    assert_eq!(get(&server, "/healthz").status(), 200);
    assert_eq!(get(&server, "/readyz").status(), 200);
    assert!(server.stop().success());
}

#[test]
fn readyz_says_why_when_the_disk_is_below_the_reserve() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("data");
    let server = start(&data, &[], &ROOT);
    let resp = get(&server, "/readyz");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().unwrap(), "OK\n");
    assert!(server.stop().success());

    // A reserve larger than any disk of a test machine.
    let config = tmp.path().join("alexander.toml");
    std::fs::write(&config, "[store]\nreserved_bytes = \"1000TiB\"\n").unwrap();
    let server = start(&data, &["--config", config.to_str().unwrap()], &ROOT);
    let resp = get(&server, "/readyz");
    assert_eq!(resp.status(), 503);
    let reason = resp.text().unwrap();
    assert_eq!(reason.lines().count(), 1, "{reason}");
    assert!(reason.starts_with("not ready: "), "{reason}");
    assert!(
        reason.contains("reserve of 1099511627776000 bytes"),
        "{reason}"
    );
    // Alive all the same.
    assert_eq!(get(&server, "/healthz").status(), 200);
    assert_eq!(get(&server, "/health").status(), 200);
    assert!(server.stop().success());
}

#[test]
fn the_access_log_has_a_line_per_request_with_the_client_request_id() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("data");
    let server = start(&data, &[], &ROOT);
    assert_eq!(server.s3(KEY, "PUT", "/logged", b"").0, 200);
    let (status, _) = server.s3_in(
        "us-east-1",
        KEY,
        "PUT",
        "/logged/some/key.txt",
        &[("x-request-id", "trace-42-abc")],
        b"hello",
    );
    assert_eq!(status, 200);
    let resp = http()
        .get(server.url("/logged/some/key.txt"))
        .header("x-request-id", "anon-7")
        .send()
        .unwrap();
    // Anonymous, on a private bucket: refused, logged all the same.
    assert_eq!(resp.status(), 403);
    assert_eq!(resp.headers()["x-request-id"], "anon-7");
    let our_id = resp.headers()["x-amz-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    // Not echoed: a control character, or too long.
    let resp = http()
        .get(server.url("/healthz"))
        .header("x-request-id", "a".repeat(201))
        .send()
        .unwrap();
    assert!(!resp.headers().contains_key("x-request-id"));

    let log = plain(&server.stderr_with(&our_id));
    let line = |needle: &str| {
        log.lines()
            .find(|l| l.contains("alexander::access") && l.contains(needle))
            .unwrap_or_else(|| panic!("no access line with {needle:?} in\n{log}"))
            .to_owned()
    };
    let put = line("client_request_id=trace-42-abc");
    for field in [
        "method=PUT",
        "bucket=logged",
        "key=some/key.txt",
        "status=200",
        "bytes=0",
        "access_key=METRICSTESTKEY",
        "op=\"PutObject\"",
        "ms=",
        "request_id=",
    ] {
        assert!(put.contains(field), "no {field} in {put}");
    }
    let refused = line(&format!("request_id={our_id}"));
    for field in [
        "method=GET",
        "status=403",
        "access_key=-",
        "client_request_id=anon-7",
    ] {
        assert!(refused.contains(field), "no {field} in {refused}");
    }
    assert!(server.stop().success());

    // Off: no access lines, the rest of the log as before.
    let server = start(&data, &["--access-log", "off"], &ROOT);
    assert_eq!(server.s3(KEY, "PUT", "/quiet", b"").0, 200);
    assert_eq!(get(&server, "/healthz").status(), 200);
    let log = server.stderr_with("listening");
    assert!(!log.contains("alexander::access"), "{log}");
    assert!(server.stop().success());
}

/// `log` without its ANSI colours.
fn plain(log: &str) -> String {
    let mut out = String::with_capacity(log.len());
    let mut chars = log.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ parameters, ending with a letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A FUSE op counter: the sum over ops of `alexander_fuse_ops_total`, and
/// one op's.
fn fuse_ops(s: &Scrape, op: Option<&str>) -> f64 {
    match op {
        Some(op) => value(s, "alexander_fuse_ops_total", &[("op", op)]),
        None => value(s, "alexander_fuse_ops_total", &[]),
    }
}

#[test]
fn mount_operations_are_counted_and_readyz_watches_the_mount() {
    let Some((_tmp, data, mnt)) = mount_dirs() else {
        return;
    };
    let server = start(&data, &["--mount", mnt.to_str().unwrap()], &ROOT);
    assert_eq!(get(&server, "/readyz").status(), 200);
    let (before, _) = scrape(&server);
    let dir = mnt.join("fusebucket");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..3 {
        std::fs::write(dir.join(format!("f{i}")), b"through the mount").unwrap();
    }
    assert_eq!(std::fs::read(dir.join("f1")).unwrap(), b"through the mount");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
    let (after, text) = scrape(&server);
    assert!(fuse_ops(&after, None) > fuse_ops(&before, None), "{text}");
    assert_eq!(
        fuse_ops(&after, Some("mkdir")) - fuse_ops(&before, Some("mkdir")),
        1.0,
        "{text}"
    );
    assert!(
        fuse_ops(&after, Some("create")) - fuse_ops(&before, Some("create")) >= 3.0,
        "{text}"
    );
    assert!(fuse_ops(&after, Some("write")) >= 3.0, "{text}");
    assert!(
        text.contains("alexander_fuse_op_duration_seconds_bucket{"),
        "{text}"
    );
    dashboard_names_are_exposed(&text);
    // Written through the mount, counted by the store.
    assert_eq!(
        value(&after, "alexander_store_logical_bytes", &[]),
        3.0 * 17.0
    );

    // Unmounted from outside: alive, but not ready.
    unmount(&mnt);
    wait_until("readyz to fail", std::time::Duration::from_secs(10), || {
        get(&server, "/readyz").status() == 503
    });
    let reason = get(&server, "/readyz").text().unwrap();
    assert!(reason.contains("mount"), "{reason}");
    assert_eq!(get(&server, "/healthz").status(), 200);
    drop(server);
}

/// Every metric the shipped Grafana dashboard queries is in `text` (a
/// scrape where every family has a series; snapshots have none without a
/// snapshot).
fn dashboard_names_are_exposed(text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/grafana-dashboard.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut names = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for (i, _) in expr.match_indices("alexander_") {
                let name: String = expr[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                names.push(name);
            }
        }
    }
    assert!(names.len() > 15, "{names:?}");
    for name in names {
        let family = name.strip_suffix("_bucket").unwrap_or(&name);
        assert!(
            text.contains(&format!("# TYPE {family} ")) || name == "alexander_snapshots",
            "the dashboard queries {name}, which /metrics does not have:\n{text}"
        );
    }
}

fn unmount(mnt: &Path) {
    let ok = Command::new("fusermount3")
        .arg("-u")
        .arg(mnt)
        .status()
        .is_ok_and(|s| s.success())
        || Command::new("umount")
            .arg(mnt)
            .status()
            .is_ok_and(|s| s.success());
    assert!(ok, "cannot unmount {}", mnt.display());
}
