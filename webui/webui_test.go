package webui_test

import (
	"testing"

	"github.com/ddc-go/ddc/sdk/i18n"
	"github.com/ddc-go/ddc/webui"
)

// TestCatalog: de and fr have every message of en, with the same values.
func TestCatalog(t *testing.T) {
	c, err := i18n.Load(webui.Locales(), ".")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Languages(); len(got) != 3 {
		t.Errorf("languages %v, want de en fr", got)
	}
	if err := c.Check(); err != nil {
		t.Error(err)
	}
}

func TestTemplatesParse(t *testing.T) {
	if _, err := webui.Templates(); err != nil {
		t.Fatal(err)
	}
}
