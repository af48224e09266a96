#!/bin/sh
# Checks every WORD macro of asm/neon_arm64.h against `go tool objdump -gnu`:
# assembles each macro for arm64 with several register combinations and
# compares the disassembly with the instruction it must be. Fails (exit 1) on
# any wrong encoding. Runs on any host with a Go toolchain (amd64 CI too).
set -eu
cd "$(dirname "$0")/.."
exec go test -count=1 -run '^TestNEONEncodings$' -v ./asm/
