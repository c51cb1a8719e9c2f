package host

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/ddc-go/ddc/host/pluginhost"
	"github.com/ddc-go/ddc/host/pluginstore"
	"github.com/ddc-go/ddc/host/web"
	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// installer is the web UI's plugin installer: host/pluginstore under the
// data directory (the same path as `ddc plugins install`), with the
// bundled plugins' ids reserved. The running host picks installs and
// removals up by watching <data>/plugins.
type installer struct {
	dataDir  string
	reserved []string
}

func newInstaller(dataDir string, bundled []pluginhost.Bundled) installer {
	in := installer{dataDir: dataDir}
	for _, b := range bundled {
		in.reserved = append(in.reserved, b.ID)
	}
	return in
}

// Stage copies the upload aside and reads its manifest and checksum.
func (in installer) Stage(ctx context.Context, r io.Reader) (web.StagedPlugin, error) {
	s, err := pluginstore.Stage(ctx, in.dataDir, r)
	if err != nil {
		return nil, err
	}
	return staged{s: s, reserved: in.reserved}, nil
}

// Remove uninstalls plugin id; bundled plugins cannot be removed.
func (in installer) Remove(_ context.Context, id string) error {
	if slices.Contains(in.reserved, id) {
		return fmt.Errorf("remove plugin %s: %w", id, pluginstore.ErrReserved)
	}
	return pluginstore.Remove(in.dataDir, id)
}

// staged is an upload waiting for the admin's confirmation.
type staged struct {
	s        *pluginstore.Staged
	reserved []string
}

func (st staged) Manifest() grpcplugin.Manifest { return st.s.Manifest }
func (st staged) SHA256() string                { return st.s.SHA256 }
func (st staged) Size() int64                   { return st.s.Size }
func (st staged) Discard()                      { st.s.Discard() }

// Commit installs the staged plugin; upgrade allows replacing one with the
// same id.
func (st staged) Commit(upgrade bool) error {
	return st.s.Commit(pluginstore.Options{Upgrade: upgrade, Reserved: st.reserved})
}
