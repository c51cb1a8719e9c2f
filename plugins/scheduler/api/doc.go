// Package api is the contract of DDC's scheduler plugin: the actions it
// provides (for the REST API, the web UI and other plugins), their
// arguments and results, and the record it keeps per task in its KV
// namespace (for tools that write tasks directly, such as
// `ddc import-ddc`). It imports only the standard library; other plugins
// import this package, never the plugin itself.
//
// # Calling actions
//
// Name the actions in Info.Calls (Actions() or "scheduler.*") and call
// them through the host with the typed helpers:
//
//	res, err := api.Create(ctx, host, api.Spec{
//		Container: "web", Action: api.OpRestart,
//		Schedule:  api.Schedule{Kind: api.KindDaily, Time: "04:00"},
//		Timezone:  "Europe/Berlin",
//	})
//
// Bad input is refused with an error matching sdk.ErrInvalid whose text
// names every wrong field by its JSON path ("schedule.cron: ...;
// timezone: ..."), and nothing is saved. An unknown task id matches
// sdk.ErrNotFound. Results carry Warnings that do not stop the change (two
// tasks on one container close together, a container that could not be
// checked because its Docker endpoint is down).
//
// # Time
//
// Every task has an IANA time zone; its times of day are wall-clock times
// there. The rules for times that a zone skips or repeats, for days a month
// lacks and for runs missed while DDC was down are in the plugin's package
// documentation (plugins/scheduler) and are the same for every caller.
//
// It must never import host/ or Docker, nor anything but the standard
// library and sdk.
package api
