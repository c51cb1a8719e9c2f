package scheduler

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"

	"github.com/ddc-go/ddc/plugins/scheduler/api"
	"github.com/ddc-go/ddc/sdk"
)

// Invoke runs one of the actions in Info.Provides (see package api) for
// the host (REST API, web UI) or another plugin. When a Discord user's
// interaction led to the call, the actions that change tasks need the
// control level.
func (p *Plugin) Invoke(ctx context.Context, req *sdk.InvokeRequest) (json.RawMessage, error) {
	tr := catalog().Context(ctx)
	who := actor{in: req.Interaction, name: req.Caller}
	if req.Caller != "host" {
		who.name = "plugin:" + req.Caller
	}
	if api.Changes(req.Action) && req.Interaction != nil && req.Interaction.Level != 0 && !req.Interaction.Level.Allows(sdk.LevelControl) {
		return nil, &sdk.UserError{Msg: tr.T("err.level"), Err: sdk.ErrPermission}
	}
	var out any
	var err error
	switch req.Action {
	case api.ActionList:
		var a api.ListArgs
		if err = decodeArgs(req, &a); err == nil {
			out, err = p.list(ctx, tr, a.Container)
		}
	case api.ActionGet:
		var a api.IDArgs
		if err = decodeArgs(req, &a); err == nil {
			out, err = p.get(ctx, tr, a.ID)
		}
	case api.ActionCreate:
		var a api.Spec
		if err = decodeArgs(req, &a); err == nil {
			out, err = p.create(ctx, tr, a, who)
		}
	case api.ActionUpdate:
		var a api.UpdateArgs
		if err = decodeArgs(req, &a); err == nil {
			out, err = p.change(ctx, tr, a.ID, a.Spec, who)
		}
	case api.ActionDelete:
		var a api.IDArgs
		if err = decodeArgs(req, &a); err == nil {
			out, err = p.remove(ctx, tr, a.ID, who)
		}
	case api.ActionPause, api.ActionResume:
		var a api.IDArgs
		if err = decodeArgs(req, &a); err == nil {
			out, err = p.setPaused(ctx, tr, a.ID, req.Action == api.ActionPause, who)
		}
	case api.ActionNext:
		var a api.NextArgs
		if err = decodeArgs(req, &a); err == nil {
			if a.Count < 0 || a.Count > api.MaxNext {
				return nil, &sdk.UserError{Msg: "count: " + tr.T("err.count", "Max", api.MaxNext), Err: sdk.ErrInvalid}
			}
			var runs []api.Upcoming
			runs, err = p.upcoming(ctx, cmp.Or(a.Count, api.DefaultNext))
			out = api.NextResult{Runs: runs}
		}
	default:
		return nil, fmt.Errorf("scheduler: unknown action %q: %w", req.Action, sdk.ErrUnsupported)
	}
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode result of %s: %w", req.Action, err)
	}
	return raw, nil
}

// decodeArgs decodes an action's JSON arguments strictly: unknown fields
// are refused, naming them.
func decodeArgs(req *sdk.InvokeRequest, v any) error {
	raw := bytes.TrimSpace(req.Args)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return sdk.Errorf("arguments of %s: %v: %w", req.Action, err, sdk.ErrInvalid)
	}
	return nil
}
