//! Group commit: many writers waiting for durability share one flush.
//!
//! Each write bumps a counter after it is done. A writer that needs its
//! writes durable takes the counter's value as its ticket and calls
//! [`GroupSync::sync`]. If no flush is running it becomes the leader: it
//! records how far the counter has got, flushes, and marks everything up to
//! there durable, waking every waiter whose ticket that covers. Writers that
//! arrive while a flush runs wait for it and, if it did not cover them, one
//! of them leads the next. Under load one fsync serves many writers.

use parking_lot::{Condvar, Mutex};

use crate::error::Result;

#[derive(Default)]
struct State {
    /// Writes completed so far.
    written: u64,
    /// Writes known durable.
    durable: u64,
    /// A flush is running.
    running: bool,
}

/// Coordinates flushes among concurrent writers.
#[derive(Default)]
pub struct GroupSync {
    state: Mutex<State>,
    done: Condvar,
}

impl GroupSync {
    /// Records that a write has completed.
    pub fn wrote(&self) {
        self.state.lock().written += 1;
    }

    /// Returns once every write recorded before this call is durable, calling
    /// `flush` (on this thread or on a concurrent caller's) as needed.
    pub fn sync(&self, flush: impl FnOnce() -> Result<()>) -> Result<()> {
        let mut st = self.state.lock();
        let ticket = st.written;
        loop {
            if st.durable >= ticket {
                return Ok(());
            }
            if !st.running {
                st.running = true;
                let target = st.written;
                drop(st);
                let result = flush();
                st = self.state.lock();
                st.running = false;
                if result.is_ok() {
                    st.durable = st.durable.max(target);
                }
                self.done.notify_all();
                return result;
            }
            self.done.wait(&mut st);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn concurrent_writers_share_flushes() {
        let gs = Arc::new(GroupSync::default());
        let flushes = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (gs, flushes) = (gs.clone(), flushes.clone());
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        gs.wrote();
                        gs.sync(|| {
                            flushes.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_micros(200));
                            Ok(())
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let n = flushes.load(Ordering::SeqCst);
        // Each flush covers at least one write; none is lost or run twice.
        assert!((1..=1600).contains(&n), "{n}");
        let st = gs.state.lock();
        assert_eq!(st.durable, st.written);
    }

    #[test]
    fn nothing_written_needs_no_flush() {
        let gs = GroupSync::default();
        gs.sync(|| panic!("no flush expected")).unwrap();
    }

    #[test]
    fn failed_flush_is_reported_and_retried() {
        let gs = GroupSync::default();
        gs.wrote();
        assert!(
            gs.sync(|| Err(crate::Error::Io(std::io::Error::other("disk"))))
                .is_err()
        );
        let mut called = false;
        gs.sync(|| {
            called = true;
            Ok(())
        })
        .unwrap();
        assert!(called);
    }
}
