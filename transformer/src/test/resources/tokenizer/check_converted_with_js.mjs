// Checks that a tokenizer.json written by Hone's TokenizerJsonWriter (e.g. for stories260K) encodes every
// spm_encode case exactly as the original SentencePiece tool did, using an independent Hugging Face
// implementation (@lenml/tokenizers, a transformers.js port) fetched by fetch_npm_tokenizers.sh.
// Known divergence, skipped: text that is only spaces normalizes to "" and the Rust crate's Prepend leaves ""
// alone (tokenizers normalizers/prepend.rs: `if !normalized.is_empty()`), while transformers.js prepends "▁".
// Usage: node check_converted_with_js.mjs CONVERTED_FOLDER SPM_CASES.json... [--dir DIR]
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const args = process.argv.slice(2);
const dirFlag = args.indexOf("--dir");
const dir = dirFlag >= 0 ? args.splice(dirFlag, 2)[1] : process.env.HONE_TOKENIZERS_DIR ?? "/tmp/hone-tokenizers";
const [folder, ...caseFiles] = args;
const require = createRequire(path.join(dir, "npm", "package.json"));
const { TokenizerLoader } = require("@lenml/tokenizers");
const read = (f) => JSON.parse(fs.readFileSync(path.join(folder, f), "utf8"));
const tokenizer = TokenizerLoader.fromPreTrained({ tokenizerJSON: read("tokenizer.json"), tokenizerConfig: read("tokenizer_config.json") });
let ok = 0, bad = 0;
for (const file of caseFiles) {
  for (const c of JSON.parse(fs.readFileSync(file, "utf8")).cases) {
    if (c.text.length > 0 && c.text.trim() === "") { console.log(`skip ${JSON.stringify(c.text)} (Prepend divergence)`); continue; }
    const got = Array.from(tokenizer.encode(c.text, { add_special_tokens: false }));
    if (JSON.stringify(got) === JSON.stringify(c.ids)) ok++;
    else { bad++; console.log(`MISMATCH ${JSON.stringify(c.text)}\n  spm ${JSON.stringify(c.ids)}\n  js  ${JSON.stringify(got)}`); }
  }
}
console.log(`${ok} passed, ${bad} failed`);
process.exit(bad ? 1 : 0);
