#!/usr/bin/env bash
# Set everything up and run the main job: index seeds/ and answer a sample question.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
bash scripts/setup.sh
rag build
rag search "霞山区2025年主动公开了多少条政府信息?" -k 3
