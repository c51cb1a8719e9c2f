// Command testplugin is a DDC plugin for the Discord end-to-end tests: its
// /fault command sleeps, crashes, posts a panel with a control button,
// floods Host.Edit and Host.Send, or attacks like a hostile third-party
// plugin (forged users on Host.Invoke, another plugin's buttons), as the
// "do" option asks.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

type plugin struct {
	host             sdk.Host
	background       sync.WaitGroup // send1's message
	backgroundFailed atomic.Int64
}

func (p *plugin) Info() sdk.Info {
	return sdk.Info{
		ID: "testplugin", Name: "Test plugin", Version: "1.0.0", ComponentPrefix: "tp",
		Calls:      []string{"containers.*"},
		Components: []sdk.ComponentKind{{Kind: "poke", Level: sdk.LevelControl}, {Kind: "look", Level: sdk.LevelView}},
		Commands: []sdk.Command{
			{Name: "fault", Description: "Misbehave on request", Level: sdk.LevelView, Options: []sdk.Option{
				{Name: "do", Description: "What to do", Type: sdk.OptionString, Required: true},
				{Name: "channel", Description: "Second channel", Type: sdk.OptionString},
			}},
			{Name: "poke", Description: "Change something", Level: sdk.LevelControl},
		},
	}
}

// SetHost keeps the host; Serve calls it before anything else.
func (p *plugin) SetHost(h sdk.Host) { p.host = h }

func (p *plugin) HandleCommand(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	if req.Command == "poke" {
		return sdk.Reply("poked"), nil
	}
	switch req.String("do") {
	case "sleep":
		select {
		case <-time.After(5 * time.Second):
			return sdk.Reply("done after 5 s"), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case "crash":
		go func() {
			time.Sleep(200 * time.Millisecond)
			os.Exit(3)
		}()
		select {}
	case "forge-stop-all", "reuse-stop-all", "bare-stop-all", "stop-all":
		return p.stopAll(ctx, req)
	case "bad-delete":
		// An id that would carry a query string into the request URL.
		if err := p.host.Delete(ctx, "123456789012345678?", "1"); err != nil {
			return sdk.Reply("refused: " + err.Error()), nil
		}
		return sdk.Reply("deleted"), nil
	case "foreign-button":
		// Another plugin's button: whoever clicked it would restart a
		// container through the containers plugin with their own rights.
		_, err := p.host.Send(ctx, req.ChannelID, sdk.Message{Content: "click me", Components: []sdk.ActionRow{
			sdk.Row(sdk.Button("containers:restart:web", "Restart", sdk.ButtonDanger)),
		}})
		if err != nil {
			return sdk.Reply("refused: " + err.Error()), nil
		}
		return sdk.Reply("posted"), nil
	case "panel":
		return &sdk.Response{Message: sdk.Message{Content: "panel", Components: []sdk.ActionRow{
			sdk.Row(sdk.Button("tp:poke:1", "Poke", sdk.ButtonDanger), sdk.Button("tp:look:1", "Look", sdk.ButtonSecondary)),
		}}}, nil
	case "edits":
		// 200 edits of one message within 2 s, each from its own goroutine
		// as a busy panel would. Goroutines have no order among themselves,
		// so the last one, whose content the test expects to stay, is made
		// once the others have returned.
		id, err := p.host.Send(ctx, req.ChannelID, sdk.Message{Content: "edit 0"})
		if err != nil {
			return nil, err
		}
		var wg sync.WaitGroup
		var failed atomic.Int64
		for i := 1; i < 200; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := p.host.Edit(ctx, req.ChannelID, id, sdk.Message{Content: "edit " + strconv.Itoa(i)}); err != nil {
					failed.Add(1)
				}
			}()
			time.Sleep(10 * time.Millisecond)
		}
		wg.Wait()
		if err := p.host.Edit(ctx, req.ChannelID, id, sdk.Message{Content: "edit 200"}); err != nil {
			failed.Add(1)
		}
		return sdk.Reply(fmt.Sprintf("edited %s, %d failed", id, failed.Load())), nil
	case "send1":
		// "message 0" in the background, so that the test can wait until
		// the host has seen the global 429 it gets before asking for
		// send3; the answer comes at once.
		p.background.Add(1)
		go func() {
			defer p.background.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := p.host.Send(ctx, req.ChannelID, sdk.Message{Content: "message 0"}); err != nil {
				p.backgroundFailed.Add(1)
			}
		}()
		return sdk.Reply("sending"), nil
	case "send3":
		// Messages 1 to 3, to the second channel and this one, at once;
		// the answer counts the failures of these and of send1's.
		var wg sync.WaitGroup
		var failed atomic.Int64
		for i, ch := range []string{req.String("channel"), req.ChannelID, req.String("channel")} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := p.host.Send(ctx, ch, sdk.Message{Content: "message " + strconv.Itoa(i+1)}); err != nil {
					failed.Add(1)
				}
			}()
		}
		wg.Wait()
		p.background.Wait()
		return sdk.Reply(fmt.Sprintf("sent, %d failed", failed.Load()+p.backgroundFailed.Load())), nil
	}
	return sdk.Reply("ok from testplugin"), nil
}

// stopAll calls containers.stop_all as a hostile plugin would: with a made-up
// admin interaction (forge), with the real interaction but a raised level
// and another user (reuse), with none at all (bare), or honestly with the
// interaction it is handling (stop-all). The answer is the outcome.
func (p *plugin) stopAll(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	admin := sdk.User{ID: "920000000000000099", Name: "forged admin"}
	switch req.String("do") {
	case "forge-stop-all":
		ctx = grpcplugin.WithInteraction(ctx, sdk.Interaction{
			ID: "920000000000000098", GuildID: req.GuildID, ChannelID: req.ChannelID, User: admin, Level: sdk.LevelAdmin,
		})
	case "reuse-stop-all":
		in := req.Interaction
		in.User, in.Level = admin, sdk.LevelAdmin
		ctx = grpcplugin.WithInteraction(ctx, in)
	case "bare-stop-all":
		c, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		ctx = c
	}
	var out struct {
		Results []struct {
			Container string `json:"container"`
			OK        bool   `json:"ok"`
		} `json:"results"`
	}
	if err := p.host.Invoke(ctx, "containers.stop_all", map[string]any{}, &out); err != nil {
		msg, _ := sdk.UserMessage(err)
		return sdk.Reply("refused: " + msg + " | " + err.Error()), nil
	}
	return sdk.Reply(fmt.Sprintf("stopped %d", len(out.Results))), nil
}

func (p *plugin) HandleComponent(_ context.Context, req *sdk.ComponentRequest) (*sdk.Response, error) {
	return sdk.Ephemeral("clicked " + req.CustomID), nil
}

func main() {
	if err := sdk.Serve(&plugin{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
