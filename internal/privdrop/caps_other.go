//go:build !linux

package privdrop

import "errors"

// capMask is a set of capabilities: bit n is capability n.
type capMask uint64

// errCgo is never returned outside Linux.
var errCgo = errors.New("capabilities exist on Linux only")

func maskOf(caps []Cap) capMask {
	var m capMask
	for _, c := range caps {
		m |= 1 << c.Bit
	}
	return m
}

// permitted: no capabilities outside Linux.
func permitted() (capMask, error) { return 0, nil }

// keepCaps, limitCaps and checkCaps: capabilities exist on Linux only.
func keepCaps(bool) error     { return errCgo }
func limitCaps(capMask) error { return errCgo }
func checkCaps(capMask) error { return errCgo }
