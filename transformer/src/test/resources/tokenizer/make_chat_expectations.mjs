// Regenerates chat_expected.json: the text the Hugging Face Jinja chat templates (chat_fixture.mjs) render for
// CONVERSATION, with and without the generation prompt (conversation minus its last assistant turn), by the Jinja
// engine of @lenml/tokenizers (transformers.js port); and the token ids of that text under each released
// tokenizer that fetch_npm_tokenizers.sh put in DIR (llama2 → llama2, llama3 → llama3, chatml → qwen3 and the
// committed qwen3_subset).
// Usage: node make_chat_expectations.mjs [DIR]
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { CONVERSATION, TEMPLATES, render } from "./chat_fixture.mjs";

const dir = process.argv[2] ?? process.env.HONE_TOKENIZERS_DIR ?? "/tmp/hone-tokenizers";
const require = createRequire(path.join(dir, "npm", "package.json"));
const { TokenizerLoader } = require("@lenml/tokenizers");
const here = path.dirname(new URL(import.meta.url).pathname);
const MODEL = { llama2: "llama2", llama3: "llama3", chatml: "qwen3" };
const BOS_EOS = { llama2: ["<s>", "</s>"], llama3: ["<|begin_of_text|>", "<|end_of_text|>"], chatml: ["", ""] };

function load(folder) {
  const read = (f) => JSON.parse(fs.readFileSync(path.join(folder, f), "utf8"));
  return TokenizerLoader.fromPreTrained({ tokenizerJSON: read("tokenizer.json"), tokenizerConfig: read("tokenizer_config.json") });
}

const prompt = CONVERSATION.slice(0, -1);
const result = { conversation: CONVERSATION, templates: {} };
for (const name of Object.keys(TEMPLATES)) {
  const folder = path.join(dir, MODEL[name]);
  const [bos, eos] = BOS_EOS[name];
  // text rendering needs only bos/eos strings: use a tokenizer whose config names them
  const tokenizer = fs.existsSync(folder) ? load(folder) : null;
  if (!tokenizer) { console.error(`skip ${name}: no ${folder}`); continue; }
  tokenizer.bos_token = bos || tokenizer.bos_token;
  tokenizer.eos_token = eos || tokenizer.eos_token;
  const entry = {
    template: TEMPLATES[name], bos_token: bos, eos_token: eos,
    text: render(tokenizer, name, CONVERSATION, { tokenize: false, addGenerationPrompt: false }),
    prompt_text: render(tokenizer, name, prompt, { tokenize: false, addGenerationPrompt: true }),
    ids: { [MODEL[name]]: render(tokenizer, name, CONVERSATION, { tokenize: true, addGenerationPrompt: false }) },
    prompt_ids: { [MODEL[name]]: render(tokenizer, name, prompt, { tokenize: true, addGenerationPrompt: true }) },
  };
  if (name === "chatml") {
    const subset = load(path.join(here, "qwen3_subset"));
    entry.ids.qwen3_subset = render(subset, name, CONVERSATION, { tokenize: true, addGenerationPrompt: false });
    entry.prompt_ids.qwen3_subset = render(subset, name, prompt, { tokenize: true, addGenerationPrompt: true });
  }
  result.templates[name] = entry;
  console.log(name, JSON.stringify(entry.text));
}
fs.writeFileSync(path.join(here, "chat_expected.json"), JSON.stringify(result, null, 1) + "\n");
