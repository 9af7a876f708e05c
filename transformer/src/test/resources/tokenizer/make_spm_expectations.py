#!/usr/bin/env python3
"""Regenerates spm_tok512_extra_encodings.json: token ids and pieces that the original
SentencePiece C++ tool (`spm_encode`, Debian package `sentencepiece`) assigns to extra test strings
with stories260K's tok512.model (no BOS). spm_encode reads one sentence per line, so cases hold no newline.

Usage: apt-get install -y sentencepiece
       python3 make_spm_expectations.py ../../../../../shared/models/stories260K/tok512.model > spm_tok512_extra_encodings.json
"""
import json
import subprocess
import sys

CASES = [
    "",
    " ",
    "a  b   c",
    "  leading and trailing  ",
    "tab\there",
    "Café naïve résumé",
    "Zürich costs €100 — ÆØÅ",
    "你好，世界",
    "I love 🦙 and 🎉!",
    "emoji only 😀😃😄",
    "2024-11-22 12:34:56",
    "Tom said: \"Hi, Lily!\" and ran   away.",
    "The dog's ball was red; the cat's was blue.",
    "ünïcödé ∑ x² ≤ ∞",
    "\u00a0non-breaking space",
]


def spm(model, text, fmt):
    out = subprocess.run(["spm_encode", f"--model={model}", f"--output_format={fmt}"],
                         input=(text + "\n").encode("utf-8"), capture_output=True, check=True)
    line = out.stdout.decode("utf-8").rstrip("\n")
    return line.split(" ") if line else []


def main():
    model = sys.argv[1]
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "sentencepiece"],
                             capture_output=True, text=True).stdout
    cases = [{"text": t, "ids": [int(i) for i in spm(model, t, "id")], "pieces": spm(model, t, "piece")}
             for t in CASES]
    json.dump({"tool": f"spm_encode from Debian package sentencepiece {version}, model tok512.model, no BOS",
               "cases": cases}, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
