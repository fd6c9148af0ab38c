//! Lifecycle rules end to end: objects, versions, tags, an upload and the
//! rules go in over S3 (SigV4-signed requests to the real `alexander
//! serve`); the server is stopped and `alexander lifecycle run --at` a
//! series of later times applies the rules to its store; `ls` and the
//! report show what went, what got a delete marker and what stayed.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alexander_s3::auth::SecretKey;
use alexander_s3::auth::sigv4::{SignRequest, UNSIGNED_PAYLOAD, sign_request};
use alexander_store::time::UtcTime;
use tempfile::TempDir;

use crate::serve::{alexander, ok, run};
use crate::support::listening_address;

const ACCESS_KEY: &str = "LIFECYCLETESTKEY";
const SECRET_KEY: &str = "lifecycle-test-secret-0123456789";

/// `alexander serve` on a free port, root's key given; killed on drop if
/// still running.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(data: &Path) -> Server {
        Server::start_with(data, &[])
    }

    /// [`Server::start`] with more arguments for `serve`.
    fn start_with(data: &Path, args: &[&str]) -> Server {
        let mut child = alexander(data)
            .args(args)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("ALEXANDER_ROOT_ACCESS_KEY", ACCESS_KEY)
            .env("ALEXANDER_ROOT_SECRET_KEY", SECRET_KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn alexander serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (addr, _) = listening_address(&lines, Duration::from_secs(60))
            .unwrap_or_else(|(e, banner)| panic!("serve did not come up ({e}): {banner}"));
        Server { child, addr }
    }

    /// A signed request; the status and body of the answer.
    fn s3(
        &self,
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let secret = SecretKey::new(SECRET_KEY);
        let mut all = vec![("host", self.addr.as_str())];
        all.extend_from_slice(headers);
        let signed = sign_request(&SignRequest {
            method,
            path,
            query,
            headers: &all,
            payload_hash: UNSIGNED_PAYLOAD,
            access_key: ACCESS_KEY,
            secret: &secret,
            region: "us-east-1",
            time: SystemTime::now(),
        });
        let url = if query.is_empty() {
            format!("http://{}{path}", self.addr)
        } else {
            format!("http://{}{path}?{query}", self.addr)
        };
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let mut req = client.request(method.parse().unwrap(), url);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        for (name, value) in &signed.headers {
            req = req.header(*name, value);
        }
        let resp = req.body(body.to_vec()).send().expect("send request");
        (resp.status().as_u16(), resp.text().unwrap())
    }

    fn must(&self, method: &str, path: &str, query: &str, headers: &[(&str, &str)], body: &[u8]) {
        let (status, text) = self.s3(method, path, query, headers, body);
        assert_eq!(status, 200, "{method} {path}?{query}: {text}");
    }

    /// SIGTERM, and a clean exit.
    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{status}");
                return;
            }
            assert!(std::time::Instant::now() < deadline, "serve did not stop");
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// RFC 3339 for `days` days from now.
fn in_days(days: u64) -> String {
    let t = SystemTime::now() + Duration::from_secs(days * 86_400);
    let ns = t.duration_since(UNIX_EPOCH).unwrap().as_nanos() as i64;
    UtcTime::from_ns(ns).rfc3339_secs()
}

/// `(key, marker?)` of every version in `ls --versions`, newest first.
fn versions(data: &Path, bucket: &str) -> Vec<(String, bool)> {
    ok(data, &["ls", "--versions", bucket])
        .lines()
        .map(|l| {
            let key = l.rsplit(' ').next().unwrap().to_owned();
            (key, l.contains(" deleted "))
        })
        .collect()
}

fn keys(data: &Path, bucket: &str) -> Vec<String> {
    ok(data, &["ls", bucket])
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap().to_owned())
        .collect()
}

const LOGS_RULES: &str = "<LifecycleConfiguration>\
    <Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>\
    <Rule><ID>tmp</ID><Filter><Tag><Key>tmp</Key><Value>yes</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>\
    </LifecycleConfiguration>";

const VERSIONED_RULES: &str = "<LifecycleConfiguration>\
    <Rule><ID>docs</ID><Filter><Prefix>doc</Prefix></Filter><Status>Enabled</Status><Expiration><Days>5</Days></Expiration></Rule>\
    <Rule><ID>old</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>\
    <Rule><ID>markers</ID><Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>\
    </LifecycleConfiguration>";

#[test]
fn lifecycle_run_applies_rules_put_over_s3() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data);
    server.must("PUT", "/logs-bkt", "", &[], b"");
    for key in ["logs/a", "logs/b", "keep/c"] {
        server.must("PUT", &format!("/logs-bkt/{key}"), "", &[], b"data");
    }
    server.must(
        "PUT",
        "/logs-bkt/tmp.txt",
        "",
        &[("x-amz-tagging", "tmp=yes")],
        b"scratch",
    );
    server.must("PUT", "/logs-bkt", "lifecycle=", &[], LOGS_RULES.as_bytes());

    server.must("PUT", "/ver-bkt", "", &[], b"");
    server.must(
        "PUT",
        "/ver-bkt",
        "versioning=",
        &[],
        b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>",
    );
    server.must("PUT", "/ver-bkt/doc", "", &[], b"one");
    server.must("PUT", "/ver-bkt/doc", "", &[], b"two");
    server.must("PUT", "/ver-bkt/gone", "", &[], b"old");
    let (status, _) = server.s3("DELETE", "/ver-bkt/gone", "", &[], b"");
    assert_eq!(status, 204);
    server.must("POST", "/ver-bkt/big", "uploads=", &[], b"");
    server.must(
        "PUT",
        "/ver-bkt",
        "lifecycle=",
        &[],
        VERSIONED_RULES.as_bytes(),
    );
    // A rule the pass could only half apply is refused, and the rules
    // stored before stay.
    let (status, text) = server.s3(
        "PUT",
        "/ver-bkt",
        "lifecycle=",
        &[],
        b"<LifecycleConfiguration><Rule><Filter><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan></Filter><Status>Enabled</Status>\
          <AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>",
    );
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("<Code>InvalidRequest</Code>"), "{text}");
    let (status, text) = server.s3("GET", "/ver-bkt", "lifecycle=", &[], b"");
    assert_eq!(status, 200);
    assert!(text.contains("<ID>markers</ID>"), "{text}");
    server.stop();

    // Nothing is due today.
    let today = ok(&data, &["lifecycle", "run"]);
    assert!(
        today.ends_with("0 objects expired (0 by delete marker), 0 delete markers removed, 0 noncurrent versions removed, 0 uploads aborted, 0 failures\n"),
        "{today}"
    );

    // Three days on, as a dry run: the report, and no change.
    let at = in_days(3);
    let dry = ok(&data, &["lifecycle", "run", "--at", &at, "--dry-run"]);
    assert!(
        dry.contains("logs-bkt/logs/a: due: expired (deleted) (rule logs)"),
        "{dry}"
    );
    assert!(dry.contains("dry run, nothing changed"), "{dry}");
    assert_eq!(
        keys(&data, "logs-bkt"),
        ["keep/c", "logs/a", "logs/b", "tmp.txt"]
    );

    // Three days on, for real: the logs go, and the noncurrent versions.
    let out = ok(&data, &["lifecycle", "run", "--at", &at]);
    for line in [
        "logs-bkt/logs/a: expired (deleted) (rule logs)",
        "logs-bkt/logs/b: expired (deleted) (rule logs)",
    ] {
        assert!(out.contains(line), "{line:?} in {out}");
    }
    assert!(
        out.contains("2 objects expired (0 by delete marker), 0 delete markers removed, 2 noncurrent versions removed, 0 uploads aborted, 0 failures"),
        "{out}"
    );
    assert_eq!(keys(&data, "logs-bkt"), ["keep/c", "tmp.txt"]);
    assert_eq!(
        versions(&data, "ver-bkt"),
        [("doc".to_owned(), false), ("gone".to_owned(), true)]
    );

    // Eight days on, with a JSON report: "doc" expires under a delete
    // marker, the marker "gone" is now alone and goes, the upload is
    // abandoned.
    let report = ok(
        &data,
        &["lifecycle", "run", "ver-bkt", "--at", &in_days(8), "--json"],
    );
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let bucket = &report["buckets"][0];
    assert_eq!(bucket["bucket"], "ver-bkt");
    assert_eq!(report["buckets"].as_array().unwrap().len(), 1);
    let counts = &bucket["counts"];
    assert_eq!(counts["objects_expired"], 1);
    assert_eq!(counts["delete_markers_added"], 1);
    assert_eq!(counts["delete_markers_removed"], 1);
    assert_eq!(counts["uploads_aborted"], 1);
    assert_eq!(counts["failures"], 0);
    let actions: Vec<(String, String)> = bucket["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_owned(),
                a["key"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("delete_marker_added".to_owned(), "doc".to_owned()),
            ("delete_marker_removed".to_owned(), "gone".to_owned()),
            ("upload_aborted".to_owned(), "big".to_owned()),
        ]
    );
    assert_eq!(
        versions(&data, "ver-bkt"),
        [("doc".to_owned(), true), ("doc".to_owned(), false)]
    );
    assert!(keys(&data, "ver-bkt").is_empty());
    // The other bucket was not part of it.
    assert_eq!(keys(&data, "logs-bkt"), ["keep/c", "tmp.txt"]);

    // Forty days on: the tagged object; "doc"'s hidden version too.
    let out = ok(&data, &["lifecycle", "run", "--at", &in_days(40)]);
    assert!(
        out.contains("logs-bkt/tmp.txt: expired (deleted) (rule tmp)"),
        "{out}"
    );
    assert!(
        out.contains("ver-bkt/doc: removed noncurrent version"),
        "{out}"
    );
    assert_eq!(keys(&data, "logs-bkt"), ["keep/c"]);
    assert_eq!(versions(&data, "ver-bkt"), [("doc".to_owned(), true)]);
    let mut data_read = String::new();
    alexander(&data)
        .args(["get", "logs-bkt", "keep/c"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut data_read)
        .unwrap();
    assert_eq!(data_read, "data");
}

#[test]
fn lifecycle_run_refuses_bad_input() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["bucket", "create", "some-bkt"]);
    let out = run(&data, &["lifecycle", "run", "no-such-bkt"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such-bkt"), "{stderr}");
    let out = run(&data, &["lifecycle", "run", "--at", "next tuesday"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not an RFC 3339 time"), "{stderr}");
}

#[test]
fn the_server_applies_the_rules_by_itself_and_lifecycle_run_goes_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["bucket", "create", "parts-bkt"]);
    let config = dir.path().join("alexander.toml");
    std::fs::write(
        &config,
        "[lifecycle]\ninterval = \"1s\"\n[multipart]\nabandon_after = \"2s\"\n",
    )
    .unwrap();
    let server = Server::start_with(&data, &["--config", config.to_str().unwrap()]);
    server.must("POST", "/parts-bkt/left", "uploads=", &[], b"");
    let listed = |server: &Server| server.s3("GET", "/parts-bkt", "uploads=", &[], b"").1;
    assert!(
        listed(&server).contains("<Key>left</Key>"),
        "{}",
        listed(&server)
    );
    // A command run while the server runs goes through it: a dry run sees
    // nothing due yet (the upload is younger than abandon_after).
    let dry = ok(&data, &["lifecycle", "run", "--dry-run"]);
    assert!(dry.contains("0 uploads aborted"), "{dry}");
    // The server's own pass aborts the upload once it is 2 s old.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while listed(&server).contains("<Key>left</Key>") {
        assert!(
            std::time::Instant::now() < deadline,
            "the abandoned upload was never aborted"
        );
        thread::sleep(Duration::from_millis(100));
    }
    server.stop();
}
