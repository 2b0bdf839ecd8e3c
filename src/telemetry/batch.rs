//! The log's writer: lines gathered in memory and written by a background thread every
//! [`TICK`], as nginx's `access_log ... buffer= flush=` does.
//!
//! tracing-appender's non-blocking writer woke its thread for every line when traffic was
//! light: a futex wake, two context switches and a `write` per request, about 20 µs of a 1 KiB
//! passthrough request's 100 µs of CPU at moderate load, and a thread that could preempt the
//! request's own (BENCHMARKS.md, "Moderate load: the access log"). Here a line costs a lock
//! and a copy, and the thread wakes ten times a second whatever the traffic. (Waking it early
//! for every 64 KiB cost 4-6 % more CPU per request at full load.)
//!
//! Nothing is dropped while stderr takes it: past [`LIMIT`] waiting bytes a logging thread
//! waits for the writer, as before. A batch stderr refuses (closed, or a non-blocking pipe
//! that is full) is dropped: a dead stderr must not stop the proxy. Dropping the [`Guard`]
//! writes what is left, waiting at most a second for a stuck stderr, as tracing-appender did.
//!
//! May depend on nothing in the crate.

use std::io::{self, Write};
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

/// How long a line may wait before it is written.
pub const TICK: Duration = Duration::from_millis(100);

/// Waiting bytes past which a logging thread waits for the writer.
pub const LIMIT: usize = 8 * 1024 * 1024;

/// Batch capacity the writer keeps between ticks (about a tick's worth at 10,000 requests a
/// second); a larger one is freed after a burst.
const KEEP: usize = 4 * 1024 * 1024;

/// How long dropping the [`Guard`] waits for the last lines to be written.
const DRAIN: Duration = Duration::from_secs(1);

struct Shared {
    state: Mutex<State>,
    /// Signalled when a logger waits for room or the writer is to stop.
    full: Condvar,
    /// Signalled when the writer has taken the waiting bytes.
    taken: Condvar,
    limit: usize,
}

struct State {
    waiting: Vec<u8>,
    /// Loggers waiting for room: the writer does not wait for the tick while there are any.
    blocked: usize,
    stop: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-appended line: appending is the
        // last thing done under it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Where the subscriber writes: a cheap handle to the waiting bytes.
#[derive(Clone)]
pub struct Batched(Arc<Shared>);

/// Stops the writer thread when dropped, after it wrote what was waiting.
#[must_use = "dropping the guard stops the log writer"]
pub struct Guard {
    shared: Arc<Shared>,
    done: mpsc::Receiver<()>,
}

/// Starts the writer thread over `sink`.
pub fn start<W: Write + Send + 'static>(sink: W) -> io::Result<(Batched, Guard)> {
    with_limit(sink, LIMIT)
}

fn with_limit<W: Write + Send + 'static>(
    mut sink: W,
    limit: usize,
) -> io::Result<(Batched, Guard)> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            waiting: Vec::new(),
            blocked: 0,
            stop: false,
        }),
        full: Condvar::new(),
        taken: Condvar::new(),
        limit,
    });
    let (done_tx, done) = mpsc::channel();
    let writer = shared.clone();
    thread::Builder::new()
        .name("reshelf-log".into())
        .spawn(move || {
            let mut batch = Vec::new();
            loop {
                let stop = {
                    let mut state = writer.lock();
                    if state.blocked == 0 && !state.stop {
                        state = writer
                            .full
                            .wait_timeout(state, TICK)
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    }
                    std::mem::swap(&mut state.waiting, &mut batch);
                    writer.taken.notify_all();
                    state.stop
                };
                if !batch.is_empty() {
                    // Nowhere to report a failing stderr, and a closed one must not stop the
                    // proxy: the batch is dropped and the next one tried.
                    let _ = sink.write_all(&batch).and_then(|()| sink.flush());
                    batch.clear();
                    if batch.capacity() > KEEP {
                        batch = Vec::new();
                    }
                }
                if stop && writer.lock().waiting.is_empty() {
                    break;
                }
            }
            let _ = done_tx.send(());
        })?;
    Ok((Batched(shared.clone()), Guard { shared, done }))
}

impl Write for Batched {
    /// Takes all of `buf` (one formatted event), so that lines are never split.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let shared = &self.0;
        let mut state = shared.lock();
        while state.waiting.len() + buf.len() > shared.limit && !state.waiting.is_empty() {
            // Counted, not only signalled: a writer busy writing misses the signal, and the
            // count keeps it from then waiting a whole tick.
            state.blocked += 1;
            shared.full.notify_one();
            state = shared.taken.wait(state).unwrap_or_else(|e| e.into_inner());
            state.blocked -= 1;
        }
        state.waiting.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.full.notify_one();
        let _ = self.done.recv_timeout(DRAIN);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    /// A sink the test can read, and hold shut with a gate.
    #[derive(Clone, Default)]
    struct Sink {
        bytes: Arc<Mutex<Vec<u8>>>,
        gate: Arc<Mutex<()>>,
    }

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let _open = self.gate.lock().unwrap();
            self.bytes.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Sink {
        fn text(&self) -> String {
            String::from_utf8(self.bytes.lock().unwrap().clone()).unwrap()
        }
    }

    #[test]
    fn lines_from_many_threads_arrive_whole_and_all_are_written_when_the_guard_drops() {
        let sink = Sink::default();
        let (writer, guard) = start(sink.clone()).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let mut writer = writer.clone();
                thread::spawn(move || {
                    for i in 0..5000 {
                        let line = format!("thread {t} line {i} {}\n", "x".repeat(i % 97));
                        writer.write_all(line.as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(guard);
        let text = sink.text();
        let mut next = [0usize; 4];
        for line in text.lines() {
            let words: Vec<&str> = line.split(' ').collect();
            let t: usize = words[1].parse().unwrap();
            let i: usize = words[3].parse().unwrap();
            assert_eq!(i, next[t], "thread {t}'s lines out of order or lost");
            assert_eq!(words[4].len(), i % 97, "a line was cut: {line}");
            next[t] += 1;
        }
        assert_eq!(next, [5000; 4]);
    }

    #[test]
    fn a_lone_line_is_written_within_a_few_ticks() {
        let sink = Sink::default();
        let (mut writer, _guard) = start(sink.clone()).unwrap();
        let started = Instant::now();
        writer.write_all(b"alone\n").unwrap();
        while sink.text().is_empty() {
            assert!(
                started.elapsed() < TICK * 20,
                "not written in {:?}",
                TICK * 20
            );
            thread::yield_now();
        }
        assert_eq!(sink.text(), "alone\n");
    }

    #[test]
    fn a_stuck_sink_makes_loggers_wait_instead_of_dropping_lines() {
        let sink = Sink::default();
        let closed = sink.gate.lock().unwrap();
        let (writer, guard) = with_limit(sink.clone(), 1024).unwrap();
        let (wrote_tx, wrote) = mpsc::channel();
        let logger = {
            let mut writer = writer.clone();
            thread::spawn(move || {
                for i in 0..100 {
                    writer.write_all(format!("{i:063}\n").as_bytes()).unwrap();
                    wrote_tx.send(i).unwrap();
                }
            })
        };
        // With the sink stuck, the logger gets no further than the limit allows: the batch
        // the writer holds (stuck in the sink) and 1 KiB waiting.
        let mut last = 0;
        while let Ok(i) = wrote.recv_timeout(TICK * 10) {
            last = i;
        }
        assert!(last < 40, "{last} lines taken while the sink was stuck");
        drop(closed);
        logger.join().unwrap();
        drop(guard);
        assert_eq!(sink.text().lines().count(), 100);
    }
}
