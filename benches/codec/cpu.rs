//! Time on the CPU, for criterion and for the tail pass: the thread's CPU clock
//! (`CLOCK_THREAD_CPUTIME_ID`). The bench machine is shared, and wall time there also counts
//! the time this thread waited for a core while other jobs ran; on-CPU time is what the work
//! itself costs.

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use rustix::time::{clock_gettime, ClockId};

/// Time the calling thread has spent on a CPU.
pub fn on_cpu() -> Duration {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).expect("CPU time is positive"),
        u32::try_from(t.tv_nsec).expect("nanoseconds below 1e9"),
    )
}

/// On-CPU time of the benchmarking thread, reported like wall time.
pub struct CpuTime;

/// Borrowed for its formatter: the values are durations all the same.
static WALL: WallTime = WallTime;

impl Measurement for CpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        on_cpu()
    }

    fn end(&self, started: Duration) -> Duration {
        on_cpu().saturating_sub(started)
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        WALL.formatter()
    }
}
