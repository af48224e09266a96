//go:build race

package main

// The end-to-end tests run a binary built with the race detector too.
func init() { buildRace = true }
