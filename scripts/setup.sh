#!/usr/bin/env bash
# Install the project and everything its tests need on a fresh machine (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
# torch first, pinned: this version is a CPU wheel already on this kind of machine;
# any other spec pulls several GB of CUDA packages through sentence-transformers.
python -m pip install -q "torch==2.13.0"
python -m pip install -q -e ".[st,ui,dev,places]"
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null
  fi
fi
