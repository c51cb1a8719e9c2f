// Package sdk is the public Go SDK for DDC plugins.
//
// A plugin is a program that calls [Serve] from its main function with a
// value implementing [Plugin]. The host (ddc serve) starts the program as a
// subprocess and talks to it over gRPC through hashicorp/go-plugin.
//
// The lifecycle, in order:
//
//  0. SetHost ([HostSetter]): before it serves anything, Serve hands the
//     plugin its [Host], to keep in a plain field.
//  1. GetInfo: the host reads the plugin's [Info] (its manifest): the slash
//     commands it owns, the component kinds and their levels, the events it
//     subscribes to, the actions it provides and calls.
//  2. Configure ([Configurer]): the plugin receives its settings, as JSON,
//     and the host's default language ([DefaultLocale] of its context).
//     Configure runs again whenever an admin changes them. The Host is
//     connected from the first Configure on.
//  3. Start ([Starter]): the plugin starts its work.
//  4. Handlers: commands ([CommandHandler]), autocomplete
//     ([AutocompleteHandler]), buttons and selects ([ComponentHandler]),
//     modals ([ModalHandler]), events ([EventHandler]), actions called by
//     other plugins ([ActionHandler]), web pages ([net/http.Handler]) and
//     health checks ([HealthChecker]).
//  5. Stop ([Stopper]): the plugin stops cooperatively before its process
//     ends.
//
// A plugin implements only the optional interfaces it needs; the SDK tells
// the host which ones in the manifest. Each interface has a Func adapter
// (like [net/http.HandlerFunc]).
//
// Plugins log to stderr (see [Host.Logger]); they must never write to
// stdout, which carries the go-plugin handshake. Serve guards stdout while it
// starts, turns handler panics into errors, and exits when the host process
// dies.
//
// This package is the plugin side of the protocol and all an author needs;
// its exported API shows no go-plugin or gRPC type. The host side (the
// go-plugin glue, the typed client of a plugin, the Host API server) is
// package sdk/grpcplugin. Package sdktest runs a plugin in memory against a
// recording fake host so plugins can be unit-tested without a host process.
// Package settings derives a plugin's settings schema from a Go struct and
// checks Configure's JSON against it; package i18n gives a plugin its texts
// in the user's language.
//
// Package sdk and everything under it must never import host/, config,
// plugins/, internal/, gin, discordgo or Docker: a plugin sees the host only
// through the protocol.
package sdk
