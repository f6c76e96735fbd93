"""The benchmark model of benches/risk.toml, vectorised with numpy, for
comparison with `plan simulate benches/risk.toml` (see README, "Risk").

Computes the same statistics: mean, sd, min, P1..P99, max of profit, units
sold, revenue and break-even units; the probability of a loss; the expected
profit in the worst 5%; and rank correlations of each input with profit on
the first 131,072 samples. Usage: python3 benches/risk_numpy.py [SAMPLES]
"""

import sys

import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
rng = np.random.default_rng(20260101)

price = rng.normal(100.0, 5.0, n)
unit_cost = rng.triangular(40.0, 50.0, 65.0, n)
fixed_cost = rng.uniform(45_000.0, 55_000.0, n)
demand = rng.lognormal(np.log(10_000.0), 0.2, n)
uplift = 0.2 + 0.6 * rng.beta(3.0, 3.0, n)  # PERT(0.2, 0.5, 0.8)
spend = 20_000.0

units = demand * (1.0 + uplift)
revenue = price * units
contribution = price - unit_cost
profit = contribution * units - fixed_cost - spend
with np.errstate(divide="ignore", invalid="ignore"):
    break_even = np.where(contribution > 0, (fixed_cost + spend) / contribution, np.nan)

qs = [1, 5, 10, 25, 50, 75, 90, 95, 99]
for name, v in [("profit", profit), ("units_sold", units), ("revenue", revenue), ("break_even_units", break_even)]:
    v = v[~np.isnan(v)]
    p = np.percentile(v, qs)
    print(name, v.mean(), v.std(ddof=1), v.min(), *p, v.max())

print("probability_of_loss", np.mean(profit < 0))
worst = -(-n // 20)
print("expected_profit_worst_5", np.partition(profit, worst - 1)[:worst].mean())

m = min(n, 131_072)
def ranks(x):
    r = np.empty(len(x))
    r[np.argsort(x)] = np.arange(len(x))
    return r
rp = ranks(profit[:m])
for name, v in [("price", price), ("unit_variable_cost", unit_cost), ("fixed_cost", fixed_cost), ("demand", demand), ("marketing.uplift", uplift)]:
    print(name, np.corrcoef(ranks(v[:m]), rp)[0, 1])
