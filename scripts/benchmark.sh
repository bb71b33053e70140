#!/usr/bin/env bash
# benchmark.sh BINARY CORPUS.jsonl.gz WORKDIR
# benchmark.sh BINARY - WORKDIR        (reuse WORKDIR/bench.db as it is)
#
# Measures one newsbot binary on RealTime QA 2025 with a distractor corpus
# (made by `go run ./cmd/gencorpus`), as docs/BENCHMARKS.md reports it:
#   1. eval into a fresh database: ingest rate, index open, retrieve_ms
#      (one question at a time), peak RSS of the whole run;
#   2. eval again on the filled database with --parallel 2: questions/s and
#      the RSS of a process that only serves questions;
#   3. database size; `ask` without a snapshot (index rebuilt from the
#      database, snapshot written) and with it (cold start), wall clock and
#      snapshot size.
# With "-" for the corpus, step 1 runs on the database a previous run
# filled (no ingest figures): the way to compare two binaries on the same
# rows. Each binary keeps its snapshot in WORKDIR/<binary name>.index.
# Needs ../shared/data beside the repository and GNU time (/usr/bin/time).
set -euo pipefail
bin=$(realpath "$1"); work=$3
data=$(realpath "$(dirname "$0")/../../shared/data/realtimeqa")
mkdir -p "$work"; db="$work/bench.db"
export NEWSBOT_INDEX_SNAPSHOT="$work/$(basename "$bin").index"
q=(--realtimeqa "$data/questions_2025.jsonl" --gcs "$data/gcs_search_results_2025.jsonl.gz")
if [ "$2" = - ]; then
	[ -f "$db" ] || { echo "no $db to reuse" >&2; exit 2; }
	mix=()
else
	rm -f "$db"* "$work"/*.index
	mix=(--corpus "$(realpath "$2")")
fi

/usr/bin/time -f '%M' -o "$work/rss1" "$bin" -db "$db" eval "${q[@]}" "${mix[@]}" --json > "$work/eval1.json"
/usr/bin/time -f '%M' -o "$work/rss2" "$bin" -db "$db" eval "${q[@]}" --json --parallel 2 > "$work/eval2.json"
dbsize=$(du -cb "$db" $(ls "$db-wal" 2>/dev/null) | tail -1 | cut -f1)
rm -f "$NEWSBOT_INDEX_SNAPSHOT"
/usr/bin/time -f '%e %M' -o "$work/ask1" "$bin" -db "$db" ask "Which country has recognised the Taliban government?" > /dev/null
/usr/bin/time -f '%e %M' -o "$work/ask2" "$bin" -db "$db" ask "Which country has recognised the Taliban government?" > /dev/null
snap=$(stat -c %s "$NEWSBOT_INDEX_SNAPSHOT" 2>/dev/null || echo 0)

python3 - "$work" "$dbsize" "$snap" <<'PY'
import json, sys
work, dbsize, snap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
e1 = json.load(open(f"{work}/eval1.json")); e2 = json.load(open(f"{work}/eval2.json"))
ask1 = open(f"{work}/ask1").read().split(); ask2 = open(f"{work}/ask2").read().split()
ing, r = e1.get("ingest", {}), e1["retrieve_ms"]
out = {
    "passages": (e1.get("index") or {}).get("passages"),
    "ingest_articles_per_s": ing.get("articles_per_s"), "ingest_passages_per_s": ing.get("passages_per_s"),
    "ingest_words_per_s": ing.get("words_per_s"),
    "retrieve_ms": r, "questions_per_s_2": e2.get("questions_per_s"),
    "index_open_s": (e1.get("index") or {}).get("seconds"),
    "rss_ingest_eval_mb": int(open(f"{work}/rss1").read()) // 1024,
    "rss_serving_mb": int(open(f"{work}/rss2").read()) // 1024,
    "db_mb": dbsize // 2**20, "snapshot_mb": snap // 2**20,
    "ask_without_snapshot_s": float(ask1[0]), "ask_with_snapshot_s": float(ask2[0]),
    "answer_recall@10": e1.get("answer_recall@10"), "choice_accuracy": e1.get("choice_accuracy"),
}
print(json.dumps(out, indent=1))
PY
