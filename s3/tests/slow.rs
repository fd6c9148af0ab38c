//! Slow and greedy clients: half-sent heads, idle keep-alive connections,
//! stalled uploads, downloads nobody reads, more connections than the cap,
//! and bursts over the rate limit, each against a server whose deadline
//! or limit the test sets short.
//!
//! The deadlines are checked from below (a connection is never cut before
//! its deadline) and for their effect (it is cut, the server answers
//! others meanwhile, an aborted upload stores nothing); every wait is
//! bounded, so a server that never cuts fails the test instead of hanging.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use alexander_s3::auth::sigv4::UNSIGNED_PAYLOAD;
use alexander_s3::{Limits, RateLimit, S3Config};
use alexander_store::At;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

/// The longest any read in these tests waits for the server.
const BOUND: Duration = Duration::from_secs(20);

fn config(f: impl FnOnce(&mut Limits)) -> S3Config {
    let mut config = S3Config::default();
    f(&mut config.limits);
    config
}

/// This process's resident memory now and at its peak, in KiB, and its
/// thread count (the server runs in the test's process).
fn memory() -> (u64, u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"), field("Threads:"))
}

fn report(test: &str) {
    let (rss, hwm, threads) = memory();
    eprintln!("{test}: VmRSS {rss} KiB, VmHWM {hwm} KiB, threads {threads}");
}

/// Reads until the server closes the connection (or resets it), for
/// `BOUND` at most: what came, and whether it did close.
async fn read_until_closed(s: &mut TcpStream) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + BOUND;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (out, true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (out, false),
        }
    }
}

/// The status of an HTTP response at the start of `bytes` (0 if none).
fn status_of(bytes: &[u8]) -> u16 {
    String::from_utf8_lossy(&bytes[..bytes.len().min(64)])
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Reads one response to a request that asked for `/health` (whose body
/// is "OK\n"): its bytes.
async fn read_health(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while !out.ends_with(b"OK\n") {
        let n = tokio::time::timeout(BOUND, s.read(&mut buf))
            .await
            .expect("no answer from the server")
            .unwrap();
        assert!(n > 0, "closed before the answer");
        out.extend_from_slice(&buf[..n]);
    }
    out
}

const HEALTH: &str = "GET /health HTTP/1.1\r\nhost: x\r\n\r\n";

#[test]
fn half_sent_heads_are_closed_after_the_header_timeout() {
    let timeout = Duration::from_secs(2);
    let server = TestServer::start_with(config(|l| {
        l.header_timeout = Some(timeout);
        l.idle_timeout = None;
    }));
    let client = server.client();
    rt().block_on(async {
        let (rss0, _, _) = memory();
        let started = Instant::now();
        let mut held = Vec::new();
        for i in 0..200 {
            let mut s = TcpStream::connect(server.addr).await.unwrap();
            s.write_all(format!("GET /b/k{i} HTTP/1.1\r\nhost: x\r\nx-pad: ").as_bytes())
                .await
                .unwrap();
            held.push(s);
        }
        // Meanwhile the server answers others.
        let buckets = client.list_buckets().send().await.unwrap();
        assert!(buckets.buckets().is_empty());
        let bucket = new_bucket(&server, "heads");
        client
            .put_object()
            .bucket(&bucket)
            .key("k")
            .body(body(b"while heads hang"))
            .send()
            .await
            .unwrap();
        let (rss1, _, _) = memory();
        // Every half-sent head is cut, none before its deadline.
        for s in &mut held {
            let (reply, closed) = read_until_closed(s).await;
            assert!(closed, "a half-sent head was never closed");
            let status = status_of(&reply);
            assert!(status == 0 || status == 408, "{status}");
        }
        assert!(started.elapsed() >= timeout);
        assert_eq!(get_bytes(&client, &bucket, "k").await, b"while heads hang");
        eprintln!("200 half-sent heads: VmRSS {rss0} KiB before, {rss1} KiB while held");
    });
    report("half_sent_heads");
}

#[test]
fn unfinished_heads_past_the_limit_are_not_buffered() {
    // 400 connections each send 200 KB of a header that never ends. The
    // server reads at most its limit (64 KiB) plus a little of each, then
    // answers 431 and closes, so they cost it nothing after.
    let server = TestServer::start();
    rt().block_on(async {
        let (rss0, hwm0, _) = memory();
        let pad = std::sync::Arc::new(vec![b'p'; 200 * 1000]);
        let mut tasks = Vec::new();
        for i in 0..400 {
            let addr = server.addr;
            let pad = pad.clone();
            tasks.push(tokio::spawn(async move {
                let mut s = TcpStream::connect(addr).await.unwrap();
                let head = format!("GET /b/k{i} HTTP/1.1\r\nhost: x\r\nx-pad: ");
                // The server may close mid-way: that is the point.
                let sent = async {
                    s.write_all(head.as_bytes()).await?;
                    s.write_all(&pad).await
                }
                .await;
                let (reply, closed) = read_until_closed(&mut s).await;
                (sent.is_ok(), status_of(&reply), closed)
            }));
        }
        let mut refused = 0;
        for t in tasks {
            let (_, status, closed) = t.await.unwrap();
            assert!(closed, "an unfinished head was held open");
            assert!(status == 0 || status == 431, "{status}");
            refused += usize::from(status == 431);
        }
        let (rss1, hwm1, _) = memory();
        eprintln!(
            "400 x 200 KB unfinished heads: VmRSS {rss0} -> {rss1} KiB, \
             VmHWM {hwm0} -> {hwm1} KiB, {refused} answered 431"
        );
        // 400 x 200 KB would be 80 MB if hyper buffered them whole.
        assert!(
            hwm1.saturating_sub(hwm0) < 40 * 1024,
            "peak grew by {} KiB",
            hwm1 - hwm0
        );
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(HEALTH.as_bytes()).await.unwrap();
        assert_eq!(status_of(&read_health(&mut s).await), 200);
    });
    report("unfinished_heads");
}

#[test]
fn held_heads_under_the_limit_cost_little() {
    // The worst a client can do within the limit: 400 connections each
    // holding 60 KB of an unfinished head (measured, not asserted beyond
    // the server still answering).
    let server = TestServer::start();
    rt().block_on(async {
        let (rss0, _, _) = memory();
        let pad = vec![b'p'; 60 * 1000];
        let mut held = Vec::new();
        for i in 0..400 {
            let mut s = TcpStream::connect(server.addr).await.unwrap();
            s.write_all(format!("GET /b/k{i} HTTP/1.1\r\nhost: x\r\nx-pad: ").as_bytes())
                .await
                .unwrap();
            s.write_all(&pad).await.unwrap();
            held.push(s);
        }
        // The server has read them all once it answers a request sent
        // after them on a connection of its own... almost surely; give it
        // a moment more.
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(HEALTH.as_bytes()).await.unwrap();
        assert_eq!(status_of(&read_health(&mut s).await), 200);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (rss1, _, _) = memory();
        eprintln!(
            "400 x 60 KB held heads: VmRSS {rss0} -> {rss1} KiB ({} KiB each)",
            rss1.saturating_sub(rss0) / 400
        );
        drop(held);
    });
    report("held_heads");
}

#[test]
fn idle_keep_alive_connections_are_closed() {
    let idle = Duration::from_secs(1);
    // The idle timeout alone (the header timer set far off).
    let server = TestServer::start_with(config(|l| {
        l.header_timeout = Some(Duration::from_secs(60));
        l.idle_timeout = Some(idle);
    }));
    // hyper's header timer alone: it also runs between requests.
    let by_header = TestServer::start_with(config(|l| {
        l.header_timeout = Some(idle);
        l.idle_timeout = None;
    }));
    rt().block_on(async {
        for server in [&server, &by_header] {
            let mut s = TcpStream::connect(server.addr).await.unwrap();
            // Two requests on the connection: it is kept alive...
            let mut sent = Instant::now();
            for _ in 0..2 {
                sent = Instant::now();
                s.write_all(HEALTH.as_bytes()).await.unwrap();
                assert_eq!(status_of(&read_health(&mut s).await), 200);
            }
            // ...and then closed when it sits idle, not before. The server's
            // timer starts once it has written the answer, which may be a
            // little before this side has read it, so the lower bound is
            // when the last request was sent.
            let (rest, closed) = read_until_closed(&mut s).await;
            assert!(closed, "an idle connection was kept");
            let waited = sent.elapsed();
            assert!(waited >= idle, "closed after {waited:?}, before {idle:?}");
            let status = status_of(&rest);
            assert!(status == 0 || status == 408, "{status}");
        }
    });
    report("idle_keep_alive");
}

#[test]
fn a_stalled_upload_is_aborted_and_stores_nothing() {
    let stall = Duration::from_secs(1);
    let server = TestServer::start_with(config(|l| l.stall_timeout = Some(stall)));
    let bucket = new_bucket(&server, "stall");
    let chunks_before = server.store.stats().unwrap().chunks;
    rt().block_on(async {
        let len = 4 << 20;
        let data = data(len, 7);
        let length = len.to_string();
        let head = signed_head(
            &server,
            "PUT",
            &format!("/{bucket}/stalled"),
            &[("content-length", &length)],
            UNSIGNED_PAYLOAD,
        );
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(head.as_bytes()).await.unwrap();
        // Most of the body, so that chunks reach the packs, then nothing.
        s.write_all(&data[..3 << 20]).await.unwrap();
        let stalled = Instant::now();
        let (reply, closed) = read_until_closed(&mut s).await;
        assert!(closed, "a stalled upload was kept");
        assert!(stalled.elapsed() >= stall);
        let status = status_of(&reply);
        assert!(status == 0 || status >= 400, "{status}");
    });
    // Nothing committed, and nothing left that GC cannot free.
    assert!(
        server
            .store
            .head_object(&bucket, "stalled", At::Current)
            .is_err()
    );
    server.store.gc().unwrap();
    assert_eq!(server.store.stats().unwrap().chunks, chunks_before);
    assert!(server.store.fsck(false).unwrap().is_clean());
    report("stalled_upload");
}

#[test]
fn a_download_nobody_reads_is_dropped() {
    let stall = Duration::from_secs(1);
    let server = TestServer::start_with(config(|l| l.stall_timeout = Some(stall)));
    let bucket = new_bucket(&server, "unread");
    let client = server.client();
    let len = 32 << 20;
    rt().block_on(async {
        client
            .put_object()
            .bucket(&bucket)
            .key("big")
            .body(body(&data(len, 9)))
            .send()
            .await
            .unwrap();
        let head = signed_head(
            &server,
            "GET",
            &format!("/{bucket}/big"),
            &[],
            alexander_s3::auth::sigv4::EMPTY_SHA256,
        );
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(64 * 1024).unwrap();
        let mut s = socket.connect(server.addr).await.unwrap();
        s.write_all(head.as_bytes()).await.unwrap();
        // Read nothing for well past the deadline; meanwhile the server
        // serves others.
        assert_eq!(
            client.list_buckets().send().await.unwrap().buckets().len(),
            1
        );
        tokio::time::sleep(stall * 4).await;
        let (got, closed) = read_until_closed(&mut s).await;
        assert!(closed, "the unread download was kept");
        assert_eq!(status_of(&got), 200);
        assert!(
            got.len() < len,
            "the whole object was sent ({} bytes)",
            got.len()
        );
        // The object is whole for a reader that reads.
        assert_eq!(get_bytes(&client, &bucket, "big").await.len(), len);
    });
    report("unread_download");
}

#[test]
fn connections_past_the_cap_wait_unaccepted() {
    let server = TestServer::start_with(config(|l| l.max_connections = 2));
    rt().block_on(async {
        let mut first = TcpStream::connect(server.addr).await.unwrap();
        let mut second = TcpStream::connect(server.addr).await.unwrap();
        for s in [&mut first, &mut second] {
            s.write_all(HEALTH.as_bytes()).await.unwrap();
            assert_eq!(status_of(&read_health(s).await), 200);
        }
        // The kernel completes the third handshake (the backlog), but the
        // server does not take it while two are open.
        let mut third = TcpStream::connect(server.addr).await.unwrap();
        third.write_all(HEALTH.as_bytes()).await.unwrap();
        let mut buf = [0u8; 256];
        let early = tokio::time::timeout(Duration::from_millis(700), third.read(&mut buf)).await;
        assert!(early.is_err(), "the third connection was served: {early:?}");
        // One closes: the third is accepted and answered.
        drop(first);
        assert_eq!(status_of(&read_health(&mut third).await), 200);
        // The second is still served (keep-alive).
        second.write_all(HEALTH.as_bytes()).await.unwrap();
        assert_eq!(status_of(&read_health(&mut second).await), 200);
    });
    report("connection_cap");
}

fn rate_limited(rate: RateLimit) -> S3Config {
    config(|l| l.rate = rate)
}

#[test]
fn slowdown_is_an_s3_error_with_retry_after() {
    let server = TestServer::start_with(rate_limited(RateLimit {
        requests_per_sec: 1,
        burst: 3,
        max_concurrent: 0,
    }));
    let bucket = new_bucket(&server, "slow");
    rt().block_on(async {
        let http = reqwest::Client::new();
        let url = format!("{}/{bucket}/nothing", server.endpoint());
        // Anonymous: counted by address; the burst, then SlowDown.
        let mut statuses = Vec::new();
        let mut refusal = None;
        for _ in 0..6 {
            let r = http.get(&url).send().await.unwrap();
            statuses.push(r.status().as_u16());
            if r.status() == 503 && refusal.is_none() {
                let retry = r.headers()["retry-after"].to_str().unwrap().to_owned();
                let id = r.headers()["x-amz-request-id"].to_str().unwrap().to_owned();
                refusal = Some((retry, id, r.text().await.unwrap()));
            }
        }
        assert_eq!(&statuses[..3], &[403, 403, 403], "{statuses:?}");
        assert!(statuses[3..].contains(&503), "{statuses:?}");
        let (retry, id, text) = refusal.unwrap();
        assert!(retry.parse::<u64>().unwrap() >= 1);
        assert!(text.contains("<Code>SlowDown</Code>"), "{text}");
        assert!(text.contains("Please reduce your request rate."), "{text}");
        assert!(text.contains(&id), "{text}");
        // A verified key has a bucket of its own.
        let client = server.client();
        client.head_bucket().bucket(&bucket).send().await.unwrap();
        assert!(server_slowdowns(&server) >= 1);
    });
    report("slowdown_error");
}

/// `SlowDown`s the server has answered (the harness keeps its service).
fn server_slowdowns(server: &TestServer) -> u64 {
    server.service.slowdowns()
}

#[test]
fn requests_in_flight_are_bounded_per_client() {
    let server = TestServer::start_with(rate_limited(RateLimit {
        requests_per_sec: 0,
        burst: 0,
        max_concurrent: 1,
    }));
    let bucket = new_bucket(&server, "conc");
    let client = server.client();
    rt().block_on(async {
        let len = 16 << 20;
        client
            .put_object()
            .bucket(&bucket)
            .key("big")
            .body(body(&data(len, 3)))
            .send()
            .await
            .unwrap();
        // A download in flight (its body not yet taken)...
        let get = client
            .get_object()
            .bucket(&bucket)
            .key("big")
            .send()
            .await
            .unwrap();
        // ...holds the key's one slot: another request of the key waits its
        // turn with SlowDown (raw, so the SDK does not retry it away).
        let reply = signed_request(
            &server,
            "HEAD",
            &format!("/{bucket}/big"),
            "",
            &[],
            Vec::new(),
            alexander_s3::auth::sigv4::EMPTY_SHA256,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(reply.status(), 503);
        assert_eq!(reply.headers()["retry-after"], "1");
        // Another client is not affected.
        let anon = reqwest::get(format!("{}/{bucket}/big", server.endpoint()))
            .await
            .unwrap();
        assert_eq!(anon.status(), 403);
        // Once the download ends the key is served again.
        let bytes = get.body.collect().await.unwrap().into_bytes();
        assert_eq!(bytes.len(), len);
        client
            .head_object()
            .bucket(&bucket)
            .key("big")
            .send()
            .await
            .unwrap();
    });
    report("concurrency_bound");
}

#[test]
fn aws_sdk_completes_a_burst_that_trips_slowdown() {
    let server = TestServer::start_with(rate_limited(RateLimit {
        requests_per_sec: 10,
        burst: 5,
        max_concurrent: 0,
    }));
    let bucket = new_bucket(&server, "burst");
    let client = server.client_with(|c| {
        c.retry_config(aws_sdk_s3::config::retry::RetryConfig::standard().with_max_attempts(10))
    });
    rt().block_on(async {
        let mut tasks = Vec::new();
        for t in 0..2 {
            let client = client.clone();
            let bucket = bucket.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..10 {
                    let key = format!("t{t}/k{i}");
                    let bytes = format!("{t}-{i}").into_bytes();
                    client
                        .put_object()
                        .bucket(&bucket)
                        .key(&key)
                        .body(body(&bytes))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(get_bytes(&client, &bucket, &key).await, bytes);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    // 40 requests at 10 a second with a burst of 5: refused on the way.
    assert!(server_slowdowns(&server) > 0);
    eprintln!(
        "aws-sdk-s3 burst: {} SlowDown answers, all 40 requests done",
        server_slowdowns(&server)
    );
    report("aws_sdk_burst");
}

/// A Python with boto3: `ALEXANDER_TEST_PYTHON`, else the venv `.ci/run`
/// makes at target/ci-venv. None (the test then skips, or fails under CI)
/// when neither has it.
fn python() -> Option<PathBuf> {
    let candidates = std::env::var_os("ALEXANDER_TEST_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/ci-venv/bin/python")]);
    for p in candidates {
        let ok = Command::new(&p)
            .args(["-c", "import boto3"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(p);
        }
    }
    let why = "no Python with boto3 (set ALEXANDER_TEST_PYTHON or make target/ci-venv)";
    assert!(std::env::var_os("CI").is_none(), "{why}");
    eprintln!("skipped: {why}");
    None
}

#[test]
fn boto3_completes_a_burst_that_trips_slowdown() {
    let Some(python) = python() else {
        return;
    };
    let server = TestServer::start_with(rate_limited(RateLimit {
        requests_per_sec: 20,
        burst: 10,
        max_concurrent: 0,
    }));
    let bucket = new_bucket(&server, "boto");
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/clients/boto3_slowdown.py");
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();
    let mut child = Command::new(python)
        .arg(script)
        .arg(server.endpoint())
        .arg(&bucket)
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Bounded: the burst takes seconds.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("the boto3 script ran over two minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(status.success(), "{stdout}\n{stderr}");
    // The script counts the retries botocore made (RetryAttempts).
    let retries: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("retries "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no retry count: {stdout}"));
    assert!(retries > 0, "{stdout}");
    assert!(server_slowdowns(&server) > 0);
    eprintln!(
        "boto3 burst: {retries} retries, {} SlowDown answers",
        server_slowdowns(&server)
    );
    report("boto3_burst");
}
