package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/sdk/settings"
)

// field is one top-level setting in the generated form.
type field struct {
	Name        string
	Kind        string // "string", "int", "number", "bool", "enum" or "json"
	Enum        []string
	Value       string
	Default     string
	Description string
	Error       string
}

// pluginPageData is the plugin page's content.
type pluginPageData struct {
	Status    pluginhost.Status
	Fields    []field
	FormError string
}

// schemaProp is what the form reads of a property's schema.
type schemaProp struct {
	Type        any               `json:"type"`
	Enum        []json.RawMessage `json:"enum"`
	Default     json.RawMessage   `json:"default"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
}

// formFields builds the form's fields from a settings schema: one per
// top-level property, in name order, with the current values.
func formFields(schema string, current map[string]any) ([]field, error) {
	var doc struct {
		Properties map[string]schemaProp `json:"properties"`
	}
	if err := json.Unmarshal([]byte(schema), &doc); err != nil {
		return nil, fmt.Errorf("settings schema is not JSON: %w", err)
	}
	names := make([]string, 0, len(doc.Properties))
	for n := range doc.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]field, 0, len(names))
	for _, n := range names {
		p := doc.Properties[n]
		f := field{Name: n, Kind: kindOf(p), Description: strings.TrimSpace(p.Title + " " + p.Description)}
		if len(p.Default) > 0 {
			f.Default = scalarText(p.Default)
		}
		for _, e := range p.Enum {
			f.Enum = append(f.Enum, scalarText(e))
		}
		if v, ok := current[n]; ok && v != nil {
			raw, _ := json.Marshal(v)
			if f.Kind == "json" {
				f.Value = string(raw)
			} else {
				f.Value = scalarText(raw)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func kindOf(p schemaProp) string {
	t, _ := p.Type.(string)
	switch {
	case len(p.Enum) > 0 && (t == "string" || t == ""):
		return "enum"
	case t == "string":
		return "string"
	case t == "integer":
		return "int"
	case t == "number":
		return "number"
	case t == "boolean":
		return "bool"
	}
	return "json"
}

// scalarText shows a JSON value in a form field: strings without quotes.
func scalarText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// formValues turns the submitted form into the settings object; a value
// that is not even of its field's kind is reported on the field. Empty
// fields are left out (the plugin's default applies).
func formValues(c *gin.Context, fields []field) (map[string]any, bool) {
	out := map[string]any{}
	ok := true
	for i := range fields {
		f := &fields[i]
		v := strings.TrimSpace(c.PostForm(f.Name))
		f.Value = v
		if f.Kind == "bool" {
			out[f.Name] = v == "true"
			f.Value = strconv.FormatBool(v == "true")
			continue
		}
		if v == "" {
			continue
		}
		switch f.Kind {
		case "int":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				f.Error, ok = "must be a whole number, got "+strconv.Quote(v), false
				continue
			}
			out[f.Name] = n
		case "number":
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				f.Error, ok = "must be a number, got "+strconv.Quote(v), false
				continue
			}
			out[f.Name] = n
		case "json":
			var x any
			if err := json.Unmarshal([]byte(v), &x); err != nil {
				f.Error, ok = "is not valid JSON: "+err.Error(), false
				continue
			}
			out[f.Name] = x
		default:
			out[f.Name] = v
		}
	}
	return out, ok
}

// topField is the top-level setting a problem's path is in.
func topField(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

func (u *ui) pluginData(id string) (pluginPageData, bool) {
	var d pluginPageData
	found := false
	for _, st := range u.Host.Statuses() {
		if st.ID == id {
			d.Status, found = st, true
		}
	}
	return d, found
}

func (u *ui) currentSettings(id string) map[string]any {
	if u.Config == nil {
		return nil
	}
	return u.Config().Plugins[id].Settings
}

func (u *ui) pluginPage(c *gin.Context) {
	id := c.Param("id")
	d, ok := u.pluginData(id)
	if !ok {
		u.fail(c, false, http.StatusNotFound, "not_found", "no such plugin")
		return
	}
	pg := u.page(c, "plug.title", "plugins")
	pg.Title = id
	if c.Query("saved") == "1" {
		pg.Notices = append(pg.Notices, pg.T("plug.saved"))
	}
	if mf, ok := u.Host.Manifests()[id]; ok && strings.TrimSpace(mf.SettingsSchema) != "" {
		fields, err := formFields(mf.SettingsSchema, u.currentSettings(id))
		if err != nil {
			pg.Warnings = append(pg.Warnings, err.Error())
		}
		d.Fields = fields
	}
	pg.Data = d
	u.render(c, http.StatusOK, "plugin.html", pg)
}

// errNoSchema means the plugin is not running or has no settings schema.
var errNoSchema = errors.New("the plugin is not running or has no settings schema")

// saveSettings validates the submitted settings against the plugin's
// schema and saves them; problems are put on their fields.
func (u *ui) saveSettings(c *gin.Context, id string, d *pluginPageData) (bool, error) {
	mf, ok := u.Host.Manifests()[id]
	if !ok || strings.TrimSpace(mf.SettingsSchema) == "" {
		return false, errNoSchema
	}
	fields, err := formFields(mf.SettingsSchema, u.currentSettings(id))
	if err != nil {
		return false, err
	}
	d.Fields = fields
	values, ok := formValues(c, d.Fields)
	if !ok {
		return false, nil
	}
	v, err := settings.Compile(mf.SettingsSchema)
	if err != nil {
		return false, fmt.Errorf("plugin %s's settings schema: %w", id, err)
	}
	raw, _ := json.Marshal(values)
	if err := v.Validate(raw); err != nil {
		for _, p := range settings.Problems(err) {
			placed := false
			for i := range d.Fields {
				if d.Fields[i].Name == topField(p.Path) && p.Path != "" {
					d.Fields[i].Error = strings.TrimSpace(strings.TrimPrefix(p.Path, d.Fields[i].Name) + " " + p.Message)
					placed = true
				}
			}
			if !placed {
				d.FormError = strings.TrimSpace(d.FormError + " " + p.String())
			}
		}
		return false, nil
	}
	return true, u.updateConfig(config.Change{Key: []string{"plugins", id, "settings"}, Value: values})
}

func (u *ui) settingsSubmit(c *gin.Context) {
	id := c.Param("id")
	d, ok := u.pluginData(id)
	if !ok {
		u.fail(c, false, http.StatusNotFound, "not_found", "no such plugin")
		return
	}
	saved, err := u.saveSettings(c, id, &d)
	if err != nil && !errors.Is(err, errNoSchema) {
		u.log.Error("web: save plugin settings", "plugin", id, "error", err)
	}
	if saved && err == nil {
		u.audit(c, "plugin.settings", id, "ok", "")
		c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/plugins/"+id+"?saved=1")
		return
	}
	pg := u.page(c, "plug.title", "plugins")
	pg.Title = id
	if err != nil {
		pg.Warnings = append(pg.Warnings, pg.T("err.failed", "Error", err.Error()))
	} else {
		pg.Warnings = append(pg.Warnings, pg.T("plug.invalid"))
	}
	pg.Data = d
	u.render(c, http.StatusBadRequest, "plugin.html", pg)
}
