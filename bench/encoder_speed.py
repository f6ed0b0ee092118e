"""The encoder alone: tokens per second and cosine to the float vectors, per newsbot backend.

    nice python bench/encoder_speed.py ../shared/datasets/news_wikinews/corpus.jsonl --passages 100 --rounds 2

Passages are the corpus's articles cut into 150-word pieces with the title in front (about the size
of newsbot's chunks), the first `--passages` of them. Each backend encodes all of them as an index
build does (`Embedder.encode_passages`: length-sorted batches of 32, all cores), in interleaved
rounds; the best round is reported, in tokens per wall second and per CPU second. The cosine is to
the `onnx` backend's vectors (float32, torch's to 1e-4).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def passages(corpus: Path, count: int, words: int = 150) -> list[str]:
    texts: list[str] = []
    with corpus.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            tokens = row["text"].split()
            for start in range(0, len(tokens), words):
                texts.append(f"{row.get('title') or ''}\n" + " ".join(tokens[start : start + words]))
                if len(texts) == count:
                    return texts
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--passages", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--backends", default="onnx,onnx-int8,openvino-int8", help="the first is the reference of the cosines")
    args = parser.parse_args(argv)

    from newsbot.index.embed import Embedder

    texts = passages(args.corpus, args.passages)
    spans = [[(0, len(t))] for t in texts]
    backends = [b for b in args.backends.split(",") if b]
    embedders = {}
    for backend in backends:
        embedder = Embedder(backend=backend)
        started = time.perf_counter()
        embedder.prepare()
        embedders[backend] = embedder
        print(f"{backend}: loaded in {time.perf_counter() - started:.2f} s (as {embedder.backend})", file=sys.stderr)
    tokens = sum(len(e.ids) for e in embedders[backends[0]].tokenizer.encode_batch(texts))
    best: dict[str, tuple[float, float]] = {}
    vectors = {}
    for number in range(args.rounds):
        for backend in backends if number % 2 == 0 else backends[::-1]:
            wall, cpu = time.perf_counter(), time.process_time()
            vectors[backend] = embedders[backend].encode_passages(texts, spans).passages
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"round {number + 1} {backend}: {tokens / wall:,.0f} tokens/s", file=sys.stderr)
            if backend not in best or wall < best[backend][0]:
                best[backend] = (wall, cpu)
    print(f"{len(texts)} passages, {tokens:,} tokens, best of {args.rounds} interleaved rounds\n")
    print(f"| backend | tokens/s | tokens/CPU-s | vs {backends[1] if len(backends) > 1 else backends[0]} | cosine to {backends[0]}: mean | min |")
    print("|---|---|---|---|---|---|")
    base = best[backends[1] if len(backends) > 1 else backends[0]][0]
    for backend in backends:
        wall, cpu = best[backend]
        cosine = (vectors[backend] * vectors[backends[0]]).sum(1)
        print(f"| {backend} | {tokens / wall:,.0f} | {tokens / cpu:,.0f} | {base / wall:.2f}× | {cosine.mean():.4f} | {cosine.min():.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
