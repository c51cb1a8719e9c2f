package pluginhost

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/i18n"
	"github.com/ddc-go/ddc/sdk/settings"
)

// Discord's limits for application commands.
const (
	maxOptions     = 25
	maxChoices     = 25
	maxDescription = 100
)

// validCommandName applies Discord's rule for command and option names,
// ^[-_\p{L}\p{N}]{1,32}$. It is written out rather than a regexp: the
// compiled Unicode classes cost 1.3 MB of heap in every process of the
// binary, plugins included.
func validCommandName(name string) bool {
	if n := utf8.RuneCountInString(name); n < 1 || n > 32 {
		return false
	}
	for _, r := range name {
		if r != '-' && r != '_' && !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			return false
		}
	}
	return true
}

// ValidateManifest checks a plugin's manifest against the host's rules and
// Discord's: ids, versions, command and option names, descriptions and
// counts, subcommand structure, component kinds, topics and actions. All
// problems are returned together.
func ValidateManifest(m grpcplugin.Manifest) error {
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	if !idPattern.MatchString(m.ID) {
		bad("id %q is not a plugin id (1-64 of a-z 0-9 . - _, starting with a letter or digit)", m.ID)
	}
	if !versionPattern.MatchString(m.Version) {
		bad("version %q is not a semantic version like 1.2.3", m.Version)
	}
	if m.ComponentPrefix == "" || strings.Contains(m.ComponentPrefix, ":") || len(m.ComponentPrefix) > 32 {
		bad("component prefix %q must be 1-32 characters without ':'", m.ComponentPrefix)
	}
	seen := map[string]bool{}
	for i, c := range m.Commands {
		where := fmt.Sprintf("command %d (/%s)", i+1, c.Name)
		if seen[c.Name] {
			bad("%s: declared twice", where)
		}
		seen[c.Name] = true
		problems = append(problems, validateName(where, c.Name)...)
		problems = append(problems, validateDescription(where, c.Description)...)
		problems = append(problems, validateLocalizations(where, c.NameLocalizations, c.DescriptionLocalizations)...)
		if c.Level < 0 || c.Level > sdk.LevelAdmin {
			bad("%s: unknown permission level %d", where, c.Level)
		}
		problems = append(problems, validateOptions(where, c.Options, 0)...)
	}
	problems = append(problems, validateComponentKinds(m.Components)...)
	for _, t := range m.Subscribes {
		if err := validateTopic(t, true); err != nil {
			bad("subscribes: %v", err)
		}
	}
	for _, a := range m.Provides {
		if err := validateTopic(a, false); err != nil {
			bad("provides: %v", err)
		}
	}
	for _, a := range m.Calls {
		if err := validateTopic(a, true); err != nil {
			bad("calls: %v", err)
		}
	}
	if m.SettingsSchema != "" {
		// The host checks settings against it (sdk/settings), before it
		// hands them over and in the web UI's form: it must compile.
		if _, err := settings.Compile(m.SettingsSchema); err != nil {
			bad("settings schema: %v", err)
		}
	}
	return errors.Join(problems...)
}

// validateComponentKinds checks the declared kinds of component custom ids:
// each named like a command, declared once, with a level from view to admin.
func validateComponentKinds(kinds []sdk.ComponentKind) []error {
	var problems []error
	seen := map[string]bool{}
	for i, k := range kinds {
		where := fmt.Sprintf("component kind %d (%q)", i+1, k.Kind)
		if k.Kind == "" {
			problems = append(problems, fmt.Errorf("%s: kind is empty", where))
		} else if !validCommandName(k.Kind) || strings.ToLower(k.Kind) != k.Kind {
			problems = append(problems, fmt.Errorf("%s: kind must be 1-32 lowercase letters, digits, '-' or '_'", where))
		}
		if seen[k.Kind] {
			problems = append(problems, fmt.Errorf("%s: declared twice", where))
		}
		seen[k.Kind] = true
		if k.Level < sdk.LevelView || k.Level > sdk.LevelAdmin {
			problems = append(problems, fmt.Errorf("%s: level %d is not view (1), control (2) or admin (3)", where, k.Level))
		}
	}
	return problems
}

func validateName(where, name string) []error {
	if !validCommandName(name) || strings.ToLower(name) != name {
		return []error{fmt.Errorf("%s: name %q must be 1-32 lowercase letters, digits, '-' or '_'", where, name)}
	}
	return nil
}

func validateDescription(where, d string) []error {
	if n := utf8.RuneCountInString(d); n < 1 || n > maxDescription {
		return []error{fmt.Errorf("%s: description must be 1-%d characters, has %d", where, maxDescription, n)}
	}
	return nil
}

// discordLocale reports whether Discord accepts loc as a localization key.
func discordLocale(loc string) bool { return slices.Contains(i18n.DiscordLocales(), loc) }

// validateLocalizations checks localized names and descriptions by the
// rules for the originals: Discord rejects the whole command otherwise.
func validateLocalizations(where string, names, descriptions map[string]string) []error {
	var problems []error
	for _, loc := range slices.Sorted(maps.Keys(names)) {
		lw := fmt.Sprintf("%s (%s)", where, loc)
		if !discordLocale(loc) {
			problems = append(problems, fmt.Errorf("%s: %q is not a Discord locale", lw, loc))
		}
		problems = append(problems, validateName(lw, names[loc])...)
	}
	for _, loc := range slices.Sorted(maps.Keys(descriptions)) {
		lw := fmt.Sprintf("%s (%s)", where, loc)
		if !discordLocale(loc) {
			problems = append(problems, fmt.Errorf("%s: %q is not a Discord locale", lw, loc))
		}
		problems = append(problems, validateDescription(lw, descriptions[loc])...)
	}
	return problems
}

// validateOptions checks options at one level. depth 0 is a command's own
// options, 1 inside a subcommand or group, 2 inside a group's subcommand.
func validateOptions(where string, opts []sdk.Option, depth int) []error {
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	if len(opts) > maxOptions {
		bad("%s: %d options, at most %d allowed", where, len(opts), maxOptions)
	}
	var subs, plain int
	seen := map[string]bool{}
	optionalSeen := false
	for _, o := range opts {
		ow := fmt.Sprintf("%s option %q", where, o.Name)
		if seen[o.Name] {
			bad("%s: declared twice", ow)
		}
		seen[o.Name] = true
		problems = append(problems, validateName(ow, o.Name)...)
		problems = append(problems, validateDescription(ow, o.Description)...)
		problems = append(problems, validateLocalizations(ow, o.NameLocalizations, o.DescriptionLocalizations)...)
		switch o.Type {
		case sdk.OptionSubcommand, sdk.OptionSubcommandGroup:
			subs++
			if depth > 1 || (depth == 1 && o.Type == sdk.OptionSubcommandGroup) {
				bad("%s: subcommands nest at most as group > subcommand", ow)
			}
			if o.Type == sdk.OptionSubcommandGroup {
				for _, s := range o.Options {
					if s.Type != sdk.OptionSubcommand {
						bad("%s: a subcommand group holds only subcommands", ow)
						break
					}
				}
			}
			problems = append(problems, validateOptions(ow, o.Options, depth+1)...)
		case sdk.OptionString, sdk.OptionInteger, sdk.OptionBoolean, sdk.OptionUser,
			sdk.OptionChannel, sdk.OptionRole, sdk.OptionNumber:
			plain++
			if len(o.Options) > 0 {
				bad("%s: only subcommands have nested options", ow)
			}
			if o.Required && optionalSeen {
				bad("%s: required options must come before optional ones", ow)
			}
			if !o.Required {
				optionalSeen = true
			}
			if len(o.Choices) > maxChoices {
				bad("%s: %d choices, at most %d allowed", ow, len(o.Choices), maxChoices)
			}
			if len(o.Choices) > 0 && o.Autocomplete {
				bad("%s: choices and autocomplete exclude each other", ow)
			}
			problems = append(problems, validateChoices(ow, o)...)
		default:
			bad("%s: unknown option type %d", ow, o.Type)
		}
	}
	if subs > 0 && plain > 0 {
		bad("%s: mixes subcommands with plain options", where)
	}
	return problems
}

// validateChoices checks an option's fixed choices: Discord allows them on
// string, integer and number options only, with names and string values of
// 1-100 characters and values of the option's type.
func validateChoices(where string, o sdk.Option) []error {
	if len(o.Choices) == 0 {
		return nil
	}
	if o.Type != sdk.OptionString && o.Type != sdk.OptionInteger && o.Type != sdk.OptionNumber {
		return []error{fmt.Errorf("%s: only string, integer and number options have choices", where)}
	}
	var problems []error
	for _, c := range o.Choices {
		cw := fmt.Sprintf("%s choice %q", where, c.Value)
		if n := utf8.RuneCountInString(c.Name); n < 1 || n > maxDescription {
			problems = append(problems, fmt.Errorf("%s: name must be 1-%d characters, has %d", cw, maxDescription, n))
		}
		for _, loc := range slices.Sorted(maps.Keys(c.NameLocalizations)) {
			if !discordLocale(loc) {
				problems = append(problems, fmt.Errorf("%s (%s): %q is not a Discord locale", cw, loc, loc))
			}
			if n := utf8.RuneCountInString(c.NameLocalizations[loc]); n < 1 || n > maxDescription {
				problems = append(problems, fmt.Errorf("%s (%s): name must be 1-%d characters, has %d", cw, loc, maxDescription, n))
			}
		}
		switch o.Type {
		case sdk.OptionInteger:
			if _, err := strconv.ParseInt(c.Value, 10, 64); err != nil {
				problems = append(problems, fmt.Errorf("%s: value is not an integer", cw))
			}
		case sdk.OptionNumber:
			if _, err := strconv.ParseFloat(c.Value, 64); err != nil {
				problems = append(problems, fmt.Errorf("%s: value is not a number", cw))
			}
		default:
			if n := utf8.RuneCountInString(c.Value); n < 1 || n > maxDescription {
				problems = append(problems, fmt.Errorf("%s: value must be 1-%d characters, has %d", cw, maxDescription, n))
			}
		}
	}
	return problems
}

var topicPattern = regexp.MustCompile(`^[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?$`)

func validateTopic(t string, wildcard bool) error {
	if len(t) > 128 || !topicPattern.MatchString(t) || (!wildcard && strings.HasSuffix(t, ".*")) {
		return fmt.Errorf("%q is not a dotted lowercase name", t)
	}
	return nil
}
