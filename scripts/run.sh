#!/usr/bin/env bash
# Set everything up and run the main job: the chat UI over seeds/ (built on first start).
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
bash scripts/setup.sh
exec rag serve "$@"
