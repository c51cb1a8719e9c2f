package sdk

import "context"

type defaultLocaleKey struct{}

// WithDefaultLocale returns a context carrying the host's configured
// default language ("en", "de", "fr"). The host passes it to Configure;
// the SDK puts the latest one into every handler's context.
func WithDefaultLocale(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, defaultLocaleKey{}, lang)
}

// DefaultLocale returns the host's configured default language that ctx
// carries, or "". In Configure and in every handler it is the host's
// current setting: keep it from Configure for messages the plugin posts on
// its own (Configure is called again when it changes). Replies to an
// interaction use Interaction.Locale first and Interaction.DefaultLocale as
// the fallback; package sdk/i18n does both.
func DefaultLocale(ctx context.Context) string {
	l, _ := ctx.Value(defaultLocaleKey{}).(string)
	return l
}
