package discord

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/policy"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

func TestRewriteTransport(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Host+r.URL.Path)
	}))
	defer srv.Close()
	tests := []struct {
		name, base, url, want string
	}{
		{"discord.com rewritten", srv.URL, "https://discord.com/api/v9/gateway", "/api/v9/gateway"},
		{"base path kept", srv.URL + "/proxy/", "https://discord.com/api/v9/users/@me", "/proxy/api/v9/users/@me"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = nil
			rt, err := newRewriteTransport(tt.base, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := (&http.Client{Transport: rt}).Get(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := srv.Listener.Addr().String() + tt.want
			if len(got) != 1 || got[0] != want {
				t.Errorf("GET %s via %s reached %v, want %s", tt.url, tt.base, got, want)
			}
		})
	}
	if _, err := newRewriteTransport("ftp://x", nil); err == nil {
		t.Error("newRewriteTransport(ftp://x) = nil error, want one")
	}
}

func TestDesiredCommands(t *testing.T) {
	mfs := map[string]grpcplugin.Manifest{
		"b": {Info: sdk.Info{Commands: []sdk.Command{{Name: "zeta", Description: "Z", Level: sdk.LevelAdmin,
			NameLocalizations: map[string]string{"en": "zeta", "de": "zeta", "klingon": "x"}}}}},
		"a": {Info: sdk.Info{Commands: []sdk.Command{{Name: "alpha", Description: "A", Options: []sdk.Option{
			{Name: "n", Description: "N", Type: sdk.OptionInteger, Choices: []sdk.Choice{{Name: "one", Value: "1"}}},
		}}}}},
	}
	got := desiredCommands(mfs)
	perm := adminPermissions
	want := []commandJSON{
		{Type: 1, Name: "alpha", Description: "A", Options: []optionDefJSON{{Type: 4, Name: "n", Description: "N", Choices: []choiceJSON{{Name: "one", Value: int64(1)}}}}},
		{Type: 1, Name: "zeta", Description: "Z", NameLocalizations: map[string]string{"en-US": "zeta", "en-GB": "zeta", "de": "zeta"}, DefaultMemberPermissions: &perm},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("desiredCommands mismatch (-want +got):\n%s", diff)
	}
	// What Discord gives back (ids, versions, explicit type) compares equal.
	have := []commandJSON{want[1], want[0]}
	have[0].Type = 0
	if string(normalize(have)) != string(normalize(got)) {
		t.Errorf("normalize differs:\n%s\n%s", normalize(have), normalize(got))
	}
}

func TestTextsFor(t *testing.T) {
	tests := []struct{ locale, deflt, prefix string }{
		{"de", "en", "Entschuldigung"}, {"fr", "en", "Désolé"}, {"en-US", "en", "Sorry"}, {"ja", "en", "Sorry"}, {"", "en", "Sorry"},
		// The configured default language answers users without a translation.
		{"ja", "de", "Entschuldigung"}, {"pt-BR", "fr", "Désolé"}, {"en-GB", "de", "Sorry"}, {"ja", "", "Sorry"},
	}
	for _, tt := range tests {
		if got := translator(tt.locale, tt.deflt).T("apology"); !strings.HasPrefix(got, tt.prefix) {
			t.Errorf("translator(%q, default %q).T(apology) = %q, want prefix %q", tt.locale, tt.deflt, got, tt.prefix)
		}
	}
}

func TestCatalogComplete(t *testing.T) {
	if err := catalog().Check(); err != nil {
		t.Errorf("the host's catalog has gaps:\n%v", err)
	}
	// The config accepts exactly the languages the host speaks.
	want := slices.Sorted(slices.Values(config.Languages))
	if diff := cmp.Diff(want, catalog().Languages()); diff != "" {
		t.Errorf("config.Languages and the host's catalog differ (-config +catalog):\n%s", diff)
	}
}

func TestRefusalText(t *testing.T) {
	pol := policy.New(policy.Config{StatusChannels: []string{"11"}, ControlChannels: []string{"12"}, OperatorRoles: []string{"13"}})
	status := pol.Check(policy.Who{GuildID: "1", ChannelID: "11", UserID: "2", RoleIDs: []string{"13"}}, sdk.LevelControl, "/container restart")
	norole := pol.Check(policy.Who{GuildID: "1", ChannelID: "12", UserID: "2"}, sdk.LevelControl, "/container restart")
	tests := []struct {
		name   string
		locale string
		err    error
		want   []string
	}{
		{"en status", "en-US", status, []string{"status channel", "<#12>"}},
		{"de status", "de", status, []string{"Status-Kanal", "Steuern", "<#12>"}},
		{"fr status", "fr", status, []string{"salon d'état", "contrôle", "<#12>"}},
		{"de role", "de", norole, []string{"du hast Ansehen", "<@&13>"}},
		{"fr role", "fr", norole, []string{"vous avez lecture", "<@&13>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r *policy.Refusal
			if !errors.As(tt.err, &r) {
				t.Fatalf("Check = %v, want a refusal", tt.err)
			}
			got := refusalText(translator(tt.locale, "en"), r)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("refusalText(%s) = %q, want it to contain %q", tt.locale, got, w)
				}
			}
		})
	}
	lim := &policy.Limited{RetryIn: 1500 * time.Millisecond}
	if got := limitedText(translator("de", "en"), lim); got != "Nicht so schnell: versuche es in 2 s wieder." {
		t.Errorf("limitedText(de) = %q", got)
	}
	for _, l := range []*policy.Limited{lim, {RetryIn: 3 * time.Second, Cap: true}} {
		if got := limitedText(translator("en-US", "en"), l); got != l.Error() {
			t.Errorf("limitedText(en-US) = %q, want the throttle's own %q", got, l.Error())
		}
	}
	// A Japanese user on a German host is refused in German.
	var r *policy.Refusal
	if !errors.As(status, &r) {
		t.Fatal("no refusal")
	}
	if got := refusalText(translator("ja", "de"), r); !strings.Contains(got, "Status-Kanal") {
		t.Errorf("refusalText(ja, default de) = %q, want German", got)
	}
	if got := refusalText(translator("ja", "en"), r); got != r.Reason {
		t.Errorf("refusalText(ja, default en) = %q, want the policy's reason %q", got, r.Reason)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven chars", 10, "eleven ch…"},
		{"ééééééééééé", 10, "ééééééééé…"}, // runes, not bytes: no broken UTF-8
		{"", 5, ""},
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.max); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
