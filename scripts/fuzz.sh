#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each: a duration (3s by
# default; `make fuzz FUZZTIME=5m` for a real session) or a count of runs
# ("2000x", what `make test` uses: a count has no deadline to race, see
# below).
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
  corpus="$dir/testdata/fuzz/$name"
  before=$( (ls "$corpus" 2>/dev/null || true) | wc -l)
  if ! go test "$dir" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" >"$log" 2>&1; then
    after=$( (ls "$corpus" 2>/dev/null || true) | wc -l)
    # Go 1.26's fuzzing coordinator can report "context deadline exceeded"
    # when a duration -fuzztime ends with a worker mid-run, writing no input
    # (go.dev/issue/75804, fixed in Go 1.27): that is not a finding.
    if [ "$after" = "$before" ] && grep -q 'context deadline exceeded' "$log"; then
      echo "fuzz: $dir $name: Go's fuzztime deadline race (go.dev/issue/75804), no failing input; not a finding" >&2
    else
      cat "$log" >&2
      echo "fuzz: $dir $name FAILED; the failing input is in $corpus" >&2
      exit 1
    fi
  fi
  n=$((n + 1))
done <<<"$targets"
echo "fuzz: $n targets ran $fuzztime each, no failures" >&2
