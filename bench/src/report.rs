//! What a scenario measured: a table for people, one JSON line for tools.

use serde_json::{Map, Value};
use std::time::Duration;

/// Latency percentiles of a set of samples.
pub struct Percentiles {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

/// Milliseconds, p50/p99/max; `None` without samples.
pub fn percentiles(samples: &mut [Duration]) -> Option<Percentiles> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    Some(Percentiles { p50: at(0.50), p99: at(0.99), max: at(1.0) })
}

pub struct Report {
    scenario: &'static str,
    fields: Vec<(String, Value)>,
}

impl Report {
    pub fn new(scenario: &'static str) -> Self {
        Self { scenario, fields: Vec::new() }
    }

    pub fn add(&mut self, name: &str, value: impl Into<Value>) -> &mut Self {
        self.fields.push((name.to_owned(), value.into()));
        self
    }

    /// Adds `name_p50_ms`, `name_p99_ms` and `name_max_ms`.
    pub fn latency(&mut self, name: &str, samples: &mut [Duration]) -> &mut Self {
        if let Some(p) = percentiles(samples) {
            let round = |v: f64| (v * 1000.0).round() / 1000.0;
            self.add(&format!("{name}_p50_ms"), round(p.p50));
            self.add(&format!("{name}_p99_ms"), round(p.p99));
            self.add(&format!("{name}_max_ms"), round(p.max));
        }
        self
    }

    pub fn print(&self) {
        println!("== {}", self.scenario);
        let width = self.fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, v) in &self.fields {
            println!("  {k:<width$}  {v}");
        }
        let mut json = Map::new();
        json.insert("scenario".into(), Value::from(self.scenario));
        for (k, v) in &self.fields {
            json.insert(k.clone(), v.clone());
        }
        println!("{}", Value::Object(json));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_hundred() {
        let mut samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let p = percentiles(&mut samples).unwrap();
        assert_eq!((p.p50.round(), p.p99.round(), p.max.round()), (51.0, 99.0, 100.0));
        assert!(percentiles(&mut []).is_none());
    }
}
