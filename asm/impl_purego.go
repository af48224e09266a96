//go:build purego || !gc || !(amd64 || arm64)

package asm

func appendAvailable(out []Impl) []Impl { return out }

func archSupported(impl Impl) bool { return false }

// choose: never called (Choose takes Go for every impl here).
func choose(impl Impl, p *Plan) Path { return Path{impl: Go} }
