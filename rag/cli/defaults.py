"""What the `rag` commands fall back to: the checkout's own files, else the samples shipped in the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DEFAULT_INDEX = Path("index")
DEFAULT_SEEDS = Path("seeds")
DEFAULT_QUESTIONS = Path("eval/questions.jsonl")
DEFAULT_THRESHOLDS = Path("eval/thresholds.toml")


def sample(checkout: Path, packaged: str) -> Path:
    """A checkout's own file (seeds/, eval/…) where it is run from one, else the copy shipped in the
    package (rag/samples/): an installed `rag` builds, asks and evaluates from any folder."""
    if checkout.exists():
        return checkout
    return Path(str(resources.files("rag") / "samples" / packaged))
