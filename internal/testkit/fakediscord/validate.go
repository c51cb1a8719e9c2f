package fakediscord

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// formErrors collects Discord's nested "Invalid Form Body" errors:
// {"embeds": {"0": {"title": {"_errors": [{code, message}]}}}}.
type formErrors struct{ root map[string]any }

func (f *formErrors) add(path []string, code, msg string) {
	if f.root == nil {
		f.root = map[string]any{}
	}
	node := f.root
	for _, p := range path {
		next, ok := node[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			node[p] = next
		}
		node = next
	}
	list, _ := node["_errors"].([]any)
	node["_errors"] = append(list, map[string]any{"code": code, "message": msg})
}

func (f *formErrors) response() *response {
	if f.root == nil {
		return nil
	}
	return &response{status: http.StatusBadRequest, body: map[string]any{
		"code": CodeInvalidFormBody, "message": "Invalid Form Body", "errors": f.root,
	}}
}

func formError(path []string, code, msg string) response {
	var f formErrors
	f.add(path, code, msg)
	return *f.response()
}

func at(path []string, more ...any) []string {
	out := append([]string(nil), path...)
	for _, m := range more {
		out = append(out, fmt.Sprint(m))
	}
	return out
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func (f *formErrors) maxLen(path []string, s string, max int) {
	if runes(s) > max {
		f.add(path, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", max))
	}
}

func (f *formErrors) between(path []string, s string, min, max int) {
	if n := runes(s); n < min || n > max {
		f.add(path, "BASE_TYPE_BAD_LENGTH", fmt.Sprintf("Must be between %d and %d in length.", min, max))
	}
}

func (f *formErrors) maxItems(path []string, n, max int) bool {
	if n > max {
		f.add(path, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", max))
		return false
	}
	return true
}

// Message limits.
const (
	maxContent          = 2000
	maxEmbeds           = 10
	maxEmbedTotal       = 6000
	maxEmbedTitle       = 256
	maxEmbedDescription = 4096
	maxEmbedFields      = 25
	maxFieldName        = 256
	maxFieldValue       = 1024
	maxFooterText       = 2048
	maxAuthorName       = 256
	maxActionRows       = 5
	maxRowButtons       = 5
	maxCustomID         = 100
	maxButtonLabel      = 80
	maxSelectOptions    = 25
	maxChoices          = 25
	flagComponentsV2    = 1 << 15
)

type msgPayload struct {
	Content    *string        `json:"content"`
	Embeds     []embedPayload `json:"embeds"`
	Components []compPayload  `json:"components"`
	Flags      int            `json:"flags"`
	StickerIDs []string       `json:"sticker_ids"`
	Poll       any            `json:"poll"`
}

type embedPayload struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Fields      []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
	Footer *struct {
		Text string `json:"text"`
	} `json:"footer"`
	Author *struct {
		Name string `json:"name"`
	} `json:"author"`
}

type compPayload struct {
	Type        int     `json:"type"`
	CustomID    *string `json:"custom_id"`
	Style       int     `json:"style"`
	Label       string  `json:"label"`
	URL         string  `json:"url"`
	SKUID       string  `json:"sku_id"`
	Placeholder string  `json:"placeholder"`
	MinValues   *int    `json:"min_values"`
	MaxValues   *int    `json:"max_values"`
	Value       string  `json:"value"`
	Options     []struct {
		Label string `json:"label"`
		Value string `json:"value"`
	} `json:"options"`
	Components []compPayload `json:"components"`
}

// validateMessage checks a message create or edit payload against
// Discord's limits. requireContent rejects a message with nothing in it.
func validateMessage(p msgPayload, requireContent bool) *response {
	if requireContent && (p.Content == nil || *p.Content == "") && len(p.Embeds) == 0 &&
		len(p.Components) == 0 && len(p.StickerIDs) == 0 && p.Poll == nil {
		r := errResp(http.StatusBadRequest, CodeEmptyMessage, "Cannot send an empty message")
		return &r
	}
	var f formErrors
	if p.Content != nil {
		f.maxLen([]string{"content"}, *p.Content, maxContent)
	}
	if f.maxItems([]string{"embeds"}, len(p.Embeds), maxEmbeds) {
		total := 0
		for i, e := range p.Embeds {
			ep := at([]string{"embeds"}, i)
			f.maxLen(at(ep, "title"), e.Title, maxEmbedTitle)
			f.maxLen(at(ep, "description"), e.Description, maxEmbedDescription)
			total += runes(e.Title) + runes(e.Description)
			if f.maxItems(at(ep, "fields"), len(e.Fields), maxEmbedFields) {
				for j, fl := range e.Fields {
					fp := at(ep, "fields", j)
					if fl.Name == "" {
						f.add(at(fp, "name"), "BASE_TYPE_REQUIRED", "This field is required")
					}
					if fl.Value == "" {
						f.add(at(fp, "value"), "BASE_TYPE_REQUIRED", "This field is required")
					}
					f.maxLen(at(fp, "name"), fl.Name, maxFieldName)
					f.maxLen(at(fp, "value"), fl.Value, maxFieldValue)
					total += runes(fl.Name) + runes(fl.Value)
				}
			}
			if e.Footer != nil {
				f.maxLen(at(ep, "footer", "text"), e.Footer.Text, maxFooterText)
				total += runes(e.Footer.Text)
			}
			if e.Author != nil {
				f.maxLen(at(ep, "author", "name"), e.Author.Name, maxAuthorName)
				total += runes(e.Author.Name)
			}
		}
		if total > maxEmbedTotal {
			f.add([]string{"embeds"}, "MAX_EMBED_SIZE_EXCEEDED", fmt.Sprintf("Embed size exceeds maximum size of %d", maxEmbedTotal))
		}
	}
	if p.Flags&flagComponentsV2 == 0 {
		validateComponents(&f, p.Components)
	}
	return f.response()
}

func isSelect(t int) bool { return t == 3 || (t >= 5 && t <= 8) }

func validateComponents(f *formErrors, rows []compPayload) {
	base := []string{"components"}
	if !f.maxItems(base, len(rows), maxActionRows) {
		return
	}
	seen := map[string]bool{}
	for i, row := range rows {
		rp := at(base, i)
		if row.Type != 1 {
			f.add(at(rp, "type"), "UNION_TYPE_CHOICES", `Value of field "type" must be one of (1,).`)
			continue
		}
		cp := at(rp, "components")
		if len(row.Components) == 0 {
			f.add(cp, "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
			continue
		}
		if !f.maxItems(cp, len(row.Components), maxRowButtons) {
			continue
		}
		selects := 0
		for _, c := range row.Components {
			if isSelect(c.Type) {
				selects++
			}
		}
		if selects > 0 && len(row.Components) > 1 {
			f.add(cp, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
		}
		for j, c := range row.Components {
			p := at(cp, j)
			switch {
			case c.Type == 2:
				validateButton(f, p, c)
			case isSelect(c.Type):
				validateSelect(f, p, c)
			default:
				f.add(at(p, "type"), "UNION_TYPE_CHOICES", `Value of field "type" must be one of (2, 3, 5, 6, 7, 8).`)
				continue
			}
			if c.CustomID != nil && *c.CustomID != "" {
				if seen[*c.CustomID] {
					f.add(at(p, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
				}
				seen[*c.CustomID] = true
			}
		}
	}
}

func validateCustomID(f *formErrors, p []string, id *string) {
	if id == nil || *id == "" {
		f.add(at(p, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
		return
	}
	f.between(at(p, "custom_id"), *id, 1, maxCustomID)
}

func validateButton(f *formErrors, p []string, c compPayload) {
	f.maxLen(at(p, "label"), c.Label, maxButtonLabel)
	switch c.Style {
	case 1, 2, 3, 4:
		validateCustomID(f, p, c.CustomID)
	case 5:
		if c.URL == "" {
			f.add(at(p, "url"), "BASE_TYPE_REQUIRED", "This field is required")
		}
		if c.CustomID != nil {
			f.add(at(p, "custom_id"), "BUTTON_CUSTOM_ID_NOT_ALLOWED", "A custom id cannot be specified for a link button")
		}
	case 6:
		if c.SKUID == "" {
			f.add(at(p, "sku_id"), "BASE_TYPE_REQUIRED", "This field is required")
		}
	default:
		f.add(at(p, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}.")
	}
}

func validateSelect(f *formErrors, p []string, c compPayload) {
	validateCustomID(f, p, c.CustomID)
	f.maxLen(at(p, "placeholder"), c.Placeholder, 150)
	if c.Type == 3 {
		if len(c.Options) == 0 {
			f.add(at(p, "options"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
		}
		if f.maxItems(at(p, "options"), len(c.Options), maxSelectOptions) {
			for k, o := range c.Options {
				f.between(at(p, "options", k, "label"), o.Label, 1, 100)
				f.between(at(p, "options", k, "value"), o.Value, 1, 100)
			}
		}
	}
	for _, mv := range []struct {
		name string
		v    *int
	}{{"min_values", c.MinValues}, {"max_values", c.MaxValues}} {
		if mv.v != nil && (*mv.v < 0 || *mv.v > 25) {
			f.add(at(p, mv.name), "NUMBER_TYPE_MAX", "int value should be between 0 and 25.")
		}
	}
}

type modalPayload struct {
	CustomID   *string       `json:"custom_id"`
	Title      string        `json:"title"`
	Components []compPayload `json:"components"`
}

// validateModal checks the data of a type 9 (modal) callback.
func validateModal(m modalPayload) *response {
	var f formErrors
	d := []string{"data"}
	validateCustomID(&f, d, m.CustomID)
	f.between(at(d, "title"), m.Title, 1, 45)
	cp := at(d, "components")
	if len(m.Components) == 0 {
		f.add(cp, "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
	}
	if f.maxItems(cp, len(m.Components), 5) {
		for i, row := range m.Components {
			rp := at(cp, i)
			if row.Type != 1 || len(row.Components) != 1 || row.Components[0].Type != 4 {
				f.add(rp, "MODAL_ROW_INVALID", "A modal row must be an action row with exactly one text input")
				continue
			}
			ti := row.Components[0]
			tp := at(rp, "components", 0)
			validateCustomID(&f, tp, ti.CustomID)
			f.between(at(tp, "label"), ti.Label, 1, 45)
			if ti.Style != 1 && ti.Style != 2 {
				f.add(at(tp, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
			}
			f.maxLen(at(tp, "value"), ti.Value, 4000)
			f.maxLen(at(tp, "placeholder"), ti.Placeholder, 100)
		}
	}
	return f.response()
}

type choicePayload struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

// validateChoices checks the data of a type 8 (autocomplete result)
// callback.
func validateChoices(choices []choicePayload) *response {
	var f formErrors
	p := []string{"data", "choices"}
	if f.maxItems(p, len(choices), maxChoices) {
		for i, c := range choices {
			f.between(at(p, i, "name"), c.Name, 1, 100)
			if s, ok := c.Value.(string); ok {
				f.maxLen(at(p, i, "value"), s, 100)
			}
		}
	}
	return f.response()
}

// Application command limits.
const (
	maxGlobalChatCommands = 100
	maxCommandOptions     = 25
)

func commandNameRE() *regexp.Regexp { return regexp.MustCompile(`^[-_\p{L}\p{N}]{1,32}$`) }

type cmdPayload struct {
	Name                     string            `json:"name"`
	NameLocalizations        map[string]string `json:"name_localizations"`
	Description              string            `json:"description"`
	DescriptionLocalizations map[string]string `json:"description_localizations"`
	Type                     int               `json:"type"`
	Options                  []optPayload      `json:"options"`
}

type optPayload struct {
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	NameLocalizations        map[string]string `json:"name_localizations"`
	Description              string            `json:"description"`
	DescriptionLocalizations map[string]string `json:"description_localizations"`
	Required                 bool              `json:"required"`
	Autocomplete             bool              `json:"autocomplete"`
	Choices                  []choicePayload   `json:"choices"`
	Options                  []optPayload      `json:"options"`
}

func checkChatName(f *formErrors, p []string, name string, re *regexp.Regexp) {
	if !re.MatchString(name) || strings.ToLower(name) != name {
		f.add(p, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
	}
}

func checkLocalized(f *formErrors, p []string, name, desc string, names, descs map[string]string, re *regexp.Regexp) {
	checkChatName(f, at(p, "name"), name, re)
	f.between(at(p, "description"), desc, 1, 100)
	for loc, n := range names {
		checkChatName(f, at(p, "name_localizations", loc), n, re)
	}
	for loc, d := range descs {
		f.between(at(p, "description_localizations", loc), d, 1, 100)
	}
}

// validateCommands checks a bulk overwrite: each command and the
// uniqueness of names per type.
func validateCommands(cs []cmdPayload) *response {
	var f formErrors
	seen := map[string]bool{}
	for i, c := range cs {
		validateCommandInto(&f, []string{strconv.Itoa(i)}, c)
		t := c.Type
		if t == 0 {
			t = 1
		}
		key := fmt.Sprint(t, "/", c.Name)
		if seen[key] {
			f.add([]string{strconv.Itoa(i), "name"}, "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[key] = true
	}
	return f.response()
}

func validateCommand(c cmdPayload, path []string) *response {
	var f formErrors
	validateCommandInto(&f, path, c)
	return f.response()
}

func validateCommandInto(f *formErrors, path []string, c cmdPayload) {
	re := commandNameRE()
	switch c.Type {
	case 0, 1:
		checkLocalized(f, path, c.Name, c.Description, c.NameLocalizations, c.DescriptionLocalizations, re)
		validateOptions(f, at(path, "options"), c.Options, re, 0)
	case 2, 3:
		f.between(at(path, "name"), c.Name, 1, 32)
		if c.Description != "" {
			f.add(at(path, "description"), "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION", "Context menu commands cannot have description")
		}
		if len(c.Options) > 0 {
			f.add(at(path, "options"), "APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS", "Context menu commands cannot have options")
		}
	default:
		f.add(at(path, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}.")
	}
}

func validateOptions(f *formErrors, p []string, opts []optPayload, re *regexp.Regexp, depth int) {
	if !f.maxItems(p, len(opts), maxCommandOptions) {
		return
	}
	seen := map[string]bool{}
	optional := false
	for i, o := range opts {
		op := at(p, i)
		checkLocalized(f, op, o.Name, o.Description, o.NameLocalizations, o.DescriptionLocalizations, re)
		if seen[o.Name] {
			f.add(at(op, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option names must be unique")
		}
		seen[o.Name] = true
		switch o.Type {
		case 1, 2:
			if (o.Type == 2 && depth > 0) || (o.Type == 1 && depth > 1) {
				f.add(at(op, "type"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-command and sub-command group option types are mutually exclusive to all other types")
			}
			validateOptions(f, at(op, "options"), o.Options, re, depth+1)
			continue
		case 3, 4, 5, 6, 7, 8, 9, 10, 11:
		default:
			f.add(at(op, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.")
		}
		if o.Required && optional {
			f.add(at(op, "required"), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options")
		}
		if !o.Required {
			optional = true
		}
		if o.Autocomplete && len(o.Choices) > 0 {
			f.add(at(op, "autocomplete"), "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE", "Autocomplete cannot be set for options with choices")
		}
		if f.maxItems(at(op, "choices"), len(o.Choices), maxChoices) {
			for j, c := range o.Choices {
				f.between(at(op, "choices", j, "name"), c.Name, 1, 100)
			}
		}
	}
}

// checkCommandCount enforces the 100 global chat-input commands limit (and
// the same per guild).
func checkCommandCount(cs []cmdPayload) *response {
	n := 0
	for _, c := range cs {
		if c.Type == 0 || c.Type == 1 {
			n++
		}
	}
	if n > maxGlobalChatCommands {
		r := errResp(http.StatusBadRequest, CodeMaxApplicationCommands, fmt.Sprintf("Maximum number of application commands reached (%d)", maxGlobalChatCommands))
		return &r
	}
	return nil
}
