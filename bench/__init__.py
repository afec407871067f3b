"""Benchmarks: each script prints one table comparing k3py with the ceiling below it."""
