package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/ddc-go/ddc/host/discord/outbox"
	"github.com/ddc-go/ddc/host/policy"
	"github.com/ddc-go/ddc/sdk"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
	"github.com/ddc-go/ddc/sdk/i18n"
)

// Interaction callback types.
const (
	callbackMessage         = 4
	callbackDeferredMessage = 5
	callbackDeferredUpdate  = 6
	callbackUpdateMessage   = 7
	callbackAutocomplete    = 8
	callbackModal           = 9
)

// Time limits of an interaction.
const (
	// autocompleteBudget is how long a plugin may take to suggest choices;
	// there is no deferring autocomplete.
	autocompleteBudget = 2500 * time.Millisecond
	// tokenLife is how long an interaction token may be used.
	tokenLife = 15 * time.Minute
	// maxMessage is Discord's limit of message content.
	maxMessage = 2000
)

// handle serves one interaction. received is when the gateway delivered it.
func (b *Bot) handle(ctx context.Context, i *discordgo.Interaction, received time.Time) {
	in := interactionOf(i)
	in.DefaultLocale = *b.language.Load()
	t := &turn{pol: b.policy.Load(), who: policy.Who{GuildID: in.GuildID, ChannelID: in.ChannelID, UserID: in.User.ID, RoleIDs: in.RoleIDs}}
	in.Level = t.pol.Level(t.who).Level
	t.r = &responder{b: b, i: i, in: in, tr: translator(in.Locale, in.DefaultLocale), received: received}
	t.log = b.log.With("interaction", i.ID, "user", in.User.ID, "channel", in.ChannelID)
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		t.command(ctx, i.ApplicationCommandData())
	case discordgo.InteractionApplicationCommandAutocomplete:
		t.autocomplete(ctx, i.ApplicationCommandData())
	case discordgo.InteractionMessageComponent:
		t.component(ctx, i.MessageComponentData())
	case discordgo.InteractionModalSubmit:
		t.modal(ctx, i.ModalSubmitData())
	default:
		t.log.Debug("ignoring interaction", "type", int(i.Type))
	}
}

// turn is one interaction being served: who asked, under which policy,
// and the responder that answers.
type turn struct {
	r   *responder
	pol *policy.Policy
	who policy.Who
	log *slog.Logger
}

// command serves a slash command: owner, permission, spam limits, plugin.
func (t *turn) command(ctx context.Context, d discordgo.ApplicationCommandInteractionData) {
	r, b := t.r, t.r.b
	req := commandRequest(r.in, d)
	what := "/" + strings.Join(append([]string{d.Name}, req.Subcommand...), " ")
	owner, ok := b.cfg.Plugins.CommandOwner(d.Name)
	if !ok {
		t.log.Warn("interaction for a command no running plugin owns", "command", what)
		r.sendEphemeral(ctx, r.tr.T("unavailable"))
		return
	}
	r.plugin = owner
	log := t.log.With("plugin", owner, "command", what)
	need := policy.CommandLevel(b.cfg.Plugins.Manifests()[owner].Commands, d.Name, req.Subcommand)
	if !r.admit(ctx, log, t.pol, t.who, need, what, "cmd:"+what, policy.KindCommand) {
		return
	}
	r.run(ctx, log, func(ctx context.Context) (*sdk.Response, error) {
		return b.cfg.Plugins.HandleCommand(ctx, owner, req)
	})
}

// autocomplete asks the owning plugin for choices, if the user may run
// the command; any failure answers with none.
func (t *turn) autocomplete(ctx context.Context, d discordgo.ApplicationCommandInteractionData) {
	r, b := t.r, t.r.b
	req := commandRequest(r.in, d)
	owner, ok := b.cfg.Plugins.CommandOwner(d.Name)
	choices := []sdk.Choice{}
	need := policy.CommandLevel(b.cfg.Plugins.Manifests()[owner].Commands, d.Name, req.Subcommand)
	if ok && r.in.Level.Allows(need) {
		actx, cancel := context.WithTimeout(grpcplugin.WithInteraction(ctx, r.in), autocompleteBudget-time.Since(r.received))
		got, err := b.cfg.Plugins.HandleAutocomplete(actx, owner, req)
		cancel()
		if err != nil {
			t.log.Warn("autocomplete failed", "plugin", owner, "error", err)
		} else if got != nil {
			choices = got
		}
	}
	if len(choices) > 25 {
		choices = choices[:25]
	}
	out := make([]map[string]any, 0, len(choices))
	for _, c := range choices {
		m := map[string]any{"name": c.Name, "value": c.Value}
		if l := localizations(c.NameLocalizations); l != nil {
			m["name_localizations"] = l
		}
		out = append(out, m)
	}
	if err := r.callback(ctx, callbackAutocomplete, map[string]any{"choices": out}); err != nil {
		t.log.Warn("answer autocomplete", "error", err)
	}
}

// component serves a click on a button or a choice in a select.
func (t *turn) component(ctx context.Context, d discordgo.MessageComponentInteractionData) {
	r, b := t.r, t.r.b
	r.component = true
	what := r.tr.T("what.button")
	if d.ComponentType == discordgo.SelectMenuComponent {
		what = r.tr.T("what.menu")
	}
	owner, log, ok := r.claimComponent(ctx, t.log, t.pol, t.who, d.CustomID, "component", what)
	if !ok {
		return
	}
	req := &sdk.ComponentRequest{Interaction: r.in, CustomID: d.CustomID, Type: sdk.ComponentType(d.ComponentType), Values: d.Values}
	if r.i.Message != nil {
		req.MessageID = r.i.Message.ID
	}
	r.run(ctx, log, func(ctx context.Context) (*sdk.Response, error) {
		return b.cfg.Plugins.HandleComponent(ctx, owner, req)
	})
}

// modal serves a submitted form.
func (t *turn) modal(ctx context.Context, d discordgo.ModalSubmitInteractionData) {
	r, b := t.r, t.r.b
	r.modal = true
	owner, log, ok := r.claimComponent(ctx, t.log, t.pol, t.who, d.CustomID, "form", r.tr.T("what.form"))
	if !ok {
		return
	}
	req := &sdk.ModalRequest{Interaction: r.in, CustomID: d.CustomID, Fields: modalFields(d.Components)}
	r.run(ctx, log, func(ctx context.Context) (*sdk.Response, error) {
		return b.cfg.Plugins.HandleModal(ctx, owner, req)
	})
}

func modalFields(cs []discordgo.MessageComponent) map[string]string {
	out := map[string]string{}
	for _, c := range cs {
		switch v := c.(type) {
		case *discordgo.ActionsRow:
			for k, val := range modalFields(v.Components) {
				out[k] = val
			}
		case *discordgo.TextInput:
			out[v.CustomID] = v.Value
		}
	}
	return out
}

// responder answers one interaction: at most one callback, then edits and
// follow-ups through the interaction's webhook.
type responder struct {
	b        *Bot
	i        *discordgo.Interaction
	in       sdk.Interaction
	tr       i18n.Translator // the host's texts in the user's language
	received time.Time
	plugin   string

	component, modal bool

	deferred int // the deferred callback type sent, 0 if none
}

// admit checks the permission level and the spam limits; on refusal it
// answers with an ephemeral message saying why.
func (r *responder) admit(ctx context.Context, log logger, pol *policy.Policy, who policy.Who, need sdk.Level, what, key string, kind policy.Kind) bool {
	if err := pol.Check(who, need, what); err != nil {
		log.Info("interaction refused", "need", need.String(), "have", r.in.Level.String(), "reason", err.Error())
		text := err.Error()
		var ref *policy.Refusal
		if errors.As(err, &ref) {
			text = refusalText(r.tr, ref)
		}
		r.sendEphemeral(ctx, refusedPrefix+text)
		return false
	}
	if th := r.b.throttle.Load(); th != nil {
		if err := th.Allow(who.UserID, key, kind); err != nil {
			log.Info("interaction throttled", "reason", err.Error())
			text := err.Error()
			var lim *policy.Limited
			if errors.As(err, &lim) {
				text = limitedText(r.tr, lim)
			}
			r.sendEphemeral(ctx, slowDownPrefix+text)
			return false
		}
	}
	return true
}

// claimComponent finds the plugin owning a button, select or form by its
// custom id and checks that the user may use it (kind names it in the log,
// what to the user). ok is false when the user has been answered already.
func (r *responder) claimComponent(ctx context.Context, log *slog.Logger, pol *policy.Policy, who policy.Who, customID, kind, what string) (owner string, _ *slog.Logger, ok bool) {
	owner, ok = r.b.cfg.Plugins.ComponentOwner(customID)
	if !ok {
		log.Warn("interaction for a "+kind+" no running plugin owns", "custom_id", customID)
		r.sendEphemeral(ctx, r.tr.T("unavailable"))
		return "", log, false
	}
	r.plugin = owner
	log = log.With("plugin", owner, "custom_id", customID)
	mf := r.b.cfg.Plugins.Manifests()[owner]
	need, err := policy.ComponentLevel(mf.ComponentPrefix, mf.Components, customID)
	if err != nil {
		log.Warn("interaction for a "+kind+" its plugin did not declare; refused", "error", err)
		r.sendEphemeral(ctx, r.tr.T("undeclared"))
		return "", log, false
	}
	return owner, log, r.admit(ctx, log, pol, who, need, what, "cmp:"+customID, policy.KindComponent)
}

// run calls the plugin, defers if it has not answered after DeferAfter,
// and delivers its answer.
func (r *responder) run(ctx context.Context, log logger, call func(context.Context) (*sdk.Response, error)) {
	r.b.inter.put(r.i.ID, r.i.Token, r.plugin, r.received.Add(tokenLife))
	type result struct {
		resp *sdk.Response
		err  error
	}
	done := make(chan result, 1)
	pctx, cancel := context.WithTimeout(grpcplugin.WithInteraction(ctx, r.in), tokenLife-time.Minute)
	defer cancel()
	go func() {
		resp, err := call(pctx)
		done <- result{resp, err}
	}()
	t := time.NewTimer(r.b.cfg.DeferAfter - time.Since(r.received))
	defer t.Stop()
	var res result
	select {
	case res = <-done:
	case <-t.C:
		typ := callbackDeferredMessage
		if r.component {
			typ = callbackDeferredUpdate
		}
		if err := r.callback(ctx, typ, nil); err != nil {
			log.Error("defer interaction", "error", err)
		} else {
			r.deferred = typ
			log.Debug("interaction deferred", "after", time.Since(r.received))
		}
		res = <-done
	}
	if res.err != nil {
		msg, ok := sdk.UserMessage(res.err)
		if ok {
			log.Info("plugin refused the interaction", "error", res.err)
		} else {
			msg = r.tr.T("apology")
			log.Error("plugin failed to handle the interaction", "error", res.err)
		}
		r.sendEphemeral(ctx, msg)
		return
	}
	if res.resp != nil {
		if err := r.b.checkComponents(r.plugin, res.resp.Message, res.resp.Modal); err != nil {
			log.Error("plugin answered with another plugin's controls; refused", "error", err)
			r.sendEphemeral(ctx, r.tr.T("apology"))
			return
		}
	}
	if err := r.deliver(ctx, res.resp); err != nil {
		// Discord refused the answer (too long, too many components...)
		// or could not be reached: the user gets the apology rather than
		// Discord's silent "interaction failed", the admin the cause.
		log.Error("plugin's answer could not be delivered; apologising instead", "plugin", r.plugin, "error", err)
		r.sendEphemeral(ctx, r.tr.T("apology"))
	}
}

type logger interface {
	Debug(string, ...any)
	Info(string, ...any)
	Error(string, ...any)
}

// deliver sends a plugin's answer, as a callback or, after a defer, as an
// edit of the original response or a follow-up.
func (r *responder) deliver(ctx context.Context, resp *sdk.Response) error {
	if resp == nil {
		if r.component {
			if r.deferred != 0 {
				return nil
			}
			return r.callback(ctx, callbackDeferredUpdate, nil)
		}
		resp = sdk.Ephemeral("✅")
	}
	if resp.Modal != nil {
		if r.deferred != 0 || r.modal {
			r.b.log.Error("plugin answered with a modal too late or to a modal", "plugin", r.plugin, "interaction", r.i.ID)
			r.sendEphemeral(ctx, r.tr.T("too_slow"))
			return nil
		}
		return r.callback(ctx, callbackModal, toModal(resp.Modal))
	}
	p := toPayload(resp.Message)
	switch {
	case r.deferred == 0 && r.component && resp.Update:
		p.Flags = 0
		return r.callback(ctx, callbackUpdateMessage, p)
	case r.deferred == 0:
		return r.callback(ctx, callbackMessage, p)
	case r.deferred == callbackDeferredUpdate && resp.Update:
		p.Flags = 0
		return r.editOriginal(ctx, p)
	case r.deferred == callbackDeferredUpdate:
		return r.followup(ctx, p)
	case resp.Message.Ephemeral:
		// The deferred placeholder is public: replace it by an ephemeral
		// follow-up.
		if err := r.deleteOriginal(ctx); err != nil {
			return err
		}
		return r.followup(ctx, p)
	default:
		return r.editOriginal(ctx, p)
	}
}

// truncate shortens text to at most max characters (Discord counts
// characters, not bytes), ending it with "…" when it cut.
func truncate(text string, max int) string {
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	rs := []rune(text)
	return string(rs[:max-1]) + "…"
}

// sendEphemeral shows text only to the user, whatever was sent before.
func (r *responder) sendEphemeral(ctx context.Context, text string) {
	text = truncate(text, maxMessage)
	p := toPayload(sdk.Message{Content: text, Ephemeral: true})
	var err error
	switch r.deferred {
	case 0:
		err = r.callback(ctx, callbackMessage, p)
	case callbackDeferredMessage:
		if err = r.deleteOriginal(ctx); err == nil {
			err = r.followup(ctx, p)
		}
	default:
		err = r.followup(ctx, p)
	}
	if err != nil {
		r.b.log.Error("answer interaction", "interaction", r.i.ID, "error", err)
	}
}

func (r *responder) callback(ctx context.Context, typ int, data any) error {
	body := map[string]any{"type": typ}
	if data != nil {
		body["data"] = data
	}
	_, err := r.b.out.Do(ctx, outbox.Request{
		Method: http.MethodPost, Path: "/interactions/" + r.i.ID + "/" + r.i.Token + "/callback", Body: body, Callback: true,
	})
	if err != nil {
		return fmt.Errorf("interaction callback %d: %w", typ, err)
	}
	return nil
}

func (r *responder) webhook() string { return "/webhooks/" + r.i.AppID + "/" + r.i.Token }

func (r *responder) editOriginal(ctx context.Context, p messagePayload) error {
	_, err := r.b.out.Do(ctx, outbox.Request{Method: http.MethodPatch, Path: r.webhook() + "/messages/@original", Body: p})
	if err != nil {
		return fmt.Errorf("edit original response: %w", err)
	}
	return nil
}

func (r *responder) deleteOriginal(ctx context.Context) error {
	_, err := r.b.out.Do(ctx, outbox.Request{Method: http.MethodDelete, Path: r.webhook() + "/messages/@original"})
	if err != nil && !outbox.IsUnknownMessage(err) {
		return fmt.Errorf("delete original response: %w", err)
	}
	return nil
}

func (r *responder) followup(ctx context.Context, p messagePayload) error {
	_, err := r.b.out.Do(ctx, outbox.Request{Method: http.MethodPost, Path: r.webhook(), Body: p})
	if err != nil {
		return fmt.Errorf("send follow-up: %w", err)
	}
	return nil
}

// interactions remembers recent interactions' tokens and owners, so
// plugins can send follow-ups by interaction id.
type interactions struct {
	mu sync.Mutex
	m  map[string]interactionRecord
}

type interactionRecord struct {
	token, plugin string
	expires       time.Time
}

func newInteractions() *interactions { return &interactions{m: map[string]interactionRecord{}} }

func (s *interactions) put(id, token, plugin string, expires time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for k, v := range s.m {
		if now.After(v.expires) {
			delete(s.m, k)
		}
	}
	s.m[id] = interactionRecord{token: token, plugin: plugin, expires: expires}
}

func (s *interactions) get(id string) (interactionRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.m[id]
	if !ok || time.Now().After(rec.expires) {
		return interactionRecord{}, false
	}
	return rec, true
}

// jsonField returns a top-level string field of a JSON object.
func jsonField(body []byte, name string) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	s, _ := m[name].(string)
	return s
}

var errNotOwner = errors.New("interaction belongs to another plugin")
