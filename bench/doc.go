// Package bench holds moegate's routing benchmarks; it has no API. See
// README.md for the command that reproduces the published table.
package bench
