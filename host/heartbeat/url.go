package heartbeat

import (
	"errors"
	"net/url"
)

// unwrapURL drops the *url.Error around err, whose message names the URL
// (which may hold a secret).
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
