//go:build unix

package pluginhost

import (
	"fmt"
	"os"
	"syscall"
)

// checkOwner refuses executables owned by a user other than root or the
// host's own user.
func checkOwner(fi os.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if st.Uid != 0 && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("owned by uid %d, not by root or the host's user (uid %d)", st.Uid, os.Getuid())
	}
	return nil
}

// ownerOf names a file's owner, for noticing a change.
func ownerOf(fi os.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("uid=%d", st.Uid)
	}
	return ""
}
