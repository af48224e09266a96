//go:build !linux

package main

// threadClock: no per-thread CPU clock here; bench measures wall time.
func threadClock() (ns int64, ok bool) { return 0, false }

func lockThread() func() { return func() {} }
