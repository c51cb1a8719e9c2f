package i18n_test

import (
	"fmt"
	"testing/fstest"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// A plugin's catalog is one file per language (embedded with go:embed in a
// real plugin); a handler answers in the user's language.
func ExampleCatalog_For() {
	catalog := i18n.MustLoad(fstest.MapFS{
		"locales/en.yaml": {Data: []byte("restarted:\n  one: \"{{.Name}} restarted\"\n  other: \"{{.Count}} containers restarted\"\n")},
		"locales/de.yaml": {Data: []byte("restarted:\n  one: \"{{.Name}} neu gestartet\"\n  other: \"{{.Count}} Container neu gestartet\"\n")},
		"locales/fr.yaml": {Data: []byte("restarted:\n  one: \"{{.Name}} redémarré\"\n  other: \"{{.Count}} conteneurs redémarrés\"\n")},
	}, "locales")

	for _, in := range []sdk.Interaction{
		{Locale: "de", DefaultLocale: "en"},
		{Locale: "fr", DefaultLocale: "en"},
		{Locale: "ja", DefaultLocale: "de"}, // no Japanese: the host's default
	} {
		tr := catalog.For(in)
		fmt.Println(tr.Lang(), "|", tr.T("restarted", "Count", 1, "Name", "plex"), "|", tr.T("restarted", "Count", 3))
	}
	// Output:
	// de | plex neu gestartet | 3 Container neu gestartet
	// fr | plex redémarré | 3 conteneurs redémarrés
	// de | plex neu gestartet | 3 Container neu gestartet
}
