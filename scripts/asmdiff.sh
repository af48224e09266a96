#!/usr/bin/env bash
# asmdiff.sh: compares the machine code and DATA of the asm package's
# assembly, symbol by symbol, between two revisions.
#
#   scripts/asmdiff.sh OLDREV [NEWREV]     # NEWREV defaults to HEAD;
#                                          # "worktree" = the working copy
#   GOARCHS="amd64" scripts/asmdiff.sh ... # default "amd64 arm64"
#
# Each revision is checked out in a temporary git worktree (the working copy
# for "worktree") and its asm package is assembled with `-asmflags=-S` for
# each GOARCH. For every symbol the assembler emits (each TEXT and each DATA
# table) the script keeps the header (kind, size, frame), the bytes and the
# relocations (which symbol and offset each reference resolves to), and drops
# the listing (source lines, file names); addresses in a Go object are
# symbol-relative, so equal symbols print identical bytes in both revisions.
# File-local (<>) tables are included once per .s file that includes them,
# so they are compared as the sorted list of their copies.
#
# Prints one line per symbol, "equal", "DIFFERENT", "only-old" or "only-new",
# and a summary per GOARCH; exits 1 if any symbol differs or is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 OLDREV [NEWREV|worktree]" >&2; exit 2; }
OLD=$1
NEW=${2:-HEAD}
GOARCHS=${GOARCHS:-amd64 arm64}
PKG=$(go list ./asm)

tmp=$(mktemp -d)
cleanup() {
  git worktree remove --force "$tmp/old" >/dev/null 2>&1 || true
  git worktree remove --force "$tmp/new" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

git worktree add --detach "$tmp/old" "$OLD" >/dev/null 2>&1
if [ "$NEW" = worktree ]; then
  newdir=$PWD
else
  git worktree add --detach "$tmp/new" "$NEW" >/dev/null 2>&1
  newdir=$tmp/new
fi

# symbols DIR GOARCH: one line per symbol, "name<TAB>header|bytes|relocs".
symbols() {
  # The nonce changes the assembler's flags, so the build cache cannot
  # replay an earlier (silent) result; the define itself is unused.
  (cd "$1" && GOARCH=$2 go build -o /dev/null \
    -asmflags="$PKG=-S -D ASMDIFF_NONCE_$$_$RANDOM" ./asm 2>&1 >/dev/null) |
    awk '
      /^#/ { next }
      /^[^\t]/ {
        if (name != "") print name "\t" body
        name = $1; hdr = $0; sub(/^[^ ]+ /, "", hdr); body = hdr
        next
      }
      /^\t0x[0-9a-f]+ ([0-9a-f][0-9a-f] )/ {
        line = substr($0, 2, 55); sub(/^0x[0-9a-f]+ +/, "", line); sub(/ +$/, "", line)
        body = body "|" line; next
      }
      /^\trel / { body = body "|" substr($0, 2); next }
      END { if (name != "") print name "\t" body }
    ' | LC_ALL=C sort |
    awk -F'\t' '
      # fold the copies of a file-local symbol into one line
      $1 == prev { line = line "||" $2; next }
      { if (NR > 1) print prev "\t" line; prev = $1; line = $2 }
      END { if (NR > 0) print prev "\t" line }
    '
}

status=0
for arch in $GOARCHS; do
  symbols "$tmp/old" "$arch" >"$tmp/old.$arch"
  symbols "$newdir" "$arch" >"$tmp/new.$arch"
  [ -s "$tmp/old.$arch" ] && [ -s "$tmp/new.$arch" ] || {
    echo "GOARCH=$arch: no assembler output (build failed?)" >&2; exit 2; }
  echo "== GOARCH=$arch ($OLD -> $NEW)"
  LC_ALL=C join -t "$(printf '\t')" -a 1 -a 2 -e '<none>' -o 0,1.2,2.2 \
    "$tmp/old.$arch" "$tmp/new.$arch" |
    awk -F'\t' -v arch="$arch" '
      {
        if ($3 == "<none>") r = "only-old"
        else if ($2 == "<none>") r = "only-new"
        else if ($2 == $3) r = "equal"
        else r = "DIFFERENT"
        printf "%-10s %s\n", r, $1
        n++; count[r]++
      }
      END {
        printf "GOARCH=%s: %d symbols: %d equal, %d different, %d only-old, %d only-new\n",
          arch, n, count["equal"], count["DIFFERENT"], count["only-old"], count["only-new"]
        exit (n > 0 && n == count["equal"] ? 0 : 1)
      }
    ' || status=1
done
exit $status
