// Package i18n gives DDC plugins, and the host itself, their texts in the
// user's language: one catalog per plugin, plural forms by the CLDR rules
// of each language, the interaction's Discord locale first, then the host's
// configured default language, then English.
//
// A catalog is a directory of files, one per language, named by language
// tag: en.yaml, de.yaml, fr.yaml, pt-BR.yaml (.json works too). English is
// required: it is the last fallback. A message is a text/template; a
// message with plural forms lists them (zero, one, two, few, many, other)
// and is chosen by the value of "Count":
//
//	# en.yaml
//	said: "{{.Prefix}} {{.Text}}"
//	again: Again
//	times:
//	  description: how often /echo was used (a note for translators)
//	  one: "said once"
//	  other: "said {{.Count}} times"
//
// Embed the directory and load it once:
//
//	//go:embed locales
//	var locales embed.FS
//
//	var catalog = i18n.MustLoad(locales, "locales")
//
//	tr := catalog.For(req.Interaction)          // in a handler
//	tr.T("times", "Count", n)                    // "said 3 times", "3-mal gesagt"
//	tr := catalog.Lang(sdk.DefaultLocale(ctx))   // messages the plugin posts on its own
//
// Check, called from a test, finds what a translator missed: a message
// missing in a language, a plural form a language needs, a template that
// does not parse or names a value the English text does not have.
//
// Messages are formatted with github.com/nicksnyder/go-i18n/v2, which
// carries the CLDR plural rules of every language.
//
// It must never import host/, config or plugins/.
package i18n

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"

	"github.com/ddc-go/ddc/sdk"
)

// English is the language every catalog has: the last fallback.
const English = "en"

// Catalog is the texts of one plugin (or of the host) in every language it
// has. Create it with Load; it is immutable and safe for concurrent use.
type Catalog struct {
	bundle *goi18n.Bundle
	langs  []string                              // language tags as in file names, sorted
	byKey  map[string]string                     // lower-case tag → tag
	msgs   map[string]map[string]*goi18n.Message // tag → id → message
	loc    map[string]*goi18n.Localizer
}

// Load reads a catalog from the files in dir of fsys (an embed.FS, or
// os.DirFS in tests): one <language>.yaml, .yml or .json per language, and
// en among them. Other files are ignored. An error names the file and what
// is wrong with it.
func Load(fsys fs.FS, dir string) (*Catalog, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("i18n: read catalog %s: %w", dir, err)
	}
	c := &Catalog{
		bundle: goi18n.NewBundle(language.English),
		byKey:  map[string]string{},
		msgs:   map[string]map[string]*goi18n.Message{},
		loc:    map[string]*goi18n.Localizer{},
	}
	unmarshal := map[string]goi18n.UnmarshalFunc{"yaml": yaml.Unmarshal, "yml": yaml.Unmarshal}
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		file := path.Join(dir, e.Name())
		name := strings.TrimSuffix(e.Name(), ext)
		tag, err := language.Parse(name)
		if err != nil || strings.Contains(name, ".") {
			return nil, fmt.Errorf("i18n: %s: name the file by its language tag, like de%s or pt-BR%s", file, ext, ext)
		}
		lang := tag.String()
		if prev, dup := c.byKey[strings.ToLower(lang)]; dup {
			return nil, fmt.Errorf("i18n: %s: a second file for language %s", file, prev)
		}
		buf, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", file, err)
		}
		mf, err := goi18n.ParseMessageFileBytes(buf, lang+ext, unmarshal)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", file, err)
		}
		msgs := map[string]*goi18n.Message{}
		for _, m := range mf.Messages {
			msgs[m.ID] = m
		}
		if err := c.bundle.AddMessages(tag, mf.Messages...); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", file, err)
		}
		c.langs = append(c.langs, lang)
		c.byKey[strings.ToLower(lang)] = lang
		c.msgs[lang] = msgs
		c.loc[lang] = goi18n.NewLocalizer(c.bundle, lang)
	}
	if _, ok := c.msgs[English]; !ok {
		return nil, fmt.Errorf("i18n: catalog %s has no %s file (en.yaml): English is every catalog's last fallback", dir, English)
	}
	slices.Sort(c.langs)
	return c, nil
}

// MustLoad is Load for a package-level catalog of embedded files: it
// panics when Load fails, which any test of the package finds.
func MustLoad(fsys fs.FS, dir string) *Catalog {
	c, err := Load(fsys, dir)
	if err != nil {
		panic(err)
	}
	return c
}

// Languages returns the catalog's language tags, sorted ("de", "en", "fr").
func (c *Catalog) Languages() []string { return slices.Clone(c.langs) }

// Supported returns the catalog's language for a Discord locale or
// language tag: the exact language ("pt-BR"), else its base language
// ("en-GB" → "en"); ok is false when the catalog has neither.
func (c *Catalog) Supported(locale string) (lang string, ok bool) {
	key := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(locale), "_", "-"))
	if key == "" {
		return "", false
	}
	if l, ok := c.byKey[key]; ok {
		return l, true
	}
	base, _, _ := strings.Cut(key, "-")
	l, ok := c.byKey[base]
	return l, ok
}

// For returns the translator for an interaction: the user's Discord
// locale, else the host's default language (in.DefaultLocale), else
// English.
func (c *Catalog) For(in sdk.Interaction) Translator {
	return c.Lang(in.Locale, in.DefaultLocale)
}

// Context returns the translator for what a handler's context carries: the
// interaction's languages (sdk.InteractionFrom) when there is one, else
// the host's default language (sdk.DefaultLocale), else English. Use it in
// event handlers and actions, which may or may not act for a user.
func (c *Catalog) Context(ctx context.Context) Translator {
	if in, ok := sdk.InteractionFrom(ctx); ok {
		return c.Lang(in.Locale, in.DefaultLocale, sdk.DefaultLocale(ctx))
	}
	return c.Lang(sdk.DefaultLocale(ctx))
}

// Lang returns the translator for the first of locales the catalog has,
// falling back to the later ones for a missing message, and to English
// last. With no locale it is English.
func (c *Catalog) Lang(locales ...string) Translator {
	chain := make([]string, 0, len(locales)+1)
	for _, l := range append(locales, English) {
		if lang, ok := c.Supported(l); ok && !slices.Contains(chain, lang) {
			chain = append(chain, lang)
		}
	}
	return Translator{c: c, chain: chain}
}

// Translator formats a catalog's messages in one language, with fallbacks.
// The zero value is not useful; get one from Catalog.For, Context or Lang.
// It is a small value, safe for concurrent use.
type Translator struct {
	c     *Catalog
	chain []string
}

// Lang returns the language the translator formats in ("de").
func (t Translator) Lang() string {
	if len(t.chain) == 0 {
		return English
	}
	return t.chain[0]
}

// T formats message id. args are name/value pairs for the template, as in
// log/slog: T("said", "Prefix", p, "Text", s). A "Count" value (an
// integer, a float or a decimal string like "1.5") picks the plural form.
// A message missing in the language comes from the next language of the
// chain; a message missing everywhere comes back as its id, so a slip is
// visible but never fatal.
func (t Translator) T(id string, args ...any) string {
	data, count := templateData(args)
	for _, lang := range t.chain {
		if _, ok := t.c.msgs[lang][id]; !ok {
			continue
		}
		s, err := t.c.loc[lang].Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
		if err == nil || s != "" {
			return s
		}
	}
	return id
}

// templateData turns name/value pairs into template data; a name without a
// value gets "!MISSING", a value without a string name "!BADKEY", as slog
// does.
func templateData(args []any) (map[string]any, any) {
	if len(args) == 0 {
		return nil, nil
	}
	data := make(map[string]any, len(args)/2)
	for i := 0; i < len(args); i += 2 {
		name, ok := args[i].(string)
		if !ok {
			data["!BADKEY"] = args[i]
			i--
			continue
		}
		if i+1 >= len(args) {
			data[name] = "!MISSING"
			break
		}
		data[name] = args[i+1]
	}
	return data, data["Count"]
}
