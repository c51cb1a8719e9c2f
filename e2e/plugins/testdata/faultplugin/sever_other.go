//go:build !linux

package main

import (
	"context"
	"errors"
)

// sever needs Linux's /proc.
func sever(context.Context) (int, error) {
	return 0, errors.New("sever: only on linux")
}
