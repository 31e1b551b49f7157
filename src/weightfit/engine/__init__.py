"""Many series at once: batched closed-form fits, and the Dask backend."""
