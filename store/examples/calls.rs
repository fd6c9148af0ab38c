//! Store calls one at a time, µs per call: the mount's (through a lazy
//! handle) and durable 4 KiB puts (as S3's). For comparing builds.
use std::time::Instant;

use alexander_store::{At, Config, PutOptions, Store};

fn main() {
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let dir = tempfile::tempdir_in(std::env::var("DIR").unwrap_or("/var/tmp".into())).unwrap();
    let store = Store::open(dir.path(), Config::default()).unwrap();
    store.create_bucket("bench").unwrap();
    let lazy = store.lazy();
    let time = |name: &str, f: &mut dyn FnMut(usize)| {
        let t = Instant::now();
        for i in 0..n {
            f(i);
        }
        println!(
            "{name:<14} {:>8.1} us",
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        );
    };
    time("put empty", &mut |i| {
        lazy.put_file(
            "bench",
            &format!("d/f{i:06}"),
            &b""[..],
            PutOptions::default(),
        )
        .unwrap();
    });
    time("head", &mut |i| {
        lazy.head_object("bench", &format!("d/f{i:06}"), At::Current)
            .unwrap();
    });
    time("rename", &mut |i| {
        lazy.rename_object("bench", &format!("d/f{i:06}"), &format!("e/g{i:06}"), false)
            .unwrap();
    });
    time("delete", &mut |i| {
        lazy.delete_object("bench", &format!("e/g{i:06}"), None)
            .unwrap();
    });
    let body = vec![7u8; 4096];
    let n4 = n / 5;
    let t = Instant::now();
    for i in 0..n4 {
        let mut b = body.clone();
        b[..8].copy_from_slice(&(i as u64).to_le_bytes());
        store
            .put_object("bench", &format!("p/{i:06}"), &b[..], PutOptions::default())
            .unwrap();
    }
    println!(
        "{:<14} {:>8.1} us",
        "durable 4K put",
        t.elapsed().as_secs_f64() * 1e6 / n4 as f64
    );
    let t = Instant::now();
    for i in 0..n4 {
        store
            .get_object("bench", &format!("p/{i:06}"), At::Current, None)
            .unwrap();
    }
    println!(
        "{:<14} {:>8.1} us",
        "open 4K",
        t.elapsed().as_secs_f64() * 1e6 / n4 as f64
    );
    store.settle().unwrap();
    println!(
        "{:<14} {:>8.1} MiB",
        "meta on disk",
        store.stats().unwrap().meta_bytes as f64 / 1048576.0
    );
}
