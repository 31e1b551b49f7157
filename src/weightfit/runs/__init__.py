"""Experiments that last: every run recorded, listed, and compared with a test.

Layer: above ``evaluate`` (it takes a ``wf.Report``), below ``report`` (the renderers).

>>> import weightfit as wf
>>> wf.runs.record  # doctest: +ELLIPSIS
<function record at ...>
"""

from weightfit.runs.compare import Comparison, best_model, compare_forecasts, compare_runs
from weightfit.runs.fingerprint import fingerprint, git_commit
from weightfit.runs.schema import VERSION
from weightfit.runs.store import DEFAULT_PATH, ENVIRONMENT, Run, Store, record, store_path

__all__ = [
    "DEFAULT_PATH",
    "ENVIRONMENT",
    "VERSION",
    "Comparison",
    "Run",
    "Store",
    "best_model",
    "compare_forecasts",
    "compare_runs",
    "fingerprint",
    "git_commit",
    "record",
    "store_path",
]
