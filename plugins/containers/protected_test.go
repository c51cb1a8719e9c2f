package containers_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ddc-go/ddc/internal/testkit/dockertest"
	"github.com/ddc-go/ddc/plugins/containers"
	"github.com/ddc-go/ddc/plugins/containers/api"
	"github.com/ddc-go/ddc/sdk"
)

// TestProtectedInfo: the protected_info action returns a container's
// protected info for the right password only, to a viewer too; a wrong
// password, a container without protected info and an overlong password
// are refused with the same kind of error and no info; after
// MaxPasswordTries wrong passwords a user is refused even the right one
// for the rest of the window, other users are not; the password never
// reaches the log.
func TestProtectedInfo(t *testing.T) {
	e := dockertest.Connect(t)
	a := e.Create(t, dockertest.Options{Name: "ddc-pinfo-a"})
	b := e.Create(t, dockertest.Options{Name: "ddc-pinfo-b"})
	const secret, password = "the key is 42", "open sesame"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	h, rec := startLogged(t, containers.Settings{
		Endpoints: []containers.EndpointSettings{endpoint(e, "local")},
		Containers: map[string]containers.ContainerSettings{
			a.Name: {ProtectedInfo: secret, ProtectedPasswordHash: string(hash)},
		},
	}, nil)
	waitHealthy(t, h, 10*time.Second)
	l := waitList(t, h, 5*time.Second, "both listed", func(l api.ListResult) bool {
		_, okA := find(l, a.Name)
		_, okB := find(l, b.Name)
		return okA && okB
	})
	if ca, _ := find(l, a.Name); !ca.HasProtectedInfo {
		t.Errorf("%s listed without HasProtectedInfo", a.Name)
	}
	as := func(user string, args api.Args) (api.ProtectedInfoResult, error) {
		raw, _ := json.Marshal(args)
		in := &sdk.Interaction{ID: "1", User: sdk.User{ID: user, Name: user}, GuildID: "7", ChannelID: "8", Level: sdk.LevelView}
		out, err := h.Client.Invoke(context.Background(), &sdk.InvokeRequest{Action: api.ActionProtectedInfo, Args: raw, Caller: "panels", Interaction: in})
		var res api.ProtectedInfoResult
		if err == nil {
			err = json.Unmarshal(out, &res)
		}
		return res, err
	}

	tests := []struct {
		name string
		args api.Args
		want error // nil: the info
	}{
		{"right password", api.Args{Container: a.Name, Password: password}, nil},
		{"wrong password", api.Args{Container: a.Name, Password: "open sesame!"}, sdk.ErrPermission},
		{"empty password", api.Args{Container: a.Name}, sdk.ErrPermission},
		{"no protected info", api.Args{Container: b.Name, Password: password}, sdk.ErrPermission},
		{"overlong password", api.Args{Container: a.Name, Password: strings.Repeat("x", api.MaxPasswordLen+1)}, sdk.ErrInvalid},
		{"unknown container", api.Args{Container: "ddc-pinfo-none", Password: password}, sdk.ErrNotFound},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := as("u"+string(rune('a'+i)), tt.args)
			if tt.want == nil {
				if err != nil || res.Text != secret || res.Container != a.Name || res.DisplayName != a.Name {
					t.Errorf("protected_info(%+v) = %+v, %v; want the protected info", tt.args, res, err)
				}
				return
			}
			if !isUser(err, tt.want) || res.Text != "" {
				t.Errorf("protected_info(%+v) = %+v, %v; want %v and no info", tt.args, res, err, tt.want)
			}
		})
	}

	t.Run("too many wrong passwords", func(t *testing.T) {
		for i := range api.MaxPasswordTries {
			if _, err := as("guesser", api.Args{Container: a.Name, Password: "guess" + string(rune('0'+i))}); !isUser(err, sdk.ErrPermission) {
				t.Fatalf("wrong password %d = %v, want ErrPermission", i+1, err)
			}
		}
		res, err := as("guesser", api.Args{Container: a.Name, Password: password})
		if msg, _ := sdk.UserMessage(err); !isUser(err, sdk.ErrBusy) || res.Text != "" || !strings.Contains(msg, "try again") {
			t.Errorf("right password after %d wrong ones = %+v, %v; want ErrBusy saying when to try again", api.MaxPasswordTries, res, err)
		}
		if res, err := as("someone-else", api.Args{Container: a.Name, Password: password}); err != nil || res.Text != secret {
			t.Errorf("another user's right password = %+v, %v; want the info", res, err)
		}
	})

	t.Run("/info's password form", func(t *testing.T) {
		submit := func(user, pw string) (*sdk.Response, error) {
			in := sdk.Interaction{ID: "2", User: sdk.User{ID: user, Name: user}, GuildID: "7", ChannelID: "8", Level: sdk.LevelView, Locale: "de"}
			return h.Client.HandleModal(context.Background(), &sdk.ModalRequest{Interaction: in, CustomID: "containers:pwd:" + a.Name, Fields: map[string]string{"password": pw}})
		}
		if resp, err := submit("form-user", password); err != nil || len(resp.Message.Embeds) != 1 || resp.Message.Embeds[0].Description != secret || !resp.Message.Ephemeral {
			t.Errorf("the right password in /info's form = %+v, %v; want the info, ephemeral", resp, err)
		}
		// A refusal reaches the user as an ephemeral message.
		refused := func(resp *sdk.Response, err error, want string) bool {
			return err == nil && resp != nil && resp.Message.Ephemeral && len(resp.Message.Embeds) == 0 && strings.Contains(resp.Message.Content, want)
		}
		if resp, err := submit("form-user", "nope"); !refused(resp, err, "Falsches Passwort") {
			t.Errorf("a wrong password in /info's form = %+v, %v; want the German refusal", resp, err)
		}
		// The form and the action count the same user's wrong passwords.
		for range api.MaxPasswordTries - 1 {
			if _, err := as("form-user", api.Args{Container: a.Name, Password: "nope"}); !isUser(err, sdk.ErrPermission) {
				t.Fatalf("wrong password = %v, want ErrPermission", err)
			}
		}
		if resp, err := submit("form-user", password); !refused(resp, err, "zu viele falsche Passwörter") {
			t.Errorf("the right password in /info's form after %d wrong ones = %+v, %v; want a wait", api.MaxPasswordTries, resp, err)
		}
	})

	t.Run("plugin without a user", func(t *testing.T) {
		res, err := api.ProtectedInfo(context.Background(), invoker{h: h, level: sdk.LevelView}, a.Name, password)
		if err != nil || res.Text != secret {
			t.Errorf("api.ProtectedInfo by a plugin = %+v, %v; want the info", res, err)
		}
	})

	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, r := range *rec.recs {
		line := r.Message
		r.Attrs(func(at slog.Attr) bool { line += " " + at.String(); return true })
		for _, pw := range []string{password, "open sesame!", "guess0"} {
			if strings.Contains(line, pw) {
				t.Errorf("the log holds a password: %s", line)
			}
		}
	}
}
