// Package plugins holds the plugin host's tests that run real plugin
// subprocesses: the example echo plugin as a third-party binary, the
// bundled path through the ddc binary, and a fault-injection plugin that
// crashes, hangs, prints to stdout, starts slowly or lies in its manifest.
//
// It must never import another e2e package; no production package imports
// it.
package plugins
