// The conversation and the Hugging Face Jinja chat templates the chat tests compare against (shared by
// make_chat_expectations.mjs and make_bytelevel_expectations.mjs). Template sources as published in the
// tokenizer_config.json of meta-llama/Llama-2-7b-chat-hf and meta-llama/Meta-Llama-3-8B-Instruct, and the
// generic ChatML template of the transformers chat-templating docs.
export const CONVERSATION = [
  { role: "system", content: "You are a helpful assistant." },
  { role: "user", content: "What is 2+2?" },
  { role: "assistant", content: "2+2 equals 4." },
  { role: "user", content: "And 3+3? " },
  { role: "assistant", content: " 3+3 equals 6.\n" },
];

export const TEMPLATES = {
  llama2: "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
  llama3: "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}",
  chatml: "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
};

/** Renders with the JS tokenizer's Jinja engine; tokenize=true returns ids. */
export function render(tokenizer, template, messages, { tokenize, addGenerationPrompt }) {
  const out = tokenizer.apply_chat_template(messages, {
    chat_template: TEMPLATES[template], tokenize, add_generation_prompt: addGenerationPrompt, return_tensor: false,
  });
  return tokenize ? Array.from(out, Number) : out;
}
