"""A baseline commit beside this tree, for benchmarks that time both in one run.

Each tree's code must run from its own folder: `python -m rag.cli` and `python -c` import rag from the
working folder before PYTHONPATH, so a baseline given only as PYTHONPATH silently runs this tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def beside(baseline: str, prefix: str) -> Iterator[tuple[Path, dict[str, Path]]]:
    """(a scratch folder, {name: code folder} for the baseline and this tree); the load average is
    printed before and after, the worktree and the scratch folder removed at the end."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    tree = work / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), baseline], cwd=ROOT, check=True)
    print(f"load average before: {os.getloadavg()}")
    try:
        yield work, {baseline: tree, "this tree": ROOT}
    finally:
        print(f"\nload average after: {os.getloadavg()}")
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
        shutil.rmtree(work, ignore_errors=True)


def env_for(code: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(code))


def run_in(code: Path, cmd: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """A command with the code of `code`: run from that folder, with it on PYTHONPATH."""
    return subprocess.run(cmd, env=env_for(code), cwd=code, capture_output=True, text=True, check=check)
