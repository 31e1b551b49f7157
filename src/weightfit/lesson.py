"""The tutorial's next step, done honestly: the LSTM price forecast as it is usually published,
and the same model scored fairly.

(a) The published pipeline: a ``MinMaxScaler`` fitted on the whole series, windows of scaled
prices, a small LSTM trained on MSE in scaled units, a 95/5 split, and an actual-vs-predicted
plot that looks perfect. (b) The same model with the scaler fitted on the training part only,
scored in dollars on the same test window against naive and every baseline, with the
Diebold-Mariano test and the verdict (``weightfit.fit``). Then the look-ahead audit on both:
(a) reads the future through its scaler, (b) does not. Both track the last price: the
"perfect" curve is the naive forecast, one day late.

The network (one LSTM layer of 16 units and a linear head, float32, Adam, batches of 32) is
seeded and trained on one thread with deterministic algorithms, so every run prints the same
numbers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from weightfit.data.panel import Panel
from weightfit.errors import ConfigError
from weightfit.evaluate.audit import as_forecaster, audit
from weightfit.evaluate.cv import Fitted
from weightfit.evaluate.fit import fit
from weightfit.models import RandomWalk

TEST = 0.05  # the published 95/5 split


@contextlib.contextmanager
def _reproducible(seed: int) -> Iterator[None]:
    """Seeded, one thread, deterministic kernels; the caller's settings restored after."""
    threads, strict = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.set_num_threads(1)
        torch.use_deterministic_algorithms(True)
        try:
            yield
        finally:
            torch.set_num_threads(threads)
            torch.use_deterministic_algorithms(strict)


class _Net(nn.Module):
    """One LSTM layer and a linear head on the last hidden state: the published model."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, W) scaled prices -> (N,)
        out, _ = self.lstm(x[..., None])
        return self.head(out[:, -1])[:, 0]


class ScaledLSTM(Fitted):
    """The published pipeline as a forecaster ``fit`` can score: min-max scaling, windows of
    ``window`` scaled prices, an LSTM of ``hidden`` units trained ``epochs`` epochs on MSE in
    scaled units. ``scaler="whole"`` fits the scaler on the whole series (the published way);
    ``"train"`` on the prices up to the cutoff only."""

    def __init__(
        self,
        scaler: str = "whole",
        window: int = 10,
        hidden: int = 16,
        epochs: int = 30,
        batch_size: int = 32,
        lr: float = 0.01,
        seed: int = 0,
    ) -> None:
        if scaler not in ("whole", "train"):
            raise ConfigError(f"Invalid scaler: {scaler!r} (expected 'whole' or 'train')")
        self.model = RandomWalk()  # no weights for the searches: the network trains itself
        self.scaler, self.window, self.hidden, self.epochs = scaler, window, hidden, epochs
        self.batch_size, self.lr, self.seed = batch_size, lr, seed
        self.name = f"LSTM, scaler on the {'whole series' if scaler == 'whole' else 'train part'}"
        self.needs = window + 2
        self.closed_form = False
        self.search, self.loss, self.max_evaluations = "adam", "mse", None
        self._fitted: list[tuple[_Net, float, float]] = []  # per series: net, low, high

    def fit(self, panel: Panel, stop: np.ndarray, keep: np.ndarray | None = None) -> torch.Tensor:
        """Per series: the scaler, then the network on the windows whose targets are before
        ``stop`` (local index). ``keep`` is not used: the pipeline trains on every window, as
        it is published."""
        from sklearn.preprocessing import MinMaxScaler

        self._fitted = []
        with _reproducible(self.seed):
            for s in range(panel.n_series):
                values = panel.values[panel.offsets[s] : panel.offsets[s + 1]]
                seen = values if self.scaler == "whole" else values[: stop[s]]
                scaler = MinMaxScaler().fit(seen[:, None])
                low, high = float(scaler.data_min_[0]), float(scaler.data_max_[0])
                scaled = torch.tensor((values[: stop[s]] - low) / (high - low), dtype=torch.float32)
                x = scaled.unfold(0, self.window, 1)[:-1]  # (N, W) windows, oldest first
                y = scaled[self.window :]  # (N,) the next scaled price
                self._fitted.append((self._train(x, y), low, high))
        return torch.zeros(panel.n_series, 0, dtype=torch.float64)  # the nets hold the weights

    def _train(self, x: torch.Tensor, y: torch.Tensor) -> _Net:
        net = _Net(self.hidden)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr)
        for _ in range(self.epochs):
            for batch in torch.randperm(len(y)).split(self.batch_size):
                opt.zero_grad()
                nn.functional.mse_loss(net(x[batch]), y[batch]).backward()
                opt.step()
        return net

    def forecast(
        self,
        panel: Panel,
        series: np.ndarray,
        cutoff: np.ndarray,
        h: int,
        weights: torch.Tensor,
    ) -> np.ndarray:
        """(W, h) in dollars: each window scaled, predicted, scaled back; recursive for h > 1."""
        end = panel.offsets[series] + cutoff  # (W,)
        x = panel.values[end[:, None] + np.arange(-self.window + 1, 1)[None, :]]  # (W, window)
        low = np.array([self._fitted[s][1] for s in series])[:, None]
        span = np.array([self._fitted[s][2] for s in series])[:, None] - low
        z = torch.tensor((x - low) / span, dtype=torch.float32)
        out = np.empty((len(series), h))
        with torch.no_grad():
            for step in range(h):
                pred = torch.empty(len(series))
                for s in np.unique(series):
                    rows = torch.as_tensor(np.flatnonzero(series == s))
                    pred[rows] = self._fitted[s][0](z[rows])
                out[:, step] = pred.double().numpy() * span[:, 0] + low[:, 0]
                z = torch.cat([z[:, 1:], pred[:, None]], 1)
        return out


@dataclass(frozen=True)
class LessonResult:
    """Every number the lesson shows. ``forecasts`` (the test window) feeds the plots."""

    data: dict[str, Any]  # rows, dates, train and test sizes
    settings: dict[str, Any]  # the network and its training
    published: dict[str, Any]  # what (a) reports: MSE in scaled units, R^2, the same for naive
    scores: dict[str, dict[str, Any]]  # per model, in dollars: mse, rmse, skill, p value, verdict
    verdict: str
    warnings: list[str]
    audit: dict[str, dict[str, Any]]  # per pipeline: leak, outcome, message, largest move
    closing: list[dict[str, str]]  # per pipeline: what it claimed, what is true
    forecasts: pd.DataFrame = field(repr=False)  # ds, y, Naive, (a), (b) over the test window
    seconds: float = field(default=0.0, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The numbers as plain data (what ``weightfit lesson --json`` prints); no timing."""
        keys = ("data", "settings", "published", "scores", "verdict", "warnings", "audit")
        return {**{k: getattr(self, k) for k in keys}, "closing": self.closing}


def lesson(
    rows: int = 1000,
    epochs: int = 30,
    hidden: int = 16,
    window: int = 10,
    seed: int = 0,
    audit_cutoffs: int = 1,
    callback: Callable[[str], None] | None = None,
) -> LessonResult:
    """Run the lesson on the last ``rows`` days of the bundled MSFT sample.

    ``epochs``, ``hidden`` and ``window`` size the LSTM (one layer); ``seed`` fixes every
    random draw; ``audit_cutoffs`` is how many cutoffs in the test window the audit tries.
    ``callback`` gets a line at each stage.
    """
    import time

    from weightfit.data import sample

    began = time.perf_counter()
    say = callback or (lambda _: None)
    if int(rows) != rows or rows < 10 * window:
        raise ConfigError(f"Invalid rows: {rows!r} (at least {10 * window} for window {window})")
    prices = sample("msft").tail(int(rows)).reset_index(drop=True)
    settings = {
        "window": window,
        "hidden": hidden,
        "layers": 1,
        "epochs": epochs,
        "batch_size": 32,
        "lr": 0.01,
        "optimizer": "adam",
        "seed": seed,
        "dtype": "float32",
    }
    a = ScaledLSTM("whole", window, hidden, epochs, seed=seed)
    b = ScaledLSTM("train", window, hidden, epochs, seed=seed)
    say("training (a) and (b) on the first 95%, forecasting the last 5%")
    report = fit(prices, [a, b], test=TEST, callback=say)
    entry = report.series[0]
    frame = report.forecasts
    y = frame["y"].to_numpy()

    # (a)'s own claim: errors in scaled units, the scaler fitted on the whole series
    low, high = float(prices.y.min()), float(prices.y.max())
    scaled_mse = {
        n: float(np.mean(((frame[n] - y) / (high - low)) ** 2)) for n in (a.name, "Naive")
    }
    r2 = {
        n: float(1 - np.sum((y - frame[n]) ** 2) / np.sum((y - y.mean()) ** 2))
        for n in (a.name, "Naive")
    }
    published = {
        "scaled_mse": scaled_mse[a.name],
        "scaled_rmse": float(np.sqrt(scaled_mse[a.name])),
        "r2": r2[a.name],
        "naive_scaled_mse": scaled_mse["Naive"],
        "naive_r2": r2["Naive"],
        "scaler_min": low,
        "scaler_max": high,
    }
    moves = report.scores.set_index("model")["move_ratio"]
    scores = {}
    for name, m in entry["models"].items():
        scores[name] = {
            k: m.get(k) for k in ("mse", "rmse", "mae", "skill", "p_value", "status", "verdict")
        }
        scores[name]["move_ratio"] = float(moves[name])  # predicted moves / real moves (RMS)
    # whom does (a) follow? its distance to yesterday's price and to today's
    yesterday = frame["Naive"].to_numpy()
    published["mae_to_yesterday"] = float(np.mean(np.abs(frame[a.name] - yesterday)))
    published["mae_to_today"] = float(np.mean(np.abs(frame[a.name] - y)))
    audits = {}
    for label, pipeline in (("a", a), ("b", b)):
        say(f"auditing ({label}): {pipeline.name}")
        result = audit(
            as_forecaster(pipeline),
            prices,
            cutoffs=_test_cutoffs(frame, audit_cutoffs),
            h=1,
            seed=seed,
            callback=say,
        )
        audits[label] = {
            "pipeline": pipeline.name,
            "leak": result.leak,
            "outcome": result.outcome,
            "largest_move": float(result.checks.max_change.max()),
            "moved_by": sorted(set(result.checks[result.checks.moved].alteration)),
            "message": result.message,
        }
    sa, sb, naive = scores[a.name], scores[b.name], scores["Naive"]
    closing = [
        {
            "pipeline": f"(a) {a.name}",
            "claimed": f"test MSE {published['scaled_mse']:.2e} (scaled), R^2 {r2[a.name]:.3f}: "
            "a near-perfect fit",
            "true": f"RMSE {sa['rmse']:.3f} USD vs naive's {naive['rmse']:.3f}; "
            f"{sa['verdict']}; reads the future"
            + (" (audit: leak)" if audits["a"]["leak"] else ""),
        },
        {
            "pipeline": f"(b) {b.name}",
            "claimed": "the same curve, the same near-perfect look",
            "true": f"RMSE {sb['rmse']:.3f} USD; {sb['verdict']}; "
            + ("no look-ahead (audit: clean)" if not audits["b"]["leak"] else "audit: leak"),
        },
        {
            "pipeline": "naive (tomorrow = today)",
            "claimed": "nothing",
            "true": f"RMSE {naive['rmse']:.3f} USD, scaled MSE {scaled_mse['Naive']:.2e}, "
            f"R^2 {r2['Naive']:.3f}: the same 'perfect' curve",
        },
    ]
    n_test = len(frame)
    data = {
        "ticker": str(prices.unique_id.iloc[0]),
        "rows": len(prices),
        "start": str(prices.ds.iloc[0].date()),
        "end": str(prices.ds.iloc[-1].date()),
        "train_rows": len(prices) - n_test,
        "test_rows": n_test,
        "test_start": str(frame.ds.iloc[0].date()),
    }
    shown = frame[["ds", "y", "Naive", a.name, b.name]].rename(columns={a.name: "a", b.name: "b"})
    return LessonResult(
        data=data,
        settings=settings,
        published=published,
        scores=scores,
        verdict=entry["verdict"],
        warnings=list(entry["warnings"]),
        audit=audits,
        closing=closing,
        forecasts=shown.reset_index(drop=True),
        seconds=time.perf_counter() - began,
    )


def _test_cutoffs(frame: pd.DataFrame, n: int) -> list[pd.Timestamp]:
    """``n`` cutoffs spread over the test window (each leaves a row to forecast)."""
    cutoffs = frame["cutoff"].to_numpy()
    at = np.unique(np.round(np.linspace(0, len(cutoffs) - 1, n)).astype(int))
    return [pd.Timestamp(cutoffs[i]) for i in at]
