//! One module per scenario.

pub mod connect_flow;
pub mod drain;
pub mod fanout;
pub mod floor;
pub mod idle;
pub mod ingest;
pub mod ingest_pooled;
pub mod mixed;
pub mod refusals;
pub mod resume;
pub mod sustained;

/// CPU seconds the server process `pid` has used (user + system).
pub fn cpu_secs(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    Ok(ticks as f64 / 100.0)
}
