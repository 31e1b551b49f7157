"""Many files at once: partitions, checkpoints for resuming, and the Dask backend."""
