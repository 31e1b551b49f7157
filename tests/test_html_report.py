"""The one-file HTML report, checked as text and in a real browser (Chromium)."""

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import weightfit as wf
from weightfit.cli import app
from weightfit.data import sample
from weightfit.report.html import render_html

from .conftest import run_cli

EVIL = "<img src=x onerror=alert(1)>"
SECTIONS = ["read", "leaderboard", "verdict", "series", "plots"]


def prices(tmp_path, n_series, length=120):
    rng = np.random.default_rng(5)
    ids = [EVIL, *[f"T{i:04d}" for i in range(1, n_series)]]
    y = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (n_series, length)), axis=1))
    days = pd.bdate_range("2022-01-03", periods=length).strftime("%Y-%m-%d")
    path = tmp_path / "prices.csv"
    pd.DataFrame(
        {"ticker": np.repeat(ids, length), "date": np.tile(days, n_series), "close": y.ravel()}
    ).to_csv(path, index=False)
    return path


def test_fit_report_escapes_user_text_and_stays_small(tmp_path):
    csv = prices(tmp_path, 1000, 60)
    out = tmp_path / "report.html"
    done = run_cli(app, ["fit", str(csv), "--id", "ticker", "--report", str(out)])
    assert done.exit_code == 0, done.stderr
    text = out.read_text()
    assert out.stat().st_size < 2_000_000
    assert EVIL not in text
    assert "<script" not in text.lower() and "http://" not in text.split("<svg")[0]
    assert all(f"id='{s}'" in text for s in SECTIONS)
    assert text.count("<svg") == 4  # the skill histogram and three series


def test_report_of_a_recorded_run(tmp_path):
    csv = prices(tmp_path, 3)
    store = str(tmp_path / "runs.sqlite")
    assert run_cli(app, ["fit", str(csv), "--id", "ticker", "--runs", store]).exit_code == 0
    out = tmp_path / "run.html"
    done = run_cli(app, ["report", "1", "-o", str(out), "--runs", store])
    assert done.exit_code == 0, done.stderr
    text = out.read_text()
    assert "run 1" in text and "prices.csv" in text and text.count("<svg") == 3
    assert EVIL not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_render_without_a_read_record():
    frame = sample("msft")
    text = render_html(wf.fit(frame, "scale"))
    assert "MSFT" in text and all(f"id='{s}'" in text for s in SECTIONS)


def browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_in_a_real_browser(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    path = browser()
    if path is None:
        pytest.skip("no Chromium on this machine: `make browser` installs it (Debian, as root)")
    csv = prices(tmp_path, 12)
    out = tmp_path / "report.html"
    assert run_cli(app, ["fit", str(csv), "--id", "ticker", "--report", str(out)]).exit_code == 0
    errors, dialogs, requests = [], [], []
    with playwright.sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        page = chrome.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(out.as_uri())
        page.wait_for_load_state("load")
        for section in SECTIONS:
            assert page.locator(f"section#{section}").is_visible(), section
        # the evil ticker is text on the page, not an element
        assert page.locator("img").count() == 0
        assert EVIL in page.locator("section#series").inner_text()
        assert EVIL in page.locator("section#read").inner_text()
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        chrome.close()
    assert errors == [] and dialogs == []
    assert requests == [out.as_uri()]  # nothing fetched but the file itself
    from PIL import Image

    image = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert image.std() > 10  # not blank: text, tables and plots on a light page
    if os.environ.get("WEIGHTFIT_KEEP_SCREENSHOT"):
        Path(os.environ["WEIGHTFIT_KEEP_SCREENSHOT"]).write_bytes(shot.read_bytes())
