//go:build linux

package bench

import "syscall"

// threadCPU returns the CPU time this OS thread has used (user + system,
// ns): getrusage(RUSAGE_THREAD). On a shared machine it counts only the
// time the benchmark ran, not the time it waited for a core.
func threadCPU() (int64, bool) {
	var ru syscall.Rusage
	const rusageThread = 1
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
