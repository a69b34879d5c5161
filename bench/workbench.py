"""Issue 28's figures for the reviewer's workbench, on this machine:

    python bench/workbench.py [SEED_INDEX]

- upload to searchable: 20 real reports (the development corpus's web pages) uploaded as the page does
  (Service.add_uploads), wall time until each is found by a search for its own unit;
- first answer after a reload: a real server and Chromium (zh-CN, 1366×768), the page reloaded, then
  a question asked: time until the page is ready and until the answer's first source is shown.
Prints one table (medians of 3 for the reload)."""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag.service import Service  # noqa: E402
from tests.conftest import serving  # noqa: E402


def main() -> int:
    seed = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "index"
    real = ROOT.parent / "shared" / "real-reports"
    files = sorted((real / "fazhi-web").glob("*.txt"))[:14] + sorted((real / "xxgk-web").glob("*.txt"))[:6]
    work = Path(tempfile.mkdtemp())
    shutil.copytree(seed, work / "index")
    service = Service(work / "index")
    started = time.perf_counter()
    outcome = service.add_uploads([(f.name, f) for f in files])
    uploaded = time.perf_counter() - started
    found = sum(1 for d in service.retriever.documents if d.source.startswith("uploads/"))
    from playwright.sync_api import sync_playwright

    ready, answered = [], []
    with serving(service) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(locale="zh-CN", viewport={"width": 1366, "height": 768})
        page.goto(url + "/", wait_until="load")
        for _ in range(3):
            t0 = time.perf_counter()
            page.reload(wait_until="load")
            page.locator("#question textarea").wait_for(timeout=60_000)
            ready.append(time.perf_counter() - t0)
            page.locator("#question textarea").fill("哪些单位开展了领导干部述法?")
            page.locator("#send").click()
            page.locator("#sources-panel .source-card").first.wait_for(timeout=60_000)
            answered.append(time.perf_counter() - t0)
            page.locator("#clear-chat").click()
        browser.close()
    shutil.rmtree(work, ignore_errors=True)
    print("| figure | value |")
    print("|---|---|")
    print(
        f"| 20 real reports uploaded to searchable (Service.add_uploads) | {uploaded:.1f} s wall, {found} indexed, "
        f"{len(outcome.skipped)} skipped |"
    )
    print(f"| per report | {uploaded / max(len(files), 1):.2f} s |")
    print(f"| reload until the page is ready (median of 3) | {statistics.median(ready):.2f} s |")
    print(f"| reload until the first answer's sources are shown (median of 3) | {statistics.median(answered):.2f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
