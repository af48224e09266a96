package main

import (
	"runtime"
	"syscall"
	"unsafe"
)

// threadClock returns the CPU time of the calling OS thread in ns
// (clock_gettime CLOCK_THREAD_CPUTIME_ID): on a shared machine it counts
// only the time this thread ran, which is steadier than wall time. The
// caller must be locked to its thread (lockThread). ok is false when the
// clock is unavailable. (getrusage RUSAGE_THREAD, used before, advances
// only at scheduler ticks while the thread runs: it read 4-74 µs for
// 300 µs of work here.)
func threadClock() (ns int64, ok bool) {
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0, false
	}
	return ts.Nano(), true
}

func lockThread() func() {
	runtime.LockOSThread()
	return runtime.UnlockOSThread
}
