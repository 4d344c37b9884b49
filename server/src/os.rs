//! Process-wide settings made once at start-up, before any thread exists.
//!
//! Every socket is an open file, and how malloc keeps its arenas decides
//! both the memory of an idle server and how fast the delivery writer runs
//! (BENCHMARKS.md has the measurements).

/// Raises the soft open-file limit to the hard limit (as Go's runtime
/// does): a server holding thousands of sockets should not stop at the
/// conventional soft limit of 1,024 when the machine allows more.
fn raise_open_file_limit() {
    match rlimit::Resource::NOFILE.get() {
        Ok((soft, hard)) if soft < hard => {
            if let Err(err) = rlimit::Resource::NOFILE.set(hard, hard) {
                eprintln!("could not raise the open-file limit from {soft} to {hard}: {err}");
            }
        }
        Ok(_) => {}
        Err(err) => eprintln!("could not read the open-file limit: {err}"),
    }
}

/// Two malloc arenas instead of glibc's default of eight per core.
///
/// With an arena per thread, a socket's allocations (made on whichever
/// runtime thread accepted it) and the short-lived buffers of every HTTP
/// request interleave across arenas, and freed memory stays scattered
/// between live blocks, so idle sockets cost more. One arena is too few:
/// the delivery writer's thread frees what the runtime's threads allocated,
/// and every allocation too large for glibc's per-thread caches would wait
/// on the one arena's lock. An operator's `MALLOC_ARENA_MAX` wins (glibc's
/// tunable of the same name would not: this call comes after it).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    // glibc reads the operator's own choice from the environment.
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    // SAFETY: mallopt only changes allocator parameters; called before any
    // other thread exists.
    let ok = unsafe { libc::mallopt(libc::M_ARENA_MAX, 2) };
    if ok != 1 {
        eprintln!("could not limit malloc arenas");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}

/// Applies both; call first thing in `main`.
pub fn prepare() {
    limit_malloc_arenas();
    raise_open_file_limit();
}
