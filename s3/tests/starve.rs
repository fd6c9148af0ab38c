//! Slow clients do not starve the others: hundreds of downloads that are
//! never read and uploads that stop halfway hold no thread each, so a
//! request from another user is still answered; and the stalled uploads
//! store nothing.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use alexander_s3::auth::sigv4::UNSIGNED_PAYLOAD;
use alexander_store::{At, ListQuery};
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Downloads held open without reading.
const SLOW_GETS: usize = 600;
/// Uploads that stop after a first piece.
const STALLED_PUTS: usize = 100;
/// Size of the object the slow downloads ask for.
const BIG: usize = 4 << 20;
/// Bytes a stalled upload sends of the 10 MiB it announces.
const SENT: usize = 64 << 10;
/// How long the other user may wait: a liveness bound, not a speed target.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

/// The head of a request signed as root, with `UNSIGNED-PAYLOAD`.
fn request_head(server: &TestServer, method: &str, path: &str, extra: &[(&str, &str)]) -> String {
    signed_head(server, method, path, extra, UNSIGNED_PAYLOAD)
}

/// A connection whose receive buffer is small, so that a reply it does not
/// read backs up into the server at once rather than into the kernel.
async fn narrow_connection(server: &TestServer) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(server.addr).await.unwrap()
}

/// Reads a response's head (and whatever body bytes came with it).
async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "connection closed before the response head");
        head.extend_from_slice(&buf[..n]);
        assert!(head.len() < 64 << 10, "no end to the response head");
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Threads and resident memory of this process (server and clients).
fn threads_and_rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("Threads:"), field("VmRSS:"))
}

/// Checks there is room for both ends of every connection in this one
/// process. (Raising the limit would take `setrlimit`, which is unsafe
/// code, refused in this workspace; the soft limit is read from procfs.)
fn check_fd_limit(want: u64) {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let soft: u64 = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
        .unwrap_or(u64::MAX);
    assert!(
        soft >= want,
        "this test needs {want} file descriptors; raise the limit (ulimit -n) from {soft}"
    );
}

#[test]
fn slow_clients_do_not_starve_other_users() {
    check_fd_limit(2 * (SLOW_GETS + STALLED_PUTS) as u64 + 512);
    let server = TestServer::start();
    let bucket = new_bucket(&server, "starve");
    let big = data(BIG, 1);
    server
        .store
        .put_object(&bucket, "big", &big[..], Default::default())
        .unwrap();
    server.iam.create_user("other").unwrap();
    let (key, secret) = server.iam.create_key("other").unwrap();
    let other = server.client_as(&key.id, secret.expose_secret());

    // The peak of threads and memory, sampled while the test runs.
    let peak_threads = Arc::new(AtomicU64::new(0));
    let peak_rss = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (threads, rss, stop) = (peak_threads.clone(), peak_rss.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let (t, r) = threads_and_rss();
                threads.fetch_max(t, Ordering::SeqCst);
                rss.fetch_max(r, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let (base_threads, base_rss) = threads_and_rss();

    rt().block_on(async {
        // Downloads that take the response head and then never read.
        let mut slow = Vec::with_capacity(SLOW_GETS);
        for _ in 0..SLOW_GETS {
            let mut stream = narrow_connection(&server).await;
            let head = request_head(&server, "GET", &format!("/{bucket}/big"), &[]);
            stream.write_all(head.as_bytes()).await.unwrap();
            let reply = read_head(&mut stream).await;
            assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
            slow.push(stream);
        }
        // Uploads that announce 10 MiB and send 64 KiB.
        let mut stalled = Vec::with_capacity(STALLED_PUTS);
        for i in 0..STALLED_PUTS {
            let mut stream = TcpStream::connect(server.addr).await.unwrap();
            let len = (10 << 20).to_string();
            let head = request_head(
                &server,
                "PUT",
                &format!("/{bucket}/stalled-{i}"),
                &[
                    ("content-length", len.as_str()),
                    ("x-amz-content-sha256", UNSIGNED_PAYLOAD),
                ],
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            stream.write_all(&data(SENT, i as u64)).await.unwrap();
            stalled.push(stream);
        }

        // Another user is still served: a listing, a PUT and a GET.
        let mine = bucket_name("other");
        let answered = tokio::time::timeout(ANSWER_WITHIN, async {
            other.create_bucket().bucket(&mine).send().await.unwrap();
            let listed = other.list_objects_v2().bucket(&mine).send().await.unwrap();
            assert_eq!(listed.key_count(), Some(0));
            let small = data(10_000, 7);
            other
                .put_object()
                .bucket(&mine)
                .key("small")
                .body(body(&small))
                .send()
                .await
                .unwrap();
            assert_eq!(get_bytes(&other, &mine, "small").await, small);
            let listed = other.list_objects_v2().bucket(&mine).send().await.unwrap();
            assert_eq!(listed.key_count(), Some(1));
        })
        .await;
        assert!(
            answered.is_ok(),
            "another user's requests were not answered within {ANSWER_WITHIN:?} \
             behind {SLOW_GETS} slow downloads and {STALLED_PUTS} stalled uploads"
        );
        let (threads, rss) = threads_and_rss();
        eprintln!(
            "with {SLOW_GETS} slow downloads and {STALLED_PUTS} stalled uploads open: \
             {threads} threads (before: {base_threads}), RSS {} MiB (before: {} MiB)",
            rss / 1024,
            base_rss / 1024
        );
        drop(slow);
        drop(stalled);
    });
    stop.store(true, Ordering::SeqCst);
    sampler.join().unwrap();
    let threads = peak_threads.load(Ordering::SeqCst);
    eprintln!(
        "peak: {threads} threads, RSS {} MiB",
        peak_rss.load(Ordering::SeqCst) / 1024
    );
    // A thread per slow client would be hundreds; the blocking pool alone
    // caps at 512.
    assert!(
        threads < 200,
        "{threads} threads for {} slow clients",
        SLOW_GETS + STALLED_PUTS
    );

    // The stalled uploads committed nothing; their connections are gone,
    // and the server has given each up once it notices. Bounded wait.
    for i in 0..STALLED_PUTS {
        let key = format!("stalled-{i}");
        assert!(
            server
                .store
                .get_object(&bucket, &key, At::Current, None)
                .is_err(),
            "{key} was stored from a cut-off upload"
        );
    }
    let listed = server
        .store
        .list_objects(
            &bucket,
            &ListQuery {
                max_keys: 1000,
                ..ListQuery::default()
            },
        )
        .unwrap();
    let keys: Vec<&str> = listed.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["big"]);
    // The server still serves the big object whole.
    let got = rt().block_on(get_bytes(&server.client(), &bucket, "big"));
    assert!(got == big, "the big object read back wrong");
}
