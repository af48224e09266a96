// Package fuzz holds moegate's differential fuzz targets; it has no API.
// Its tests hold every available implementation (asm.Available()) to the
// pure-Go reference bit for bit, on inputs whose whole shape (experts, K,
// score function, groups, rule, normalisation, scale, tokens, stride, start
// offset, logits with specials, bias; the 2026 rules and per-call inputs:
// sqrtsoftplus, normalisation rules, zero experts, expert scales, masks,
// forced ids) is decoded from the fuzzer's bytes:
// the fuzzer sees no coverage inside assembly, so the bytes must steer the
// shapes themselves.
//
// The seed corpora under testdata/fuzz run as plain tests with go test.
// To fuzz, one target per invocation:
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzRouter$' -fuzztime 20s
//	go test ./fuzz -run '^$' -fuzz '^FuzzKernel$' -fuzztime 20s
//	go test ./fuzz -run '^$' -fuzz '^FuzzSigmoid$' -fuzztime 10s
//	go test ./fuzz -run '^$' -fuzz '^FuzzExpNeg$' -fuzztime 10s
//	go test ./fuzz -run '^$' -fuzz '^FuzzSqrtSoftplus$' -fuzztime 10s
//	go test ./fuzz -run '^$' -fuzz '^FuzzHalf$' -fuzztime 20s
//
// The seed corpora are written by a test: go generate ./fuzz
package fuzz

//go:generate go test -run ^TestGenerateCorpus$ -gen
