#!/usr/bin/env bash
# Compares the positioned-text sources for PDFs on a folder of PDFs (default:
# the development corpus) through attest's layout code: poppler's
# `pdftotext -bbox`, pdf-extract's glyphs, pdf_oxide's words and PDFium's
# characters (the library from the pypdfium2 wheel, fetched by setup.sh).
# Prints a Markdown table per file and a summary; the README quotes it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/setup.sh >/dev/null
export ATTEST_PDFIUM_LIB=${ATTEST_PDFIUM_LIB:-$ROOT/models/pdfium/libpdfium.so}
cargo run -q --release -p attest-engine --features compare-pdf-layers --example pdf_layers -- "${@:-../shared/corpus}"
