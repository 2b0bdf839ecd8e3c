//! The file-descriptor budget: at start the soft `nofile` limit is raised to the hard limit,
//! and the public listener's connection budget is derived from what that leaves, so reshelf
//! refuses connections cleanly before the kernel refuses it sockets (an origin connect that
//! fails with "Too many open files" would be a 502 blamed on a healthy origin).
//!
//! May depend on nothing else in the crate.

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

/// Descriptors kept aside from the public connections: the admin listener's connections
/// ([`ADMIN_MAX_CONNECTIONS`] and its waiting room), Fashion.AI connections, the listeners,
/// stdio, the log writer, the runtime's epoll and event descriptors, readiness probes.
pub const RESERVED_FDS: u64 = 128;

/// Connections the admin listener serves at once; past them it refuses at once. Probes and
/// Prometheus need a handful.
pub const ADMIN_MAX_CONNECTIONS: usize = 32;
/// Admin connections that may be answering their refusal at once.
pub const ADMIN_WAITING_ROOM: usize = 8;

/// The smallest connection budget derived, however few descriptors there are.
const MIN_CONNECTIONS: usize = 16;

/// What the process may open, after [`raise_nofile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdBudget {
    /// The soft `nofile` limit in force (`None`: unlimited).
    pub nofile: Option<u64>,
    /// The soft limit before it was raised, when it was.
    pub raised_from: Option<u64>,
}

/// Raises the soft `nofile` limit to the hard limit (what an unprivileged process may do) and
/// says what is in force. A failure to raise leaves the old limit, which is then the budget.
pub fn raise_nofile() -> FdBudget {
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return FdBudget {
                nofile: getrlimit(Resource::Nofile).current,
                raised_from: limit.current,
            };
        }
    }
    FdBudget {
        nofile: limit.current,
        raised_from: None,
    }
}

/// How the public listener's sockets are budgeted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionBudget {
    /// Connections served at once.
    pub max_connections: usize,
    /// Connections past `max_connections` that may wait for a slot or be answering their
    /// refusal; past these, reshelf stops accepting until one leaves (the kernel's backlog
    /// holds the rest).
    pub waiting_room: usize,
    /// The budget the descriptors leave room for, whatever the config says.
    pub derived: usize,
}

/// The waiting room for `max_connections`: a sixteenth, at least 16, at most 4096.
pub fn waiting_room(max_connections: usize) -> usize {
    (max_connections / 16).clamp(16, 4096)
}

/// The connection budget for `nofile` descriptors: each public connection may hold one origin
/// connection besides its own socket, so half of what is left after the reserve and the
/// waiting room; `configured` (from `listen.max_connections`) wins when set.
pub fn connection_budget(nofile: Option<u64>, configured: Option<usize>) -> ConnectionBudget {
    let nofile = nofile.unwrap_or(u64::MAX).min(1 << 40);
    let usable = nofile.saturating_sub(RESERVED_FDS);
    let waiting = u64::try_from(waiting_room(
        usize::try_from(usable / 2).unwrap_or(usize::MAX),
    ))
    .unwrap_or(u64::MAX);
    let derived = usize::try_from(usable.saturating_sub(waiting) / 2)
        .unwrap_or(usize::MAX)
        .max(MIN_CONNECTIONS);
    let max_connections = configured.unwrap_or(derived);
    ConnectionBudget {
        max_connections,
        waiting_room: waiting_room(max_connections),
        derived,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_budget_leaves_room_for_origin_and_reserve() {
        for nofile in [1024u64, 4096, 65_536, 1_048_576] {
            let b = connection_budget(Some(nofile), None);
            let used = 2 * b.max_connections + b.waiting_room + RESERVED_FDS as usize;
            assert!(used as u64 <= nofile, "{nofile}: {b:?} uses {used}");
            assert!(b.max_connections as u64 > nofile / 3, "{nofile}: {b:?}");
        }
        assert_eq!(connection_budget(Some(1024), None).max_connections, 434);
    }

    #[test]
    fn tiny_limits_keep_a_floor_and_config_wins() {
        assert_eq!(connection_budget(Some(64), None).max_connections, 16);
        let b = connection_budget(Some(1024), Some(50));
        assert_eq!((b.max_connections, b.waiting_room), (50, 16));
        assert_eq!(b.derived, 434);
        assert!(connection_budget(None, None).max_connections > 1_000_000);
    }
}
