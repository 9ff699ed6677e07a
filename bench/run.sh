#!/usr/bin/env bash
# `make bench`: kernel microbenchmarks, the end-to-end ingest benchmark,
# then the query benchmark.
# Usage: bench/run.sh BUILD_DIR [extra silt_e2e_bench flags...]
# Exits non-zero if the generator self-test, a microbenchmark or a driver
# fails (a wrong count or a wrong answer, not a slow result).
set -euo pipefail

build="${1:-build}"
shift || true
bin="$build/bench"

if [[ ! -x "$bin/silt_loggen" || ! -x "$bin/silt_e2e_bench" ||
      ! -x "$bin/silt_query_bench" ]]; then
  echo "bench/run.sh: $bin/silt_loggen, silt_e2e_bench or silt_query_bench" \
       "missing;" \
       "build with -DSILT_BUILD_BENCH=ON" >&2
  exit 1
fi

echo "== generator self-test"
"$bin/silt_loggen" --self-test

if [[ -x "$bin/silt_microbench" ]]; then
  echo "== microbenchmarks"
  "$bin/silt_microbench" --benchmark_min_time=0.5
else
  echo "== microbenchmarks: $bin/silt_microbench not built, skipped"
fi

echo "== end-to-end ingest"
"$bin/silt_e2e_bench" --silt "$build/silt" "$@"

echo "== query (1M lines)"
"$bin/silt_query_bench" --silt "$build/silt"
