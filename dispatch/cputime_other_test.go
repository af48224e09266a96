//go:build !linux

package dispatch

import "time"

func threadCPU() time.Duration { return 0 }

func lockThread() func() { return func() {} }
