"""Which Dask cluster: ``local[:N]`` starts one here, ``tcp://HOST:PORT`` joins a scheduler."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from weightfit.errors import ConfigError


def check_address(address: str) -> int | None:
    """Validate a ``--dask`` address before any work; the workers of ``local:N`` (None: as many
    as cores). ``ConfigError`` names the value and what is allowed."""
    if address == "local" or address.startswith("local:"):
        _, _, n = address.partition(":")
        if not n:
            return None
        if not n.isdigit() or int(n) < 1:
            raise ConfigError(f"Invalid --dask {address!r}: expected local or local:N, N >= 1")
        return int(n)
    if not address.startswith(("tcp://", "tls://")) or len(address) <= len("tcp://"):
        raise ConfigError(f"Invalid --dask {address!r}: expected local[:N] or tcp://HOST:PORT")
    return None


@contextlib.contextmanager
def connect(address: str) -> Iterator[Any]:
    """A dask.distributed Client for ``address``, closed (and a local cluster stopped) after."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("--dask needs dask.distributed: pip install 'weightfit[dask]'") from None
    workers = check_address(address)  # local:0 would wait for a worker forever
    if address == "local" or address.startswith("local:"):
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # any free port: never clashes with a running cluster
        )
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
        return
    try:
        client = Client(address, timeout="10s")
    except OSError as e:
        raise ConfigError(f"cannot reach the Dask scheduler at {address} ({e})") from None
    try:
        yield client
    finally:
        client.close()
