// Package asm holds moegate's kernels and their Go twins: the pure-Go
// routing reference (RouteGeneric, the specification), the SIMD
// implementations (amd64 AVX2 and AVX-512, arm64 NEON) that must return the
// same bits on every input, the scalar float functions of the float
// contract (ExpNeg, Sigmoid, SoftmaxSum, SqrtSoftplus, Key), the
// half-precision converters and the combine kernels.
//
// The kernels take input that package route has already validated: a Plan
// satisfying route.Config.Validate, slices of the stated lengths, finite
// biases. They do not check it again, and they are not a stable API for
// other modules. Only route and dispatch (its combine), the tests, the
// fuzz targets and the benchmarks import asm (and examples/moelayer, to
// print the implementation's name); applications use package route.
//
// Every assembly file's header states its Go prototype, the CPU features
// it requires, its Go twin and its register map; ARCHITECTURE.md at the
// repository's top says how the pieces fit together and how to add a
// kernel.
package asm
