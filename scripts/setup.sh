#!/usr/bin/env bash
# Install the project and everything its tests need on a fresh machine (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1
# torch first, pinned: this version is a CPU wheel already on this kind of machine;
# any other spec pulls several GB of CUDA packages through sentence-transformers.
python -m pip install -q "torch==2.13.0"
python -m pip install -q -e ".[st,ui,dev,places,mcp,langchain,llamaindex,oceanbase,seekdb]"
# Debian packages: chromium + CJK font for the browser tests; antiword (.doc/.wps), tesseract with its
# Simplified Chinese model and poppler's pdftoppm (scanned PDFs) for ingestion
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || need+=(fonts-wqy-microhei)
command -v antiword >/dev/null 2>&1 || need+=(antiword)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v gcc >/dev/null 2>&1 || need+=(gcc)  # the tests' seekdb server is bound to 127.0.0.1 by a small shim
if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx chi_sim; then
  need+=(tesseract-ocr tesseract-ocr-chi-sim)
fi
if [ "${#need[@]}" -gt 0 ] && [ "$(id -u)" = "0" ]; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
