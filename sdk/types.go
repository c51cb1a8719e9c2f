package sdk

import (
	"encoding/json"
	"fmt"
	"time"
)

// Level is a permission level. Levels are ordered: a user with a level may
// do everything the lower levels may.
type Level int

// The permission levels, lowest first.
const (
	LevelView    Level = 1 // LevelView may look at status and information.
	LevelControl Level = 2 // LevelControl may start, stop and restart.
	LevelAdmin   Level = 3 // LevelAdmin may change settings.
)

// String returns "view", "control" or "admin".
func (l Level) String() string {
	switch l {
	case LevelView:
		return "view"
	case LevelControl:
		return "control"
	case LevelAdmin:
		return "admin"
	}
	return fmt.Sprintf("level(%d)", int(l))
}

// Allows reports whether a user at level l may do what needs level need.
func (l Level) Allows(need Level) bool { return l >= need }

// OptionType is the type of a command option; the values are Discord's.
type OptionType int

// Option types.
const (
	OptionSubcommand      OptionType = 1
	OptionSubcommandGroup OptionType = 2
	OptionString          OptionType = 3
	OptionInteger         OptionType = 4
	OptionBoolean         OptionType = 5
	OptionUser            OptionType = 6
	OptionChannel         OptionType = 7
	OptionRole            OptionType = 8
	OptionNumber          OptionType = 10
)

// Info is a plugin's manifest, returned by Plugin.Info.
type Info struct {
	// ID is unique among installed plugins: 1-64 of a-z, 0-9, '.', '-', '_',
	// starting with a letter or digit.
	ID string
	// Name is shown to admins.
	Name string
	// Version is the plugin's semantic version, e.g. "1.2.0".
	Version string
	// Description is one sentence shown to admins.
	Description string
	// Commands are the slash commands the plugin owns.
	Commands []Command
	// ComponentPrefix routes buttons, selects and modals whose custom id
	// starts with ComponentPrefix+":" to this plugin. Defaults to ID.
	ComponentPrefix string
	// Components declares each kind of custom id the plugin's buttons,
	// selects and modals use ("prefix:kind:..."), with the level a user
	// needs to use it. The host checks it on every click and submit.
	Components []ComponentKind
	// Subscribes lists event topics ("container.state"; "container.*" matches
	// every topic starting with "container.").
	Subscribes []string
	// Provides lists actions other plugins may call ("containers.restart").
	Provides []string
	// Calls lists actions this plugin calls; the host refuses others.
	Calls []string
	// SettingsSchema is a JSON Schema document describing the settings.
	SettingsSchema string
	// Pages are web pages served under /p/<ID>/.
	Pages []Page
	// Capabilities the plugin needs from its environment ("docker").
	Capabilities []string
	// Intents are the Discord gateway intents the plugin needs.
	Intents int64
}

// ComponentKind is one kind of component or modal custom id,
// "<ComponentPrefix>:<Kind>:...", and the level a user needs to use it.
type ComponentKind struct {
	Kind  string // Kind: 1-32 lowercase letters, digits, '-' or '_'.
	Level Level  // Level needed to click or submit it: view, control or admin.
}

// Page is a web page a plugin serves.
type Page struct {
	Path  string // Path below /p/<plugin-id>/, without a leading slash.
	Title string // Title shown in the navigation.
}

// Command is a slash command.
type Command struct {
	Name                     string            // Name: 1-32 lowercase letters, digits, '-' or '_'.
	Description              string            // Description: 1-100 characters.
	NameLocalizations        map[string]string // NameLocalizations maps a Discord locale to a name.
	DescriptionLocalizations map[string]string // DescriptionLocalizations maps a Discord locale to a description.
	Options                  []Option          // Options or subcommands, at most 25.
	Level                    Level             // Level needed to run the command; zero means view.
}

// Option is a command option or subcommand.
type Option struct {
	Name                     string            // Name, same rules as a command name.
	Description              string            // Description: 1-100 characters.
	Type                     OptionType        // Type of the option.
	Required                 bool              // Required options must be given.
	Autocomplete             bool              // Autocomplete asks for HandleAutocomplete while typing.
	Choices                  []Choice          // Choices are fixed values, at most 25.
	Options                  []Option          // Options of a subcommand or group.
	NameLocalizations        map[string]string // NameLocalizations maps a Discord locale to a name.
	DescriptionLocalizations map[string]string // DescriptionLocalizations maps a Discord locale to a description.
	Level                    Level             // Level, on a subcommand, overrides the command's.
}

// Choice is a fixed or autocompleted option value.
type Choice struct {
	Name              string            // Name shown to the user.
	Value             string            // Value sent back.
	NameLocalizations map[string]string // NameLocalizations maps a Discord locale to a name.
}

// User is a Discord user.
type User struct {
	ID   string // ID is the user's snowflake.
	Name string // Name is the display name.
}

// Interaction says who asked, where, and with which rights.
type Interaction struct {
	ID        string   // ID identifies the interaction for Host.Followup.
	GuildID   string   // GuildID is empty in direct messages.
	ChannelID string   // ChannelID is where it happened.
	User      User     // User who asked.
	RoleIDs   []string // RoleIDs are the user's roles.
	Locale    string   // Locale is the user's Discord locale ("en-US", "de", "fr").
	Level     Level    // Level is the user's effective permission level here.
	// DefaultLocale is the host's configured default language ("en", "de"):
	// the fallback when the plugin has no translation for Locale.
	DefaultLocale string
}

// OptionValue is a value a user gave for an option. Value holds a string
// (strings, users, channels, roles), an int64, a float64 or a bool.
type OptionValue struct {
	Name    string
	Type    OptionType
	Value   any
	Focused bool // Focused marks the option being autocompleted.
}

// CommandRequest is a slash command or an autocomplete request.
type CommandRequest struct {
	Interaction
	Command    string        // Command name.
	Subcommand []string      // Subcommand path, e.g. ["restart"].
	Options    []OptionValue // Options given.
}

// String returns the named option as a string, or "" when absent.
func (r *CommandRequest) String(name string) string {
	for _, o := range r.Options {
		if o.Name == name {
			switch v := o.Value.(type) {
			case string:
				return v
			default:
				return fmt.Sprint(v)
			}
		}
	}
	return ""
}

// Int returns the named integer option, or 0 when absent.
func (r *CommandRequest) Int(name string) int64 {
	for _, o := range r.Options {
		if o.Name == name {
			switch v := o.Value.(type) {
			case int64:
				return v
			case float64:
				return int64(v)
			}
		}
	}
	return 0
}

// Bool returns the named boolean option, or false when absent.
func (r *CommandRequest) Bool(name string) bool {
	for _, o := range r.Options {
		if o.Name == name {
			b, _ := o.Value.(bool)
			return b
		}
	}
	return false
}

// Focused returns the option being autocompleted.
func (r *CommandRequest) Focused() (OptionValue, bool) {
	for _, o := range r.Options {
		if o.Focused {
			return o, true
		}
	}
	return OptionValue{}, false
}

// Sub returns the subcommand: the last element of the subcommand path
// (below its group, if any), or "".
func (r *CommandRequest) Sub() string {
	if len(r.Subcommand) == 0 {
		return ""
	}
	return r.Subcommand[len(r.Subcommand)-1]
}

// ComponentType is a message component type; the values are Discord's.
type ComponentType int

// Component types.
const (
	ComponentButton    ComponentType = 2
	ComponentSelect    ComponentType = 3
	ComponentTextInput ComponentType = 4
)

// ButtonStyle is a button's colour; the values are Discord's.
type ButtonStyle int

// Button styles.
const (
	ButtonPrimary   ButtonStyle = 1
	ButtonSecondary ButtonStyle = 2
	ButtonSuccess   ButtonStyle = 3
	ButtonDanger    ButtonStyle = 4
	ButtonLink      ButtonStyle = 5
)

// ComponentRequest is a button click or a select menu choice.
type ComponentRequest struct {
	Interaction
	CustomID  string        // CustomID of the component, prefix included.
	Type      ComponentType // Type of the component.
	Values    []string      // Values chosen in a select menu.
	MessageID string        // MessageID of the message holding it.
}

// ModalRequest is a modal submit.
type ModalRequest struct {
	Interaction
	CustomID string            // CustomID of the modal, prefix included.
	Fields   map[string]string // Fields maps text input custom ids to values.
}

// Event is one event from a topic.
type Event struct {
	Topic   string // Topic of the event.
	Payload []byte // Payload, usually JSON.
	Source  string // Source is the publishing plugin's id, or "host".
}

// Decode unmarshals the JSON payload into v.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return fmt.Errorf("decode event %s from %s: %w", e.Topic, e.Source, err)
	}
	return nil
}

// InvokeRequest is a call of one of the plugin's actions.
type InvokeRequest struct {
	Action      string          // Action name.
	Args        json.RawMessage // Args, JSON.
	Caller      string          // Caller is the calling plugin's id, or "host".
	Interaction *Interaction    // Interaction that led to the call, if any: one the host routed itself.
	// CallerLevel is the level the host grants Caller on this plugin's
	// actions: what an admin granted it in the config (plugins.<caller>.
	// grants: ["<this plugin's id>.control"]), view without a grant, admin
	// for the host itself. An action needing more than view decides on it
	// when Interaction is nil; with an Interaction, on the user's level.
	CallerLevel Level
}

// Message is what a plugin says in Discord.
type Message struct {
	Content    string      // Content, at most 2000 characters.
	Embeds     []Embed     // Embeds, at most 10.
	Components []ActionRow // Components, at most 5 rows.
	Ephemeral  bool        // Ephemeral replies are seen only by the user.
}

// Embed is a rich block in a message.
type Embed struct {
	Title       string    // Title, at most 256 characters.
	Description string    // Description, at most 4096 characters.
	URL         string    // URL the title links to.
	Color       int       // Color as 0xRRGGBB.
	Fields      []Field   // Fields, at most 25.
	Footer      string    // Footer, at most 2048 characters.
	Timestamp   time.Time // Timestamp shown in the footer, if not zero.
}

// Field is a name and value in an embed.
type Field struct {
	Name   string // Name, at most 256 characters.
	Value  string // Value, at most 1024 characters.
	Inline bool   // Inline fields share a row.
}

// ActionRow is a row of up to five buttons, or one select menu, or one text
// input in a modal.
type ActionRow struct {
	Components []Component
}

// Row returns an action row of the given components.
func Row(c ...Component) ActionRow { return ActionRow{Components: c} }

// Component is a button, a select menu or a modal's text input.
type Component struct {
	Type        ComponentType  // Type of the component.
	CustomID    string         // CustomID: the plugin's prefix, ':', then anything (at most 100 in all).
	Label       string         // Label of a button (at most 80) or text input.
	Style       ButtonStyle    // Style of a button.
	Emoji       string         // Emoji on a button or select option.
	URL         string         // URL of a link button.
	Disabled    bool           // Disabled components cannot be used.
	Placeholder string         // Placeholder of a select or text input.
	Options     []SelectOption // Options of a select menu, at most 25.
	MinValues   int            // MinValues of a select menu.
	MaxValues   int            // MaxValues of a select menu.
	Paragraph   bool           // Paragraph makes a text input multi-line.
	Required    bool           // Required text inputs must be filled.
	Value       string         // Value pre-fills a text input.
	MaxLength   int            // MaxLength of a text input.
}

// Button returns a button component.
func Button(customID, label string, style ButtonStyle) Component {
	return Component{Type: ComponentButton, CustomID: customID, Label: label, Style: style}
}

// SelectOption is a choice in a select menu.
type SelectOption struct {
	Label       string // Label shown.
	Value       string // Value returned.
	Description string // Description under the label.
	Emoji       string // Emoji before the label.
	Default     bool   // Default marks it selected.
}

// Modal is a pop-up form of text inputs.
type Modal struct {
	CustomID string      // CustomID: the plugin's prefix, ':', then anything.
	Title    string      // Title, at most 45 characters.
	Inputs   []Component // Inputs, one text input per row, at most 5.
}

// Response answers an interaction: a message, or a modal to open.
type Response struct {
	Message Message // Message to show.
	Modal   *Modal  // Modal to open instead, if set.
	Update  bool    // Update edits the clicked message instead of replying (components only).
}

// Reply returns a response showing content to everyone in the channel.
func Reply(content string) *Response { return &Response{Message: Message{Content: content}} }

// Ephemeral returns a response showing content only to the user who asked.
func Ephemeral(content string) *Response {
	return &Response{Message: Message{Content: content, Ephemeral: true}}
}

// TopicDiscordMessage is the topic of the host's event for every message
// written in a guild channel the bot can see, the bot's own included. A
// plugin receives it when it lists the topic in Info.Subscribes and
// IntentGuildMessages in Info.Intents. Its payload is a
// DiscordMessageEvent, its Source "host". Plugins may not publish on
// topics under "discord.": those are the host's.
const TopicDiscordMessage = "discord.message"

// IntentGuildMessages is Discord's GUILD_MESSAGES gateway intent, which is
// not privileged: the host then receives message events of guild channels
// (without their content, which needs the privileged MESSAGE_CONTENT
// intent no bundled plugin asks for).
const IntentGuildMessages int64 = 1 << 9

// DiscordMessageEvent is the payload of TopicDiscordMessage: who wrote a
// message where and when, never what.
type DiscordMessageEvent struct {
	GuildID     string    `json:"guild_id"`      // GuildID is the message's guild.
	ChannelID   string    `json:"channel_id"`    // ChannelID is the message's channel.
	MessageID   string    `json:"message_id"`    // MessageID is the message's snowflake.
	AuthorID    string    `json:"author_id"`     // AuthorID is the writing user's (or webhook's) id.
	AuthorIsBot bool      `json:"author_is_bot"` // AuthorIsBot is set for bots and webhooks.
	Self        bool      `json:"self"`          // Self is set when this bot wrote it (any plugin's message).
	Time        time.Time `json:"time"`          // Time is Discord's timestamp of the message.
}
