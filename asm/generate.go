package asm

// The DATA tables of the amd64 and arm64 kernels and topk32AVX2's sorting
// networks are generated into tables_*_amd64.h, tables_*_arm64.h and
// fsort32_avx2_amd64.h (see internal/gen); CI checks that go generate
// leaves them unchanged.

//go:generate go run ./internal/gen
