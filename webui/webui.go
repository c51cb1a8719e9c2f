// Package webui holds the web UI's templates, styles and scripts, embedded
// in the binary: the UI needs no CDN and no files beside the binary.
//
// It must never import anything of DDC: it is files, and the web handlers
// import it.
package webui

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
)

//go:embed templates/*.html static locales
var files embed.FS

// Static returns the UI's static files (styles, scripts, images), served
// under /static/.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // "static" is a valid path; fs.Sub fails only on invalid ones
	}
	return sub
}

// Locales returns the UI's message catalogs, one file per language
// (en.yaml, de.yaml, fr.yaml), for sdk/i18n.Load(Locales(), ".").
func Locales() fs.FS {
	sub, err := fs.Sub(files, "locales")
	if err != nil {
		panic(err) // "locales" is a valid path
	}
	return sub
}

// Templates parses every page template; each is named by its file name
// ("start.html").
func Templates() (*template.Template, error) {
	t, err := template.ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("webui: parse templates: %w", err)
	}
	return t, nil
}

// MustTemplates is Templates for package initialisation: the templates are
// compiled in, so an error is a build defect.
func MustTemplates() *template.Template {
	t, err := Templates()
	if err != nil {
		panic(err)
	}
	return t
}
