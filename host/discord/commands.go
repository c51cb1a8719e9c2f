package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ddc-go/ddc/host/discord/outbox"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// adminPermissions is the default_member_permissions of admin-level
// commands: Manage Server, so Discord hides them from ordinary members
// (a server admin can change that in the server's integration settings).
const adminPermissions = "32"

// commandJSON is an application command as the bulk overwrite takes it and
// as far as the host compares it with what Discord has.
type commandJSON struct {
	Type                     int               `json:"type,omitempty"`
	Name                     string            `json:"name"`
	Description              string            `json:"description"`
	NameLocalizations        map[string]string `json:"name_localizations,omitempty"`
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
	Options                  []optionDefJSON   `json:"options,omitempty"`
	DefaultMemberPermissions *string           `json:"default_member_permissions,omitempty"`
}

type optionDefJSON struct {
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	Description              string            `json:"description"`
	NameLocalizations        map[string]string `json:"name_localizations,omitempty"`
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
	Required                 bool              `json:"required,omitempty"`
	Autocomplete             bool              `json:"autocomplete,omitempty"`
	Choices                  []choiceJSON      `json:"choices,omitempty"`
	Options                  []optionDefJSON   `json:"options,omitempty"`
}

type choiceJSON struct {
	Name              string            `json:"name"`
	Value             any               `json:"value"`
	NameLocalizations map[string]string `json:"name_localizations,omitempty"`
}

// localizations keeps the locales Discord knows; "en" stands for both
// English locales.
func localizations(m map[string]string) map[string]string {
	out := map[string]string{}
	discordLocales := i18n.DiscordLocales()
	for k, v := range m {
		switch {
		case k == "en":
			for _, l := range []string{"en-US", "en-GB"} {
				if _, set := m[l]; !set {
					out[l] = v
				}
			}
		case slices.Contains(discordLocales, k):
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// desiredCommands merges the commands of every manifest, sorted by name.
func desiredCommands(manifests map[string]grpcplugin.Manifest) []commandJSON {
	var out []commandJSON
	for _, mf := range manifests {
		for _, c := range mf.Commands {
			cj := commandJSON{
				Type: 1, Name: c.Name, Description: c.Description,
				NameLocalizations: localizations(c.NameLocalizations), DescriptionLocalizations: localizations(c.DescriptionLocalizations),
				Options: optionDefs(c.Options),
			}
			if c.Level >= sdk.LevelAdmin {
				p := adminPermissions
				cj.DefaultMemberPermissions = &p
			}
			out = append(out, cj)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func optionDefs(opts []sdk.Option) []optionDefJSON {
	var out []optionDefJSON
	for _, o := range opts {
		oj := optionDefJSON{
			Type: int(o.Type), Name: o.Name, Description: o.Description, Required: o.Required, Autocomplete: o.Autocomplete,
			NameLocalizations: localizations(o.NameLocalizations), DescriptionLocalizations: localizations(o.DescriptionLocalizations),
			Options: optionDefs(o.Options),
		}
		for _, ch := range o.Choices {
			cj := choiceJSON{Name: ch.Name, Value: ch.Value, NameLocalizations: localizations(ch.NameLocalizations)}
			switch o.Type {
			case sdk.OptionInteger:
				if n, err := strconv.ParseInt(ch.Value, 10, 64); err == nil {
					cj.Value = n
				}
			case sdk.OptionNumber:
				if f, err := strconv.ParseFloat(ch.Value, 64); err == nil {
					cj.Value = f
				}
			}
			oj.Choices = append(oj.Choices, cj)
		}
		out = append(out, oj)
	}
	return out
}

// normalize makes a command list comparable: sorted, type 1 made explicit,
// choice values made JSON-typed.
func normalize(cs []commandJSON) []byte {
	cs = slices.Clone(cs)
	for i := range cs {
		if cs[i].Type == 0 {
			cs[i].Type = 1
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	b, _ := json.Marshal(cs)
	var generic any
	_ = json.Unmarshal(b, &generic)
	b, _ = json.Marshal(generic)
	return b
}

// registry keeps Discord's command lists in line with the plugins'.
type registry struct {
	out    *outbox.Outbox
	appID  string
	scopes []string // guild ids; "" is global
}

// commandsPath is the bulk route of a scope.
func commandsPath(appID, guildID string) string {
	if guildID == "" {
		return "/applications/" + appID + "/commands"
	}
	return "/applications/" + appID + "/guilds/" + guildID + "/commands"
}

// sync compares each scope's commands with want and overwrites the scopes
// that differ, one bulk request each. It returns how many it wrote.
func (r *registry) sync(ctx context.Context, want []commandJSON) (int, error) {
	if want == nil {
		want = []commandJSON{}
	}
	wantN := normalize(want)
	var errs []error
	written := 0
	for _, scope := range r.scopes {
		path := commandsPath(r.appID, scope)
		body, err := r.out.Do(ctx, outbox.Request{Method: http.MethodGet, Path: path})
		if err != nil {
			errs = append(errs, fmt.Errorf("list commands of %s: %w", scopeName(scope), err))
			continue
		}
		var have []commandJSON
		if err := json.Unmarshal(body, &have); err != nil {
			errs = append(errs, fmt.Errorf("list commands of %s: decode: %w", scopeName(scope), err))
			continue
		}
		if have == nil {
			have = []commandJSON{}
		}
		if bytes.Equal(normalize(have), wantN) {
			continue
		}
		if _, err := r.out.Do(ctx, outbox.Request{Method: http.MethodPut, Path: path, Body: want}); err != nil {
			errs = append(errs, fmt.Errorf("overwrite %d commands of %s: %w", len(want), scopeName(scope), err))
			continue
		}
		written++
	}
	return written, errors.Join(errs...)
}

func scopeName(guildID string) string {
	if guildID == "" {
		return "the application (global)"
	}
	return "guild " + guildID
}

// commandNames lists names for logs.
func commandNames(cs []commandJSON) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = "/" + c.Name
	}
	return strings.Join(names, " ")
}
