"""`python -m rag.cli`, as the `rag` script."""

from __future__ import annotations

import sys

from rag.cli import main

sys.exit(main())
