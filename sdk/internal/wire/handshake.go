package wire

import goplugin "github.com/hashicorp/go-plugin"

// ProtocolVersion is the plugin protocol version this SDK speaks.
const ProtocolVersion = 1

// PluginKey is the name the DDC plugin is dispensed under in go-plugin's
// plugin set.
const PluginKey = "ddc"

// Handshake returns the go-plugin handshake shared by the host and plugins.
// The magic cookie only tells a user who runs a plugin by hand what it is;
// it is not a security measure.
func Handshake() goplugin.HandshakeConfig {
	return goplugin.HandshakeConfig{
		ProtocolVersion:  ProtocolVersion,
		MagicCookieKey:   "DDC_PLUGIN_MAGIC_COOKIE",
		MagicCookieValue: "d1scord-d0cker-c0ntrol",
	}
}

// InteractionKey is the context key under which an interaction travels in
// a context: sdk.InteractionFrom reads it, the SDK's plugin server and
// grpcplugin.WithInteraction set it.
type InteractionKey struct{}

// RPCName returns the name of the Plugin service rpc serving a kind of call
// ("command" → "HandleCommand"), as stuck-call reports name them.
func RPCName(kind string) string {
	switch kind {
	case "info":
		return "GetInfo"
	case "configure":
		return "Configure"
	case "start":
		return "Start"
	case "stop":
		return "Stop"
	case "command":
		return "HandleCommand"
	case "autocomplete":
		return "HandleAutocomplete"
	case "component":
		return "HandleComponent"
	case "modal":
		return "HandleModal"
	case "event":
		return "HandleEvent"
	case "invoke":
		return "Invoke"
	case "http":
		return "HandleHTTP"
	case "health":
		return "CheckHealth"
	}
	return kind
}
