"""The bundled real price files, by name (``sample:msft`` wherever a path is read)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from weightfit.errors import ConfigError

SAMPLES = {"msft": "msft.csv.gz"}


def sample_path(name: str = "msft") -> Path:
    """The path of a bundled sample file: ``"msft"``, daily Microsoft 1986-2017 (pmdarima, MIT).

    >>> sample_path("msft").name
    'msft.csv.gz'
    """
    if name not in SAMPLES:
        raise ConfigError(f"Unknown sample {name!r}: expected one of {', '.join(SAMPLES)}")
    return Path(str(resources.files("weightfit.data") / "samples" / SAMPLES[name]))
