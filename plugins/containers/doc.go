// Package containers is DDC's bundled plugin that shows and controls Docker
// containers from Discord: /container start|stop|restart|logs|info|list|stats
// and /info, and the actions containers.list, .inspect, .start, .stop,
// .restart, .logs, .stats, .restart_all, .stop_all and .protected_info for
// other plugins.
// Their contract (action names, arguments, results, topics and event
// payloads) is the Docker-free package api; other plugins import that
// package, never this one.
//
// # Lifecycle
//
// New has no side effects. Configure checks the settings (see Settings,
// whose struct tags hold every limit: package sdk/settings makes the JSON
// Schema in Info.SettingsSchema from them and checks the JSON against it;
// a refusal names each field at fault). No settings mean one endpoint
// "local" on DOCKER_HOST, or unix:///var/run/docker.sock when it is not
// set. Start connects to every
// endpoint; Configure may be called again while running: changed endpoints
// reconnect, the rest applies at once. Stop ends the event streams.
//
// # State
//
// State comes from Docker's events stream, one per endpoint, never from
// polling. After every (re)connect the plugin subscribes to container
// events first and then reads the full list, so no change is missed. A
// dropped stream, or a daemon that is down, is tried again with backoff:
// 0.2 s doubling to 3 s during the first minute of an outage (a daemon
// restart is seen within seconds), then doubling up to one minute. The log
// gets one line when an endpoint goes down, one every 5 minutes while it
// stays down, and one when it is back, never one per attempt; CheckHealth
// reports the plugin degraded, naming each unreachable endpoint with how
// long it has been down, the attempts, the next one and the error.
//
// Every change is published on the host bus (see api.TopicAll): a
// container's on "container.state", an endpoint's reachability on
// "container.endpoint", the progress of restart_all and stop_all on
// "container.bulk", and a settings change on "container.settings". Events
// are numbered (api.Stamp) so a subscriber can tell a lost event and keep
// an exact copy of the list (api.Tracker). The containers of an
// unreachable endpoint are shown as unknown, not stopped.
//
// # Actions
//
// Start, stop and restart report their real outcome: after the API call the
// plugin waits for the event that confirms it, and watches a started
// container for start_check_seconds (default 2) so one that exits at once
// is reported as failed with its exit code. At most max_concurrent_actions
// (default 3) run per endpoint; a second action on a busy container is
// refused with sdk.ErrBusy. Every action that changes something is audited.
//
// Container names are checked before any Docker call (see api.ParseRef).
//
// # Files
//
// plugin.go holds the lifecycle, view.go how settings and labels apply to
// a container, actions.go the actions' logic (permissions, audit, bulk),
// run.go how one start, stop or restart is carried out and confirmed,
// docker.go the Docker requests and their errors, endpoint.go and retry.go
// the events loop with its state table and reconnects, publish.go the
// events, commands.go the Discord commands, text.go how texts are made in
// the user's language from locales/ (en, de, fr).
//
// # Languages
//
// Replies, refusals and errors shown in Discord are in the interaction's
// language (Interaction.Locale) when locales/ has it, else in the host's
// default language, else English; an action called without an
// interaction (by the scheduler, say) words its errors in the host's
// default language. What is part of the contract or for admins stays
// English: JSON results (ActionResult.Detail, the Skipped and Error of
// restart_all and stop_all), events, audit entries, the log and health.
//
// # Per-container configuration and precedence
//
// A container is configured, in increasing order of precedence, by:
//
//  1. defaults: visible, actions start, stop, restart and logs, stats shown;
//  2. its labels: ddc.enable (false hides it), ddc.name (display name),
//     ddc.actions (comma list), ddc.order, ddc.info, ddc.protected;
//  3. the settings entry "name", or "endpoint/name" when present (it wins
//     over "name"): display_name, order, active, actions, show_stats, info,
//     ip_port, protected_info, protected_password_hash.
//
// Settings win over labels field by field. Protection only adds up: a
// container is protected when the settings' protected list names it, or its
// ddc.protected label is true, or it is DDC's own container (found from
// /proc/self/cgroup, the /etc/hostname mount, or the host name).
//
// Like every plugin it must never import host/, config, internal/, gin or
// discordgo, nor another plugin beyond its api package.
package containers
