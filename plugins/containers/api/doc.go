// Package api is the contract of DDC's containers plugin: the actions it
// provides, their arguments and results, and the events it publishes.
// Other plugins (panels, scheduler, third-party ones) import this package,
// never the plugin itself. It must import only the standard library: never
// the Docker client, host code or the containers plugin
// (plugins/imports_test.go checks it; it would allow the sdk, which this
// package does not need: sdk.Host is an Invoker).
//
// # Calling actions
//
// Name the actions in Info.Calls (Actions() or "containers.*") and call
// them through the host with the typed helpers:
//
//	res, err := api.Restart(ctx, host, "web", api.StopTimeout(30*time.Second))
//
// Host.Invoke passes the handler's interaction along, so a Discord user
// without the control level is refused (sdk.ErrPermission) as they would
// be by /container restart. The errors match the sdk sentinels listed
// with the action constants.
//
// # Following containers live
//
// The plugin follows Docker's events and publishes every change. To keep a
// live view (a status panel), subscribe to TopicAll and feed a Tracker:
//
//	l, err := api.List(ctx, host)   // at start, and whenever Apply says ErrStale
//	tracker.Reset(l)
//	...
//	changed, err := tracker.Apply(ev.Topic, ev.Payload) // in HandleEvent
//	if errors.Is(err, api.ErrStale) { /* list again */ }
//
// A container whose endpoint becomes unreachable stays in the list with
// StateUnknown and Reachable false (show it as unknown, not stopped), and
// the endpoint's EndpointStatus says why. An endpoint never reached has no
// containers but is in ListResult.Endpoints.
//
// Stats are not published: call Stats for the containers whose ShowStats
// is true, at the refresh interval you need.
//
// It must never import host/ or Docker, nor anything but the standard
// library and sdk: other plugins import it without taking in Docker.
package api
