#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 3s, the
# bounded form `make test` runs; `make fuzz FUZZTIME=5m` for a real session).
# The committed corpora under */testdata/fuzz are the seeds; a failing input
# is written there by go test, to be committed with its fix.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-3s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
targets=$(grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r f; do
  dir=$(dirname "$f")
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed "s|^func |$dir |"
done)
n=0
while read -r dir name; do
  [ -n "$dir" ] || continue
  echo "fuzz: $dir $name ($fuzztime)" >&2
  go test "$dir" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" >"$log" 2>&1 || {
    cat "$log" >&2
    echo "fuzz: $dir $name FAILED; the failing input is in $dir/testdata/fuzz/$name" >&2
    exit 1
  }
  n=$((n + 1))
done <<<"$targets"
echo "fuzz: $n targets ran $fuzztime each, no failures" >&2
