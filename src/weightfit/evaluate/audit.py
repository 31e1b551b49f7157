"""The look-ahead audit: does a forecaster read the future?

A forecaster is a plain function ``f(prices, cutoff, h)``: it receives the WHOLE long frame
(``unique_id, ds, y``) and a cutoff (``pd.Timestamp``), and returns a frame ``unique_id, ds,
y_hat`` with its forecasts for the ``h`` rows of each series after the cutoff. An honest one
uses only the rows at or before the cutoff, so its forecasts cannot change when the rows after
it do. The audit runs it at several cutoffs on the real prices and on copies whose future is
altered (scaled, shuffled within each series, multiplied by noise; seeded), and compares: any
forecast that moves with the future is a leak. It first runs ``f`` twice on the real prices: a
forecaster whose two runs differ must be seeded before anything can be told (``"unseeded"``).

>>> from weightfit.data import sample
>>> prices = sample("msft").tail(300)
>>> def leaky(prices, cutoff, h):  # the last price, "adjusted" by the whole series' mean
...     seen = prices[prices.ds <= cutoff]
...     future = prices[prices.ds > cutoff].head(h)  # one series
...     y_hat = seen.y.iloc[-1] * prices.y.mean() / seen.y.mean()
...     return future.assign(y_hat=y_hat)[["unique_id", "ds", "y_hat"]]
>>> audit(leaky, prices, cutoffs=2).outcome
'leak'
>>> audit(as_forecaster("scale"), prices, cutoffs=2).outcome
'clean'
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weightfit.data.panel import Panel
from weightfit.errors import ConfigError, DataError
from weightfit.evaluate.cv import Fitted, get_forecaster
from weightfit.models.windows import Windows

Forecaster = Callable[[pd.DataFrame, pd.Timestamp, int], pd.DataFrame]
ALTERATIONS = ("scale", "shuffle", "noise")
KEYS = ["cutoff", "unique_id", "ds"]


@dataclass(frozen=True)
class AuditResult:
    """What the audit found. ``outcome`` is ``"clean"``, ``"leak"`` or ``"unseeded"``."""

    outcome: str
    message: str  # the outcome in plain words
    checks: pd.DataFrame  # per (cutoff, unique_id, alteration): rows, max_change, relative, moved
    cutoffs: list[pd.Timestamp]
    h: int
    alterations: tuple[str, ...]

    @property
    def leak(self) -> bool:
        return self.outcome == "leak"

    def summary(self) -> pd.DataFrame:
        """Per cutoff and series: did any forecast move, the largest move, and under what."""
        c = self.checks
        if c.empty:
            return pd.DataFrame(columns=["cutoff", "unique_id", "moved", "max_change", "relative"])
        moved_by = c[c.moved].groupby(["cutoff", "unique_id"], sort=False)["alteration"]
        out = c.groupby(["cutoff", "unique_id"], sort=False).agg(
            moved=("moved", "any"), max_change=("max_change", "max"), relative=("relative", "max")
        )
        out["moved_by"] = moved_by.agg(", ".join).reindex(out.index).fillna("")
        return out.reset_index()

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the top-level boolean ``leak`` beside the outcome and every check."""
        checks = self.checks.assign(cutoff=self.checks.cutoff.astype(str))
        checks = checks.replace({np.inf: None})
        return {
            "leak": self.leak,
            "outcome": self.outcome,
            "message": self.message,
            "h": self.h,
            "cutoffs": [str(c) for c in self.cutoffs],
            "alterations": list(self.alterations),
            "checks": checks.to_dict("records"),
        }


def audit(
    forecaster: Forecaster | str,
    prices: pd.DataFrame,
    cutoffs: int | Sequence[Any] = 3,
    h: int = 1,
    *,
    alterations: Sequence[str] = ALTERATIONS,
    seed: int = 0,
    tol: float = 1e-9,
    callback: Callable[[str], None] | None = None,
) -> AuditResult:
    """Run ``forecaster`` at each cutoff on the real prices and on copies with another future.

    ``forecaster`` is a function or ``"module:function"`` (see ``load_forecaster``). ``cutoffs``
    is a number of cutoffs (spread over the second half of the dates, default 3) or the cutoff
    dates. ``h`` is the horizon. ``alterations`` picks among ``scale`` (the future times 2),
    ``shuffle`` (the future's rows permuted within each series) and ``noise`` (the future times
    ``exp(N(0, 0.1))``), drawn with ``seed``. A forecast moved when it differs from the real
    run's by more than ``tol`` relative to it (or appears or vanishes). ``callback`` gets a line
    per forecaster call.
    """
    f = load_forecaster(forecaster) if isinstance(forecaster, str) else forecaster
    if int(h) != h or h < 1:
        raise ConfigError(f"Invalid h: {h!r} (must be an integer >= 1)")
    unknown = [a for a in alterations if a not in ALTERATIONS]
    if unknown or not alterations:
        raise ConfigError(
            f"Unknown alteration {unknown[0] if unknown else ''!r}: expected some of "
            + ", ".join(ALTERATIONS)
        )
    panel = Panel.from_frame(prices)  # checks the layout: sorted, finite
    frame = pd.DataFrame(
        {"unique_id": prices["unique_id"].to_numpy(), "ds": panel.ds, "y": panel.values}
    )
    when = _cutoffs(panel, cutoffs, h)
    rng = np.random.default_rng(seed)
    runs: dict[str, list[pd.DataFrame]] = {name: [] for name in ("real", "rerun", *alterations)}
    total, done = len(when) * len(runs), 0
    for cutoff in when:
        future = frame["ds"].to_numpy() > np.datetime64(cutoff)
        for name in runs:
            data = frame.copy() if name in ("real", "rerun") else _alter(frame, future, name, rng)
            runs[name].append(_call(f, data, cutoff, h).assign(cutoff=cutoff))
            done += 1
            if callback is not None:
                callback(f"{name} at {cutoff.date()} ({done} of {total} calls)")
    real = pd.concat(runs.pop("real"), ignore_index=True)
    compared = {
        name: _compare(real, pd.concat(out, ignore_index=True), tol) for name, out in runs.items()
    }
    rerun = compared.pop("rerun")
    checks = pd.concat([c.assign(alteration=n) for n, c in compared.items()], ignore_index=True)
    checks = checks[
        ["cutoff", "unique_id", "alteration", "rows", "max_change", "relative", "moved"]
    ]
    if bool(rerun.moved.any()):
        outcome, message = "unseeded", _unseeded(rerun)
    elif bool(checks.moved.any()):
        outcome, message = "leak", _leaked(checks, len(real))
    else:
        outcome, message = "clean", _clean(checks, when, alterations)
    return AuditResult(outcome, message, checks, when, int(h), tuple(alterations))


def _cutoffs(panel: Panel, cutoffs: int | Sequence[Any], h: int) -> list[pd.Timestamp]:
    dates = np.unique(panel.ds)
    if isinstance(cutoffs, int | np.integer) and not isinstance(cutoffs, bool):
        if cutoffs < 1:
            raise ConfigError(f"Invalid cutoffs: {cutoffs!r} (a number >= 1, or dates)")
        usable = dates[:-h]  # at least h dates after each
        if len(usable) < 2:
            raise DataError(f"the prices hold {len(dates)} dates: too few to audit with h = {h}")
        at = np.unique(np.round(np.linspace(len(usable) // 2, len(usable) - 1, int(cutoffs))))
        return [pd.Timestamp(usable[int(i)]) for i in at]
    out = []
    for c in cutoffs:  # type: ignore[union-attr]
        try:
            out.append(pd.Timestamp(c))
        except (ValueError, TypeError):
            raise ConfigError(f"Invalid cutoff {c!r}: expected a date such as 2017-06-01") from None
    if not out:
        raise ConfigError("no cutoffs given: pass a number or some dates")
    for c in out:
        if not (dates[0] <= np.datetime64(c) < dates[-1]):
            raise ConfigError(
                f"cutoff {c} is outside the prices ({pd.Timestamp(dates[0])} to "
                f"{pd.Timestamp(dates[-1])}); it must leave rows after it"
            )
    return out


def _alter(
    frame: pd.DataFrame, future: np.ndarray, how: str, rng: np.random.Generator
) -> pd.DataFrame:
    """A copy whose rows after the cutoff (``future``) are changed; the past is untouched."""
    y = frame["y"].to_numpy().copy()
    at = np.flatnonzero(future)  # ascending: each series' future rows are contiguous
    if how == "scale":
        y[at] *= 2.0
    elif how == "shuffle":  # permute within each series: series first, then a random key
        codes = pd.factorize(frame["unique_id"].to_numpy()[at])[0]
        y[at] = y[at[np.lexsort((rng.random(len(at)), codes))]]
    else:
        y[at] *= np.exp(rng.normal(0.0, 0.1, len(at)))
    return frame.assign(y=y)


def _call(f: Forecaster, data: pd.DataFrame, cutoff: pd.Timestamp, h: int) -> pd.DataFrame:
    """Call the forecaster and check what it returned, naming what is wrong in one line."""
    try:
        out = f(data, cutoff, h)
    except (KeyboardInterrupt, ConfigError, DataError):
        raise
    except Exception as e:
        raise ConfigError(
            f"the forecaster raised {type(e).__name__} at cutoff {cutoff}: {e}"
        ) from e
    if not isinstance(out, pd.DataFrame):
        raise ConfigError(
            f"the forecaster returned {type(out).__name__}; expected a DataFrame with columns "
            "unique_id, ds, y_hat"
        )
    missing = [c for c in ("unique_id", "ds", "y_hat") if c not in out.columns]
    if missing:
        raise ConfigError(
            f"the forecaster's frame has no column {', '.join(missing)} (columns: "
            f"{', '.join(map(str, out.columns))}); expected unique_id, ds, y_hat"
        )
    if out.empty:
        raise ConfigError(f"the forecaster returned no forecasts at cutoff {cutoff}")
    out = pd.DataFrame(
        {
            "unique_id": out["unique_id"].astype(str).to_numpy(),
            "ds": pd.to_datetime(out["ds"]).to_numpy(),
        }
    ).assign(y_hat=pd.to_numeric(out["y_hat"], errors="coerce").to_numpy(dtype=float))
    early = out[out.ds <= np.datetime64(cutoff)]
    if len(early):
        raise ConfigError(
            f"the forecaster returned a forecast for {early.unique_id.iloc[0]} at "
            f"{early.ds.iloc[0]}, at or before the cutoff {cutoff}: forecasts are for the rows "
            "after it"
        )
    if out.duplicated(["unique_id", "ds"]).any():
        raise ConfigError(
            f"the forecaster returned two forecasts for one series and date at {cutoff}"
        )
    return out


def _compare(real: pd.DataFrame, other: pd.DataFrame, tol: float) -> pd.DataFrame:
    """Per (cutoff, series): rows compared, the largest change and whether any moved."""
    both = real.merge(other, on=KEYS, how="outer", suffixes=("", "_other"))
    a, b = both["y_hat"].to_numpy(), both["y_hat_other"].to_numpy()
    change = np.abs(a - b)
    same_nan = np.isnan(a) & np.isnan(b)
    lost = np.isnan(a) != np.isnan(b)  # a forecast that appeared, vanished or became NaN
    change = np.where(same_nan, 0.0, np.where(lost, np.inf, change))
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(change == 0, 0.0, change / np.abs(a))
    both = both.assign(
        change=change,
        relative=np.nan_to_num(relative, nan=np.inf),
        moved=change > tol * np.abs(np.nan_to_num(a)),
    )
    out = both.groupby(["cutoff", "unique_id"], sort=False).agg(
        rows=("ds", "size"),
        max_change=("change", "max"),
        relative=("relative", "max"),
        moved=("moved", "any"),
    )
    return out.reset_index()


def _largest(checks: pd.DataFrame) -> pd.Series:
    return checks.loc[checks.max_change.idxmax()]


def _unseeded(rerun: pd.DataFrame) -> str:
    top = _largest(rerun)
    return (
        "not reproducible: two runs on the same, unaltered prices gave different forecasts "
        f"(by up to {top.max_change:.4g} for {top.unique_id} at cutoff {top.cutoff.date()}). "
        "Seed its randomness (torch.manual_seed, np.random.default_rng(seed), random_state=...) "
        "and audit again: a leak can only be told from chance once every run repeats exactly."
    )


def _leaked(checks: pd.DataFrame, rows: int) -> str:
    moved = checks[checks.moved]
    pairs = moved.groupby(["cutoff", "unique_id"]).ngroups
    total = checks.groupby(["cutoff", "unique_id"]).ngroups
    top = _largest(moved)
    how = ", ".join(sorted(set(moved.alteration)))
    size = (
        "its forecast appeared or vanished"
        if np.isinf(top.max_change)
        else (f"by {top.max_change:.4g} ({top.relative:.2%})")
    )
    return (
        f"LEAK: forecasts changed when only prices after the cutoff changed ({how}), on {pairs} "
        f"of {total} (cutoff, series) checks; the largest: {top.unique_id} at cutoff "
        f"{top.cutoff.date()}, {size}, when the future was {top.alteration}. A forecast made at "
        "a cutoff cannot know what comes after it, so this forecaster reads the future: a "
        "scaler or normaliser fitted on the whole series, features computed over all rows, or "
        "a model trained past the cutoff. Its test scores are not what it would have scored."
    )


def _clean(checks: pd.DataFrame, when: list[pd.Timestamp], alterations: Sequence[str]) -> str:
    series = checks.unique_id.nunique()
    return (
        f"no leak: at {len(when)} cutoff{'s' * (len(when) > 1)} on {series} series, every "
        "forecast stayed identical when the prices after the cutoff were altered "
        f"({', '.join(alterations)}), and two runs on the real prices agreed. On these cutoffs "
        "the forecaster reads only the past."
    )


def load_forecaster(spec: str) -> Forecaster:
    """The function named by ``"module:function"``: a module importable from the current folder
    (``my_models:forecast``, ``pkg.models:forecast``) or a file (``path/to/file.py:forecast``),
    as uvicorn finds ``module:app``."""
    module_name, sep, attr = str(spec).rpartition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(
            f"Invalid forecaster {spec!r}: expected module:function, e.g. my_models:forecast "
            "or path/to/file.py:forecast"
        )
    if module_name.endswith(".py") or "/" in module_name or "\\" in module_name:
        path = Path(module_name)
        if not path.is_file():
            raise ConfigError(f"Invalid forecaster {spec!r}: no file {module_name}")
        where = importlib.util.spec_from_file_location(f"_weightfit_audit_{path.stem}", path)
        if where is None or where.loader is None:
            raise ConfigError(f"Invalid forecaster {spec!r}: cannot load {module_name} as Python")
        module = importlib.util.module_from_spec(where)
        load: Callable[[], Any] = lambda: where.loader.exec_module(module)  # type: ignore[union-attr]  # noqa: E731
    else:
        if "" not in sys.path and str(Path.cwd()) not in sys.path:
            sys.path.insert(0, str(Path.cwd()))
        module = None

        def load() -> Any:
            nonlocal module
            module = importlib.import_module(module_name)

    try:
        load()
    except ModuleNotFoundError as e:
        raise ConfigError(f"Invalid forecaster {spec!r}: cannot import it ({e})") from None
    except Exception as e:
        raise ConfigError(
            f"Invalid forecaster {spec!r}: importing it raised {type(e).__name__}: {e}"
        ) from None
    f = getattr(module, attr, None)
    if f is None:
        raise ConfigError(f"Invalid forecaster {spec!r}: {module_name} has no {attr!r}")
    if not callable(f):
        raise ConfigError(
            f"Invalid forecaster {spec!r}: {attr} is {type(f).__name__}, not a function"
        )
    return f


def _history(
    prices: pd.DataFrame, cutoff: pd.Timestamp, h: int, needs: int
) -> tuple[Panel, np.ndarray]:
    """The series with ``needs`` values up to the cutoff and ``h`` after it: their panel and the
    local index of each one's last value at the cutoff."""
    panel = Panel.from_frame(prices)
    seen = (panel.ds <= np.datetime64(cutoff)).astype(np.int64)
    n_seen = np.add.reduceat(seen, panel.offsets[:-1]) if len(seen) else seen
    ok = (n_seen >= needs) & (n_seen + h <= panel.lengths)
    if not ok.any():
        raise DataError(
            f"no series has {needs} prices up to {cutoff} and {h} after it: pick another cutoff"
        )
    rows = np.repeat(ok, panel.lengths)
    lengths = panel.lengths[ok]
    sub = Panel(panel.ids[ok], panel.ds[rows], panel.values[rows], np.r_[0, np.cumsum(lengths)])
    return sub, n_seen[ok] - 1


def _frame(panel: Panel, last: np.ndarray, h: int, y_hat: np.ndarray) -> pd.DataFrame:
    """The forecasts ``y_hat`` (S, h) as ``unique_id, ds, y_hat``, dated by their rows."""
    at = (panel.offsets[:-1] + last)[:, None] + np.arange(1, h + 1)[None, :]  # (S, h)
    return pd.DataFrame(
        {
            "unique_id": np.repeat(panel.ids, h),
            "ds": panel.ds[at.reshape(-1)],
            "y_hat": y_hat.reshape(-1),
        }
    )


def as_forecaster(
    model: Any, search: Any = "lstsq", max_evaluations: int | None = 20_000
) -> Forecaster:
    """A weightfit model (``"scale"``, ``"ar:5"``, ``"lstm:10"``, a ``Model``) as a forecaster:
    fitted on each series' pairs whose targets are at or before the cutoff, then forecasting
    ``h`` steps recursively, as ``fit``'s cross-validation does."""
    fitted = get_forecaster(model, search, max_evaluations)

    def forecast(prices: pd.DataFrame, cutoff: pd.Timestamp, h: int) -> pd.DataFrame:
        panel, last = _history(prices, cutoff, h, fitted.needs)
        series = np.arange(panel.n_series)
        if not isinstance(fitted, Fitted):  # a baseline: the history alone
            return _frame(panel, last, h, fitted.forecast(panel, series, last, h))
        weights = fitted.fit(panel, last + 1)
        return _frame(panel, last, h, fitted.forecast(panel, series, last, h, weights))

    forecast.__name__ = f"as_forecaster({fitted.name})"
    return forecast


def sklearn_forecaster(estimator: Any, window: int = 5) -> Forecaster:
    """A scikit-learn regressor or pipeline on windows of ``window`` prices as a forecaster.

    At each cutoff a fresh clone is fitted on every series' (``window`` past prices, next price)
    pairs whose targets are at or before the cutoff, pooled across series, and forecasts ``h``
    steps recursively. The estimator must be seeded (``random_state``) to pass the audit.
    """
    from sklearn.base import clone

    if int(window) != window or window < 1:
        raise ConfigError(f"Invalid window: {window!r} (must be an integer >= 1)")

    def forecast(prices: pd.DataFrame, cutoff: pd.Timestamp, h: int) -> pd.DataFrame:
        panel, last = _history(prices, cutoff, h, window + 1)
        train = Windows.from_values(panel.values, panel.offsets, window, stop=last + 1)
        model = clone(estimator).fit(train.x.numpy(), train.y.numpy())
        at = (panel.offsets[:-1] + last)[:, None] + np.arange(-window + 1, 1)[None, :]
        x = panel.values[at]  # (S, window) the last prices seen
        out = []
        for _ in range(h):
            y = np.asarray(model.predict(x), dtype=float).reshape(-1)
            out.append(y)
            x = np.c_[x[:, 1:], y]
        return _frame(panel, last, h, np.stack(out, 1))

    forecast.__name__ = f"sklearn_forecaster({type(estimator).__name__})"
    return forecast


__all__ = [
    "ALTERATIONS",
    "AuditResult",
    "Forecaster",
    "as_forecaster",
    "audit",
    "load_forecaster",
    "sklearn_forecaster",
]
