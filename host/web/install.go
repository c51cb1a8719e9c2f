package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ddc-go/ddc/sdk/grpcplugin"
)

// Installer installs uploaded plugin binaries: the same path as `ddc
// plugins install` (host/pluginstore). The running host notices the new
// plugin directory and starts it.
type Installer interface {
	// Stage copies the binary from r aside, runs it to read its manifest
	// (describe) and checksums it, installing nothing yet.
	Stage(ctx context.Context, r io.Reader) (StagedPlugin, error)
	// Remove uninstalls plugin id (never a bundled one).
	Remove(ctx context.Context, id string) error
}

// StagedPlugin is an uploaded plugin waiting for the admin's confirmation.
type StagedPlugin interface {
	// Manifest is what the plugin says it is and offers.
	Manifest() grpcplugin.Manifest
	// SHA256 is the hex digest of the binary.
	SHA256() string
	// Size is the binary's size in bytes.
	Size() int64
	// Commit installs it; upgrade allows replacing an installed plugin
	// with the same id.
	Commit(upgrade bool) error
	// Discard removes it.
	Discard()
}

// Limits of uploads.
const (
	// MaxUpload caps an uploaded plugin binary (256 MiB).
	MaxUpload = 256 << 20
	// uploadTimeout is how long reading an upload may take.
	uploadTimeout = 10 * time.Minute
	// stagedTTL is how long an upload waits for its confirmation.
	stagedTTL = 10 * time.Minute
	// maxStaged caps the uploads waiting at once.
	maxStaged = 4
)

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// staging holds uploads until they are confirmed or expire.
type staging struct {
	mu    sync.Mutex
	items map[string]stagedItem
}

type stagedItem struct {
	p       StagedPlugin
	expires time.Time
}

// put keeps p under a new random key, dropping expired uploads and, at
// the cap, the oldest.
func (s *staging) put(p StagedPlugin) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	key := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.items == nil {
		s.items = map[string]stagedItem{}
	}
	for k, it := range s.items {
		if now.After(it.expires) {
			it.p.Discard()
			delete(s.items, k)
		}
	}
	for len(s.items) >= maxStaged {
		var oldest string
		for k, it := range s.items {
			if oldest == "" || it.expires.Before(s.items[oldest].expires) {
				oldest = k
			}
		}
		s.items[oldest].p.Discard()
		delete(s.items, oldest)
	}
	s.items[key] = stagedItem{p: p, expires: now.Add(stagedTTL)}
	return key
}

// take removes and returns the upload under key.
func (s *staging) take(key string) (StagedPlugin, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, it := range s.items {
		if subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
			delete(s.items, k)
			if time.Now().After(it.expires) {
				it.p.Discard()
				return nil, false
			}
			return it.p, true
		}
	}
	return nil, false
}

// installData is the install page's content.
type installData struct {
	Key      string
	Manifest grpcplugin.Manifest
	SHA256   string
	Size     int64
	Error    string
}

func (u *ui) installPage(c *gin.Context) {
	if u.Installer == nil {
		u.fail(c, false, http.StatusNotFound, "not_found", "installing plugins from the web UI is not available in this build; use ddc plugins install")
		return
	}
	pg := u.page(c, "inst.title", "plugins")
	pg.Data = installData{}
	u.render(c, http.StatusOK, "install.html", pg)
}

// installUpload stages an uploaded binary and shows its manifest and
// checksum for confirmation. The client's file name is never used; an
// expected checksum that does not match refuses the upload.
func (u *ui) installUpload(c *gin.Context) {
	if u.Installer == nil {
		u.fail(c, false, http.StatusNotFound, "not_found", "installing plugins from the web UI is not available in this build")
		return
	}
	_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(uploadTimeout))
	pg := u.page(c, "inst.title", "plugins")
	d := installData{}
	refuse := func(status int, msg string) {
		d.Error = msg
		pg.Data = d
		u.audit(c, "plugin.install", "", "refused", msg)
		u.render(c, status, "install.html", pg)
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxUpload+1<<20)
	fh, err := c.FormFile("binary")
	if err != nil {
		refuse(http.StatusBadRequest, "no plugin binary uploaded (or it is over 256 MiB)")
		return
	}
	want := strings.ToLower(strings.TrimSpace(c.PostForm("sha256")))
	if want != "" && !sha256Hex.MatchString(want) {
		refuse(http.StatusBadRequest, "the expected SHA-256 must be 64 hex digits")
		return
	}
	f, err := fh.Open()
	if err != nil {
		refuse(http.StatusBadRequest, "could not read the upload")
		return
	}
	defer f.Close()
	staged, err := u.Installer.Stage(c.Request.Context(), io.LimitReader(f, MaxUpload))
	if err != nil {
		refuse(http.StatusBadRequest, "the plugin was refused: "+err.Error())
		return
	}
	if want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(staged.SHA256())) != 1 {
		staged.Discard()
		refuse(http.StatusBadRequest, "checksum mismatch: the upload's SHA-256 is "+staged.SHA256()+", not the expected "+want)
		return
	}
	d = installData{Key: u.staged.put(staged), Manifest: staged.Manifest(), SHA256: staged.SHA256(), Size: staged.Size()}
	pg.Data = d
	u.render(c, http.StatusOK, "install.html", pg)
}

// errStagedGone means the upload expired or was confirmed already.
var errStagedGone = errors.New("the upload expired or was handled already; upload it again")

func (u *ui) installConfirm(c *gin.Context) {
	staged, ok := u.staged.take(c.PostForm("key"))
	if !ok {
		u.fail(c, false, http.StatusGone, "gone", errStagedGone.Error())
		return
	}
	id := staged.Manifest().ID
	if c.PostForm("cancel") != "" {
		staged.Discard()
		c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/plugins")
		return
	}
	err := staged.Commit(c.PostForm("upgrade") == "true")
	u.auditResult(c, "plugin.install", id, err)
	if err != nil {
		staged.Discard()
		u.fail(c, false, http.StatusBadRequest, "refused", "installing "+id+" failed: "+err.Error())
		return
	}
	c.Redirect(http.StatusSeeOther, reqOf(c).Base+"/plugins?done=install&id="+id)
}
