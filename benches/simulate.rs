//! `plan simulate` on the benchmark model of `benches/risk.toml`.
//!
//! Run with `cargo bench --bench simulate`. Whole-process figures (hyperfine
//! against `benches/risk_numpy.py`) are in the README, "Risk: plan simulate".

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use plan::ScenarioFile;
use plan::simulate::{Settings, simulate};

fn risk(c: &mut Criterion) {
    let text = include_str!("risk.toml");
    let file = ScenarioFile::parse(text, "benches/risk.toml").unwrap();
    let scenario = file.base().unwrap();
    let uncertainty = file.uncertainty(None).unwrap().unwrap();
    let mut group = c.benchmark_group("simulate");
    group.measurement_time(Duration::from_secs(3)).sample_size(10);
    for samples in [100_000u64, 1_000_000] {
        group.throughput(Throughput::Elements(samples));
        group.bench_with_input(BenchmarkId::new("risk.toml", samples), &samples, |b, &samples| {
            b.iter(|| {
                simulate::<()>(
                    &scenario,
                    &uncertainty,
                    Settings { samples, seed: 1 },
                    &mut |_, _| {},
                    None,
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, risk);
criterion_main!(benches);
