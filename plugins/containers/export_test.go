package containers

import "time"

// SetRetry sets how p's endpoints reconnect and how often an outage is
// logged (see retryPolicy), for tests that cannot wait minutes. Call it
// before Start.
func SetRetry(p *Plugin, first, fastMax, fastFor, max, remind time.Duration) {
	p.retry = retryPolicy{first: first, fastMax: fastMax, fastFor: fastFor, max: max, remind: remind}
}
