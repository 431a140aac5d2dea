"""The few statistics the benchmarks report."""

import statistics


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def ratio(baseline: float, measured: float) -> float:
    """How many times faster `measured` is than `baseline`."""
    return baseline / measured if measured else float("inf")


def times(factor: float) -> str:
    """A speed-up as text: one decimal below 10x, whole numbers above."""
    return f"{factor:.1f}x" if factor < 10 else f"{factor:.0f}x"
