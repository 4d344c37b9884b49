//! One module per scenario.

pub mod connect_flow;
pub mod drain;
pub mod fanout;
pub mod floor;
pub mod floor_http;
pub mod idle;
pub mod ingest;
pub mod ingest_pooled;
pub mod mixed;
pub mod refusals;
pub mod resume;
pub mod sustained;

/// CPU seconds the server process `pid` has used (user + system).
pub fn cpu_secs(pid: u32) -> anyhow::Result<f64> {
    stat_cpu_secs(&std::fs::read_to_string(format!("/proc/{pid}/stat"))?)
}

/// `secs` of CPU spread over `count` items, in microseconds to a tenth.
pub fn us_each(secs: f64, count: usize) -> f64 {
    (secs * 1e6 / count.max(1) as f64 * 10.0).round() / 10.0
}

/// User + system CPU seconds in a `/proc/…/stat` line.
fn stat_cpu_secs(stat: &str) -> anyhow::Result<f64> {
    // The command name (in parentheses) may hold spaces: count from after it.
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    anyhow::ensure!(fields.len() > 12, "a short /proc stat line");
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    Ok(ticks as f64 / 100.0)
}

/// CPU seconds the threads of process `pid` named `name` have used, or
/// `None` if it has no such thread.
pub fn thread_cpu_secs(pid: u32, name: &str) -> anyhow::Result<Option<f64>> {
    let mut total = None;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let task = task?.path();
        // A thread may end between the listing and the reading.
        let Ok(comm) = std::fs::read_to_string(task.join("comm")) else { continue };
        if comm.trim_end() != name {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(task.join("stat")) else { continue };
        *total.get_or_insert(0.0) += stat_cpu_secs(&stat)?;
    }
    Ok(total)
}
