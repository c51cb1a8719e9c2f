package web

import (
	"context"
	"fmt"
	"strings"

	"github.com/ddc-go/ddc/host/store"
	"github.com/ddc-go/ddc/host/web/auth"
)

// EnvAdminPassword seeds the admin password when none is set yet.
const EnvAdminPassword = "DDC_ADMIN_PASSWORD"

// NewAuth opens the web side's authentication in st (namespace
// auth.Namespace) and, when env (os.Environ form) has DDC_ADMIN_PASSWORD
// and no password is set yet, sets it. A set password is never replaced
// by the variable: change it in the UI.
func NewAuth(ctx context.Context, st *store.Store, env []string, opts auth.Options) (a *auth.Auth, seeded bool, err error) {
	a = auth.New(st.KV(auth.Namespace), opts)
	for _, kv := range env {
		if pw, ok := strings.CutPrefix(kv, EnvAdminPassword+"="); ok && pw != "" {
			seeded, err = a.Seed(ctx, pw)
			if err != nil {
				return nil, false, fmt.Errorf("seed the admin password from %s: %w", EnvAdminPassword, err)
			}
		}
	}
	return a, seeded, nil
}
