"""Benchmarks: seeded workloads and the measurements behind `openbourse bench engine`."""
