package host

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ddc-go/ddc/config"
	"github.com/ddc-go/ddc/host/discord"
	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/policy"
)

// The plugin host and the Discord side know nothing of each other; they
// meet here.
var (
	_ discord.Plugins      = (*pluginhost.Manager)(nil)
	_ pluginhost.Messenger = (*discord.Bot)(nil)
)

// discordRunner runs the Discord bot for the current config. A change of
// the token, the API URL or the guilds replaces the bot (so adding a token
// to a running, token-less DDC connects it); other Discord settings
// (channels, roles, cooldowns) apply to the running bot at once.
type discordRunner struct {
	mgr *pluginhost.Manager
	log *slog.Logger

	// bot is the running bot, nil without one. It is read without mu so
	// that /healthz never waits for a bot being replaced.
	bot       atomic.Pointer[discord.Bot]
	cantStart atomic.Bool // the token is set but the bot could not be built

	mu   sync.Mutex     // serialises apply and close
	key  string         // identity of the running bot's session
	last *config.Config // config the bot was last given
	stop context.CancelFunc
	done chan struct{}
}

// sessionKey is what a bot session is built from: a change means a new
// session.
func sessionKey(c *config.Config) string {
	d := c.Discord
	return strings.Join([]string{d.Token, d.APIURL, strings.Join(d.GuildIDs, ",")}, "\x00")
}

// apply brings the bot in line with c. It never blocks for long: the old
// bot gets a few seconds to close.
func (r *discordRunner) apply(ctx context.Context, c *config.Config) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := sessionKey(c)
	if r.last != nil && key == r.key {
		if bot := r.bot.Load(); bot != nil {
			bot.SetPolicy(policyOf(c))
			bot.SetLanguage(c.Language)
			old := r.last.Discord
			if c.Discord.CommandCooldown != old.CommandCooldown || c.Discord.ButtonCooldown != old.ButtonCooldown ||
				c.Discord.PerMinuteCap != old.PerMinuteCap {
				bot.SetThrottle(throttleOf(c)) // a new throttle forgets the running cooldowns
			}
		}
		r.last = c
		return
	}
	if r.last != nil {
		r.log.Info("discord token, api_url or guild_ids changed; reconnecting with the new settings")
	}
	r.stopLocked(5 * time.Second)
	r.key, r.last = key, c
	r.cantStart.Store(false)
	if c.Discord.Token == "" {
		r.mgr.SetMessenger(nil)
		return
	}
	bot, err := discord.New(discord.Config{
		Token: c.Discord.Token, APIURL: c.Discord.APIURL, GuildIDs: slices.Clone(c.Discord.GuildIDs), Plugins: r.mgr,
		Policy: policyOf(c), Throttle: throttleOf(c), Language: c.Language, Logger: r.log,
		Events: r.mgr.Bus(),
	})
	if err != nil {
		r.cantStart.Store(true)
		r.log.Error("discord cannot start; the web side keeps running", "error", err)
		r.mgr.SetMessenger(nil)
		return
	}
	r.bot.Store(bot)
	r.mgr.SetMessenger(bot)
	bctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	r.stop, r.done = stop, done
	go func() {
		defer close(done)
		if err := bot.Run(bctx); err != nil {
			r.log.Error("discord stopped; the web side keeps running", "error", err)
		}
	}()
}

// stopLocked stops the running bot, waiting at most wait for it.
func (r *discordRunner) stopLocked(wait time.Duration) {
	if r.bot.Load() == nil {
		return
	}
	r.stop()
	select {
	case <-r.done:
	case <-time.After(wait):
		r.log.Warn("discord session did not close in time; going on", "waited", wait)
	}
	r.mgr.SetMessenger(nil)
	r.bot.Store(nil)
	r.stop, r.done = nil, nil
}

// close stops the bot, waiting until ctx ends at most.
func (r *discordRunner) close(ctx context.Context) {
	wait := 15 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		wait = time.Until(dl)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopLocked(wait)
}

// state is the Discord state for /healthz.
func (r *discordRunner) state() string {
	if bot := r.bot.Load(); bot != nil {
		return bot.State()
	}
	if r.cantStart.Load() {
		return discord.StateDisconnected
	}
	return discord.StateNoToken
}

// policyOf builds the permission policy from the config.
func policyOf(c *config.Config) *policy.Policy {
	d := c.Discord
	return policy.New(policy.Config{
		StatusChannels: d.StatusChannels, ControlChannels: d.ControlChannels,
		AdminUsers: d.AdminUsers, AdminRoles: d.AdminRoles, OperatorRoles: d.OperatorRoles,
	})
}

// throttleOf builds the spam protection from the config.
func throttleOf(c *config.Config) *policy.Throttle {
	d := c.Discord
	return policy.NewThrottle(policy.ThrottleConfig{CommandCooldown: d.CommandCooldown, ButtonCooldown: d.ButtonCooldown, PerMinute: d.PerMinuteCap})
}
