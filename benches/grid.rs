//! The two-way grid: 1000 x 1000 cells of profit, computed and written as CSV.
//!
//! `cargo bench --bench grid`. The whole process (`plan sensitivity ... -f csv
//! -o FILE`) is measured with hyperfine; see the README.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use plan::ScenarioFile;
use plan::sensitivity::{Axis, grid, grid_csv};
use plan::solve::Metric;

fn bench(c: &mut Criterion) {
    let text = "price = 100\nunit_variable_cost = 50\nfixed_cost = 50000\ndemand = 10000\n";
    let scenario = ScenarioFile::parse(text, "seed.toml").unwrap().base().unwrap();
    // 1001 x 1001 cells whose profits need all 17 digits (80.04 x 8000 ...).
    let rows: Axis = "price=80:120:0.04".parse().unwrap();
    let columns: Axis = "demand=8000:16000:8".parse().unwrap();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());

    let mut group = c.benchmark_group("grid_1001x1001");
    group.sample_size(10).measurement_time(Duration::from_secs(3));
    group.bench_function("values", |b| {
        b.iter(|| grid(black_box(&scenario), &rows, &columns, Metric::PROFIT).unwrap())
    });
    group.bench_function("values_then_csv", |b| {
        b.iter(|| {
            grid(black_box(&scenario), &rows, &columns, Metric::PROFIT)
                .unwrap()
                .to_csv()
        })
    });
    group.bench_function("csv_one_thread", |b| {
        b.iter(|| grid_csv(black_box(&scenario), &rows, &columns, Metric::PROFIT, 1).unwrap())
    });
    group.bench_function("csv_all_threads", |b| {
        b.iter(|| grid_csv(black_box(&scenario), &rows, &columns, Metric::PROFIT, threads).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
