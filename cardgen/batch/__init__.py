"""Batches: the plan, the run (cache keys, workers, journal, lock) and the output folder."""
