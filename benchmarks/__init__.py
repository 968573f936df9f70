"""cardgen's speed benchmarks: `make bench` runs them all (see benchmarks/README.md)."""
