"""Benchmarks of IDO Platform on PostgreSQL at national scale: `make bench` (see docs/performance.md).

Performance is measured here, never by timed assertions in tests. `python -m bench` generates the data (once)
and writes the figures, all measured in one run, to docs/performance.md.
"""
