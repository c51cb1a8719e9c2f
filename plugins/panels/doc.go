// Package panels is DDC's bundled status panels plugin: the server
// overview (/serverstatus, /ss) in status channels and the admin overview
// (/control) in control channels, kept current from the containers
// plugin's container.* events and drawn through the host's outbox, with an
// ephemeral control panel per container, Restart All / Stop All with
// progress, logs and info.
//
// Each overview is one or more channel messages (never interaction
// replies: their tokens expire after 15 minutes). Their ids are kept in
// the host's KV under "overview/<channel id>", so after a restart the
// plugin edits its messages instead of posting new ones; a message
// someone deleted is posted again when its edit finds it gone. One
// goroutine per overview draws the newest state when it is woken, so a
// burst of events costs a few edits, not one per event.
//
// It imports only the sdk and the containers plugin's contract
// (plugins/containers/api): it must never import the host (host/) or the
// containers plugin itself (plugins/imports_test.go checks it).
package panels
