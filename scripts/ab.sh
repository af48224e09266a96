#!/usr/bin/env bash
# ab.sh OLDREV [BENCH-REGEX] [ROUNDS] [BENCHTIME] [PKG]
#
# Old against new in one run: builds PKG's test binary at OLDREV (a
# temporary worktree) and from the working tree, then runs them
# alternately ROUNDS times (old, new, old, new, ...) with -test.count=1,
# so that a noisy shared machine weighs on both alike, and compares them
# with benchstat (golang.org/x/perf). For ./bench both binaries run the
# working tree's benchmark files, whose cpu-ns/op (the thread's CPU time
# per call) is the figure to read on a loaded machine: waiting for a core
# does not count. Example, every preset at T = 1 and 4096 on every
# implementation:
#
#   scripts/ab.sh 08beef8 'BenchmarkRouteSmall/.*/T=(1|4096)/' 8 30ms ./bench
set -euo pipefail
old=${1:?usage: ab.sh OLDREV [BENCH-REGEX] [ROUNDS] [BENCHTIME] [PKG]}
re=${2:-BenchmarkRouteSmall/.*/T=(1|4096)/}
rounds=${3:-8}
bt=${4:-30ms}
pkg=${5:-./bench}
top=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'git -C "$top" worktree remove --force "$tmp/old" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git -C "$top" worktree add -q --detach "$tmp/old" "$old"
if [ "$pkg" = ./bench ]; then
  # The benchmarks use the public API only: both binaries run the working
  # tree's benchmark code (its cpu-ns/op metric included).
  cp "$top"/bench/*_test.go "$tmp/old/bench/"
fi
(cd "$tmp/old" && go test -c -o "$tmp/old.test" "$pkg")
(cd "$top" && go test -c -o "$tmp/new.test" "$pkg")
dir=$(cd "$top" && go list -f '{{.Dir}}' "$pkg")
for i in $(seq "$rounds"); do
  for v in old new; do
    (cd "$dir" && "$tmp/$v.test" -test.run '^$' -test.bench "$re" -test.benchtime "$bt" -test.count 1) \
      | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' >> "$tmp/$v.txt"
  done
done
out=${AB_OUT:-/tmp/ab}
mkdir -p "$out"
cp "$tmp/old.txt" "$out/old.txt"
cp "$tmp/new.txt" "$out/new.txt"
for unit in cpu-ns/op sec/op; do
  (cd "$top" && go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da -filter ".unit:$unit" "$out/old.txt" "$out/new.txt") || true
done
echo "raw results: $out/old.txt $out/new.txt"
