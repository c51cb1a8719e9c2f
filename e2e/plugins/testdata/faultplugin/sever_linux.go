package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// sever breaks this process's connections to the host's Host API the way
// the world can: the listener's socket file disappears (as a tmp cleaner
// would remove it) and the connections are shut down. It finds them as the
// unix sockets this process dialed to a named address: the host dials the
// plugin's own go-plugin socket, never the other way round. It returns once
// gRPC has noticed (the sockets are closed), so the next Host call starts
// from a broken connection.
func sever(ctx context.Context) (int, error) {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, fmt.Errorf("sever: %w", err)
	}
	cut := map[int]string{} // fd → its socket's identity
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		link, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil || len(link) < 7 || link[:7] != "socket:" {
			continue
		}
		peer, err := unix.Getpeername(fd)
		if err != nil {
			continue
		}
		addr, ok := peer.(*unix.SockaddrUnix)
		if !ok || addr.Name == "" || addr.Name[0] == '@' {
			continue
		}
		_ = os.Remove(addr.Name)
		if err := unix.Shutdown(fd, unix.SHUT_RDWR); err != nil {
			return 0, fmt.Errorf("sever: shut down fd %d: %w", fd, err)
		}
		cut[fd] = link
	}
	if len(cut) == 0 {
		return 0, errors.New("sever: no connection to the host api found")
	}
	for fd, link := range cut {
		for {
			if now, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd)); err != nil || now != link {
				break
			}
			select {
			case <-ctx.Done():
				return 0, fmt.Errorf("sever: fd %d still open: %w", fd, ctx.Err())
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	return len(cut), nil
}
