package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/ddc-go/ddc/sdk"
)

type uptime struct {
	host  sdk.Host
	start time.Time
}

func (u *uptime) Info() sdk.Info {
	return sdk.Info{
		ID: "uptime", Name: "Uptime", Version: "1.0.0",
		Description: "Tells how long the plugin has been running.",
		Commands: []sdk.Command{{
			Name: "uptime", Description: "How long have you been up?", Level: sdk.LevelView,
		}},
	}
}

// SetHost keeps the host; Serve calls it before anything else.
func (u *uptime) SetHost(host sdk.Host) { u.host, u.start = host, time.Now() }

func (u *uptime) HandleCommand(ctx context.Context, req *sdk.CommandRequest) (*sdk.Response, error) {
	n := 0
	if raw, ok, err := u.host.KV().Get(ctx, "asked"); err != nil {
		return nil, fmt.Errorf("read counter: %w", err)
	} else if ok {
		n, _ = strconv.Atoi(string(raw))
	}
	n++
	if err := u.host.KV().Put(ctx, "asked", []byte(strconv.Itoa(n))); err != nil {
		return nil, fmt.Errorf("save counter: %w", err)
	}
	up := time.Since(u.start).Round(time.Second)
	return sdk.Ephemeral(fmt.Sprintf("Up for %s, %s; asked %d times.", up, req.User.Name, n)), nil
}

func main() {
	if err := sdk.Serve(&uptime{}); err != nil {
		fmt.Fprintln(os.Stderr, "uptime:", err)
		os.Exit(1)
	}
}
