package main

import (
	"runtime"
	"syscall"
)

// threadClock returns a clock of the CPU time of the calling OS thread
// (RUSAGE_THREAD): on a shared machine it counts only the time this
// thread ran, which is steadier than wall time. The caller must be locked
// to its thread (lockThread). ok is false when the clock is unavailable.
func threadClock() (ns int64, ok bool) {
	var ru syscall.Rusage
	const rusageThread = 1
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}

func lockThread() func() {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}
