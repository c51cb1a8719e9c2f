package i18n_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/i18n"
)

func good(t *testing.T) *i18n.Catalog {
	t.Helper()
	c, err := i18n.Load(os.DirFS("testdata"), "good")
	if err != nil {
		t.Fatalf("Load(testdata/good) error = %v", err)
	}
	return c
}

func TestLoad(t *testing.T) {
	c := good(t)
	if diff := cmp.Diff([]string{"de", "en", "fr", "pt-BR"}, c.Languages()); diff != "" {
		t.Errorf("Languages() mismatch (-want +got):\n%s", diff)
	}
	if err := c.Check(); err != nil {
		t.Errorf("Check() of a complete catalog = %v", err)
	}
}

func TestFor(t *testing.T) {
	c := good(t)
	tests := []struct {
		name           string
		locale, deflt  string
		wantLang, want string
	}{
		{"german user", "de", "en", "de", "Hallo Ana"},
		{"french user", "fr", "de", "fr", "Bonjour Ana"},
		{"american user", "en-US", "de", "en", "Hello Ana"},
		{"british user", "en-GB", "fr", "en", "Hello Ana"},
		{"brazilian user", "pt-BR", "de", "pt-BR", "Olá Ana"},
		{"unsupported locale takes the default language", "ja", "de", "de", "Hallo Ana"},
		{"unsupported locale and default take English", "ja", "ko", "en", "Hello Ana"},
		{"no locale at all", "", "", "en", "Hello Ana"},
		{"default written as a locale", "es-ES", "fr-FR", "fr", "Bonjour Ana"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := c.For(sdk.Interaction{Locale: tt.locale, DefaultLocale: tt.deflt})
			if got := tr.Lang(); got != tt.wantLang {
				t.Errorf("For(%s, default %s).Lang() = %q, want %q", tt.locale, tt.deflt, got, tt.wantLang)
			}
			if got := tr.T("hello", "Name", "Ana"); got != tt.want {
				t.Errorf("For(%s, default %s).T(hello) = %q, want %q", tt.locale, tt.deflt, got, tt.want)
			}
		})
	}
}

func TestPlural(t *testing.T) {
	c := good(t)
	tests := []struct {
		lang  string
		count any
		want  string
	}{
		{"en", 1, "1 container restarted"},
		{"en", 0, "0 containers restarted"},
		{"en", 2, "2 containers restarted"},
		{"en", "1.5", "1.5 containers restarted"},
		{"de", 1, "1 Container neu gestartet"},
		{"fr", 0, "0 conteneur redémarré"}, // French: 0 and 1 are singular
		{"fr", 1, "1 conteneur redémarré"},
		{"fr", "1.5", "1.5 conteneur redémarré"},
		{"fr", 2, "2 conteneurs redémarrés"},
		{"pt-BR", 1, "1 contêiner reiniciado"},
		{"pt-BR", 5, "5 contêineres reiniciados"},
	}
	for _, tt := range tests {
		if got := c.Lang(tt.lang).T("restarted", "Count", tt.count); got != tt.want {
			t.Errorf("Lang(%s).T(restarted, Count %v) = %q, want %q", tt.lang, tt.count, got, tt.want)
		}
	}
}

func TestFallbackForAMissingMessage(t *testing.T) {
	c, err := i18n.Load(fstest.MapFS{
		"l/en.yaml": {Data: []byte("a: A\nb: B\nc: C\n")},
		"l/de.yaml": {Data: []byte("a: A-de\n")},
		"l/fr.yaml": {Data: []byte("a: A-fr\nb: B-fr\n")},
	}, "l")
	if err != nil {
		t.Fatal(err)
	}
	tr := c.For(sdk.Interaction{Locale: "de", DefaultLocale: "fr"})
	for id, want := range map[string]string{"a": "A-de", "b": "B-fr", "c": "C", "nope": "nope"} {
		if got := tr.T(id); got != want {
			t.Errorf("T(%s) for a German user on a French host = %q, want %q", id, got, want)
		}
	}
	if err := c.Check(); err == nil || !strings.Contains(err.Error(), `de: message "b" is missing`) {
		t.Errorf("Check() = %v, want it to name the message German lacks", err)
	}
}

func TestContext(t *testing.T) {
	c := good(t)
	ctx := sdk.WithDefaultLocale(context.Background(), "fr")
	if got := c.Context(ctx).Lang(); got != "fr" {
		t.Errorf("Context(no interaction, default fr).Lang() = %q, want fr", got)
	}
	ctx = grpcplugin.WithInteraction(ctx, sdk.Interaction{Locale: "de"})
	if got := c.Context(ctx).Lang(); got != "de" {
		t.Errorf("Context(German interaction).Lang() = %q, want de", got)
	}
	ctx = grpcplugin.WithInteraction(ctx, sdk.Interaction{Locale: "ja"})
	if got := c.Context(ctx).Lang(); got != "fr" {
		t.Errorf("Context(Japanese interaction, default fr).Lang() = %q, want fr", got)
	}
	if got := c.Context(context.Background()).Lang(); got != "en" {
		t.Errorf("Context(empty).Lang() = %q, want en", got)
	}
}

func TestArgs(t *testing.T) {
	c, err := i18n.Load(fstest.MapFS{"l/en.yaml": {Data: []byte(`x: "{{.A}}-{{.B}}"` + "\n")}}, "l")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []any
		want string
	}{
		{[]any{"A", 1, "B", "two"}, "1-two"},
		{[]any{"A", 1, "B"}, "1-!MISSING"},
		{nil, "<no value>-<no value>"},
	}
	for _, tt := range tests {
		if got := c.Lang("en").T("x", tt.args...); got != tt.want {
			t.Errorf("T(x, %v) = %q, want %q", tt.args, got, tt.want)
		}
	}
}

func TestCheckFindsMistakes(t *testing.T) {
	c, err := i18n.Load(fstest.MapFS{
		"l/en.yaml": {Data: []byte(`
n:
  one: "{{.Count}} file"
  other: "{{.Count}} files"
greet: "Hi {{.Name}}"
only_en: "x"
broken: "ok"
`)},
		"l/de.yaml": {Data: []byte(`
n:
  other: "{{.Count}} Dateien"
greet: "Hallo {{.Nmae}}"
only_en: "x"
broken: "{{.Name"
`)},
		"l/fr.yaml": {Data: []byte(`
n:
  one: "{{.Count}} fichier"
  other: "{{.Count}} fichiers"
greet: "Salut {{.Name}}"
extra: "de trop"
broken: "ok"
`)},
	}, "l")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Check()
	if err == nil {
		t.Fatal("Check() = nil, want the mistakes")
	}
	for _, want := range []string{
		`de: message "n" with Count 1`,             // German needs "one"
		`de: message "greet" uses {{.Nmae}}`,       // a typo in a translation
		`de: message "broken": template "{{.Name"`, // does not parse
		`fr: message "only_en" is missing`,         // French lacks a message
		`en: message "extra" is missing`,           // a message only French has
		`de: message "extra" is missing`,           //
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check() = %v\nwant it to report %q", err, want)
		}
	}
	if strings.Contains(err.Error(), `fr: message "n"`) {
		t.Errorf("Check() reports French plurals, which are complete: %v", err)
	}
}

func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name string
		fs   fstest.MapFS
		want string
	}{
		{"no English", fstest.MapFS{"l/de.yaml": {Data: []byte("a: b\n")}}, "has no en file"},
		{"bad file name", fstest.MapFS{"l/en.yaml": {Data: []byte("a: b\n")}, "l/german.yaml": {Data: []byte("a: b\n")}}, "name the file by its language tag"},
		{"two files for one language", fstest.MapFS{"l/en.yaml": {Data: []byte("a: b\n")}, "l/en.json": {Data: []byte(`{"a": "b"}`)}}, "a second file for language en"},
		{"not YAML", fstest.MapFS{"l/en.yaml": {Data: []byte("a: [\n")}}, "l/en.yaml"},
		{"no directory", fstest.MapFS{}, "read catalog l"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := i18n.Load(tt.fs, "l"); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLocalizations(t *testing.T) {
	c, err := i18n.Load(fstest.MapFS{
		"l/en.yaml":     {Data: []byte("d: Repeat\nonly_en: x\n")},
		"l/de.yaml":     {Data: []byte("d: Wiederholen\n")},
		"l/es.yaml":     {Data: []byte("d: Repetir\n")},
		"l/es-419.yaml": {Data: []byte("d: Repetir (LatAm)\n")},
		"l/pt-BR.yaml":  {Data: []byte("d: Repetir (BR)\n")},
		"l/eo.yaml":     {Data: []byte("d: Ripeti\n")},
	}, "l")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"de": "Wiederholen", "es-ES": "Repetir", "es-419": "Repetir (LatAm)", "pt-BR": "Repetir (BR)"}
	if diff := cmp.Diff(want, c.Localizations("d")); diff != "" {
		t.Errorf("Localizations(d) mismatch (-want +got):\n%s", diff)
	}
	if got := c.Localizations("only_en"); got != nil {
		t.Errorf("Localizations of an English-only message = %v, want nil", got)
	}
}
