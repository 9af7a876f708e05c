"""PyTorch + PEFT peer of TrainingStepSpeedMain on one GPU: the same randomly initialised SmolLM-135M-sized Llama
(vocab 49152, hidden 576, MLP 1536, 30 layers, 9 heads, 3 KV heads, tied embeddings), float32, LoRA r=16 alpha 32
on every linear layer (dropout 0), AdamW lr 1e-4 on the adapters, mean cross-entropy of random targets over the full
vocabulary. Each step ends with loss.item() (a synchronisation), as the Java side does. Prints the median and best
step time after two warm-up steps, tokens/s at the median, first and last loss and the peak allocated GPU memory.
Usage: python3 torch_lora_step.py BATCH SEQ STEPS [bf16]  (bf16: model and adapters in bfloat16, loss in float32)"""
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM


def main():
    batch, seq, steps = (int(a) for a in sys.argv[1:4])
    dtype = torch.bfloat16 if len(sys.argv) > 4 and sys.argv[4] == "bf16" else torch.float32
    torch.manual_seed(1)
    config = LlamaConfig(vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                         num_attention_heads=9, num_key_value_heads=3, max_position_embeddings=2048, rms_norm_eps=1e-5,
                         rope_theta=10000.0, tie_word_embeddings=True, attn_implementation="sdpa")
    model = LlamaForCausalLM(config).to("cuda", dtype)
    lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0,
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    model = get_peft_model(model, lora)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    ids = torch.randint(0, config.vocab_size, (batch, seq), device="cuda")
    targets = torch.randint(0, config.vocab_size, (batch, seq), device="cuda")
    torch.cuda.reset_peak_memory_stats()
    times, losses = [], []
    for _ in range(steps):
        t0 = time.perf_counter()
        logits = model(input_ids=ids).logits                                  # [B, T, V]
        loss = F.cross_entropy(logits.reshape(-1, config.vocab_size).float(), targets.reshape(-1))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        times.append((time.perf_counter() - t0) * 1e3)
    timed = sorted(times[2:])
    median = statistics.median(timed)
    print(f"torch {torch.__version__} smollm135m lora {str(dtype).removeprefix('torch.')} B{batch}xT{seq} on {torch.cuda.get_device_name()}: median {median:.1f} ms/step, "
          f"best {timed[0]:.1f} ms, {batch * seq / (median / 1e3):.0f} tokens/s; loss {losses[0]:.4f} -> {losses[-1]:.4f}; "
          f"peak allocated {torch.cuda.max_memory_allocated() / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
