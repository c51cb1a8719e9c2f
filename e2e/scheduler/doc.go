// Package scheduler tests the bundled scheduler plugin end to end: the
// host with the real scheduler and containers plugin subprocesses, a real
// Docker engine and the fake Discord, and measures the scheduler's memory.
// It must never import another e2e package; no production package imports
// it.
package scheduler
