#!/bin/sh
# The arm64 part of CI, on any Linux host with qemu-user-static
# (apt-get install -y qemu-user-static). Exits non-zero on the first failure.
#
#   scripts/test-arm64.sh          # vet, encodings, the suite under qemu on
#                                  # three CPU models, purego, cpu.asimd=off
#   MOEGATE_LONG=1 scripts/test-arm64.sh   # also the long differential
#                                  # test (1,000,000 random tokens) and the
#                                  # long float sweeps
set -eu
cd "$(dirname "$0")/.."
LONG=${MOEGATE_LONG:-}
unset MOEGATE_LONG # the regular runs use the default sizes
QEMU=${QEMU:-qemu-aarch64-static}
command -v "$QEMU" >/dev/null || { echo "missing $QEMU (apt-get install -y qemu-user-static)" >&2; exit 1; }

run() { echo "+ $*"; "$@"; }

run env GOARCH=arm64 go vet ./...
run env GOARCH=arm64 go vet -tags purego ./...
run go test -count=1 -run '^TestNEONEncodings$' ./asm/
run env GOARCH=arm64 go test -count=1 -exec "$QEMU" ./...
# The other CPU models and builds change only what the kernels' packages
# run (dispatch and features): the command's end-to-end tests run once,
# above, and these runs take -short (smaller allocation and preset sweeps;
# every kernel path is still reached).
KPKGS="./asm/ ./route/ ./dispatch/ ./fuzz/ ./balance/"
run env QEMU_CPU=cortex-a53 GOARCH=arm64 go test -count=1 -short -exec "$QEMU" $KPKGS
run env QEMU_CPU=max GOARCH=arm64 go test -count=1 -short -exec "$QEMU" $KPKGS
run env GOARCH=arm64 go test -count=1 -short -tags purego -exec "$QEMU" $KPKGS
# GODEBUG reaches the test binaries only (not the host go command); Go's
# runtime prints 'GODEBUG: unknown cpu feature "asimd"' once per binary:
# the option belongs to golang.org/x/sys/cpu, which honours it.
run env GOARCH=arm64 go test -count=1 -short -exec "env GODEBUG=cpu.asimd=off $QEMU" $KPKGS
if [ -n "$LONG" ]; then
	run env MOEGATE_LONG=1 GOARCH=arm64 go test -count=1 -timeout 60m -v \
		-run 'TestRouteNEONRandom|TestSigmoidNEONSweep|TestExpNegNEONSweep' -exec "$QEMU" ./asm/
fi
