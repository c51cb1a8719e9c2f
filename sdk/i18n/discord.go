package i18n

import (
	"slices"
	"strings"
)

// DiscordLocales returns the locales Discord knows, as it writes them
// ("de", "en-US", "pt-BR"): the keys it accepts in name and description
// localizations and the values of an interaction's locale.
func DiscordLocales() []string {
	return []string{
		"id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no", "pl",
		"pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN", "ja", "zh-TW", "ko",
	}
}

// Localizations returns message id in every language of the catalog but
// English, keyed by Discord locale, for Command.NameLocalizations,
// DescriptionLocalizations and the like (English is the command's own
// name or description). A catalog language Discord writes with a region
// fills every such locale the catalog has no file for: "es" gives "es-ES"
// and "es-419". Languages Discord does not know are left out.
func (c *Catalog) Localizations(id string, args ...any) map[string]string {
	out := map[string]string{}
	locales := DiscordLocales()
	for _, lang := range c.langs {
		if lang == English {
			continue
		}
		if _, ok := c.msgs[lang][id]; !ok {
			continue
		}
		text := c.Lang(lang).T(id, args...)
		if slices.Contains(locales, lang) {
			out[lang] = text
			continue
		}
		for _, loc := range locales {
			if strings.HasPrefix(loc, lang+"-") {
				if _, own := c.byKey[strings.ToLower(loc)]; !own {
					out[loc] = text
				}
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
