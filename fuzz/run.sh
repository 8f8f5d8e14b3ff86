#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each and prints how many inputs each ran.
#
#   fuzz/run.sh 600     # ten minutes per target
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Inputs that found something new are kept in fuzz/corpus/TARGET (ignored by
# git); fuzz/seeds/TARGET, when there is one, is read as a starting point. A
# crash stops that target, prints libFuzzer's report and the input's path
# (fuzz/artifacts/TARGET/), and makes the script fail.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:?usage: fuzz/run.sh SECONDS}
targets=$(cargo +nightly fuzz list)
# Built once up front, so each target's time is spent fuzzing.
cargo +nightly fuzz build

passed=0
failed=0
for target in $targets; do
  mkdir -p "corpus/$target"
  corpora=("corpus/$target")
  [ -d "seeds/$target" ] && corpora+=("seeds/$target")
  log=$(mktemp)
  if cargo +nightly fuzz run "$target" "${corpora[@]}" -- \
      -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    result=ok
    passed=$((passed + 1))
  else
    result=FAILED
    failed=$((failed + 1))
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1 || true)
  [ -n "$runs" ] || runs=$(grep -o '^#[0-9]* *DONE' "$log" | grep -o '[0-9]*' | tail -n 1 || true)
  printf 'fuzz %-10s %12s executions in %s s  %s\n' "$target" "${runs:-?}" "$seconds" "$result"
  if [ "$result" = FAILED ]; then
    tail -n 60 "$log"
  fi
  rm -f "$log"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
