#!/usr/bin/env bash
# The reader's figures for docs/BENCHMARKS.md (section 9), in one run: dev halves, or (with `test`)
# the test halves, reported once. Indexes are built first with `newsbot index CORPUS --index-dir`:
#   newsbot index ../shared/datasets/news_wikinews/corpus.jsonl --index-dir .reader/idx_news
#   newsbot index ../shared/datasets/squad11_dev/corpus.jsonl --index-dir .reader/idx_squad
#   newsbot index ../shared/datasets/scifact_beir/corpus.jsonl --index-dir .reader/idx_scifact
# Usage: bash bench/reader_report.sh dev|test OUT_DIR   (NEWSBOT_READER=off: the same without the reader)
set -euo pipefail
split=${1:?dev or test}
out=${2:?output directory}
D=../shared/datasets
mkdir -p "$out"
run() {  # name, then newsbot eval arguments
  local name=$1
  shift
  newsbot eval --json "$@" > "$out/$name.json" 2> "$out/$name.log"
  echo "$name done" >&2
}
run uq --corpus $D/news_wikinews/corpus.jsonl --index-dir .reader/idx_news \
  --questions $D/user_questions/questions_$split.jsonl --unanswerable $D/user_questions/unanswerable_$split.jsonl
run cq --corpus $D/news_wikinews/corpus.jsonl --index-dir .reader/idx_news \
  --questions $D/chat_questions/questions_$split.jsonl --unanswerable $D/chat_questions/unanswerable_$split.jsonl
run news --corpus $D/news_wikinews/corpus.jsonl --index-dir .reader/idx_news \
  --questions bench/data/news_$split.jsonl --unanswerable bench/data/offcorpus_$split.jsonl
run squad --corpus $D/squad11_dev/corpus.jsonl --index-dir .reader/idx_squad --limit 1000 \
  --questions $D/squad11_dev/questions_$split.jsonl --unanswerable $D/squad11_dev/unanswerable_$split.jsonl
if [ "${SCIFACT:-1}" = 1 ]; then
  run scifact --corpus $D/scifact_beir/corpus.jsonl --index-dir .reader/idx_scifact \
    --questions $D/scifact_beir/questions_$split.jsonl --qrels $D/scifact_beir/qrels_$split.tsv
fi
python - "$out" <<'EOF'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
rows = {p.stem: json.loads(p.read_text()) for p in sorted(out.glob("*.json"))}
def pick(r, *keys):
    return " / ".join("-" if r.get(k) is None else f"{r[k]:.3f}" for k in keys)
print("| set | hit | answered | cited sentences | declined (all) | near-miss | off-topic | nDCG@10 | p50 ms |")
print("|---|---|---|---|---|---|---|---|---|")
for name, r in rows.items():
    kinds = r.get("declined_by_kind") or {}
    near = kinds.get("near-miss", kinds.get("near_miss"))
    off = kinds.get("offtopic", kinds.get("off-topic"))
    cells = [pick(r, "hit_rate"), pick(r, "answered_share"), pick(r, "mean_cited_sentences"), pick(r, "declined_share"),
             "-" if near is None else f"{near:.3f}", "-" if off is None else f"{off:.3f}", pick(r, "ndcg_at_10"), pick(r, "latency_p50_ms")]
    print(f"| {name} | " + " | ".join(cells) + " |")
# user_questions and chat_questions together, weighted by their question counts
both = [rows[n] for n in ("uq", "cq") if n in rows]
if len(both) == 2:
    import math
    def joint(key, count):
        total = sum(r[count] for r in both)
        return sum(r[key] * r[count] for r in both if r.get(key) is not None) / total
    # Kinds per split: user_questions 17 near misses + 8 off topic, chat_questions 18 + 10.
    kinds = {"uq": {"near-miss": 17, "offtopic": 8}, "cq": {"near-miss": 18, "offtopic": 10}}
    def kind(name):
        pairs = [(rows[n]["declined_by_kind"][name], kinds[n][name]) for n in ("uq", "cq")]
        return sum(a * b for a, b in pairs) / sum(b for _, b in pairs)
    print(f"uq+cq: hit {joint('hit_rate', 'questions'):.3f}, answered {joint('answered_share', 'questions'):.3f}, "
          f"near misses declined {kind('near-miss'):.3f}, off-topic declined {kind('offtopic'):.3f}")
EOF
