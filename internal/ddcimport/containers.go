package ddcimport

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	capi "github.com/ddc-go/ddc/plugins/containers/api"
)

// werkzeugIterations is what Werkzeug (and so DockerDiscordControl) uses
// for new pbkdf2 hashes.
const werkzeugIterations = 600000

// werkzeugHash hashes password as Werkzeug's pbkdf2:sha256 does
// ("pbkdf2:sha256:600000$salt$hex"), a format the containers plugin
// checks.
func werkzeugHash(password string) (string, error) {
	salt := rand.Text()[:16]
	key, err := pbkdf2.Key(sha256.New, password, []byte(salt), werkzeugIterations, 32)
	if err != nil {
		return "", fmt.Errorf("hash the protected-info password: %w", err)
	}
	return fmt.Sprintf("pbkdf2:sha256:%d$%s$%s", werkzeugIterations, salt, hex.EncodeToString(key)), nil
}

// planContainers maps each container entry onto the containers plugin's
// per-container settings.
func (s *Source) planContainers(p *Plan, hash func(string) (string, error)) error {
	for _, c := range s.Containers {
		if _, err := capi.ParseRef(c.Name); err != nil {
			p.note("%s: container name %q: %v; skipped", c.File, c.Name, err)
			continue
		}
		e := map[string]any{"active": c.Active}
		if c.DisplayName != "" && c.DisplayName != c.Name {
			e["display_name"] = c.DisplayName
		}
		if c.Order != nil {
			e["order"] = *c.Order
		}
		if c.ActionsSet {
			// DockerDiscordControl had no log permission per container: logs
			// stay allowed; "status" is seeing the container, always allowed.
			actions := []string{}
			for _, a := range []string{"start", "stop", "restart"} {
				if slices.Contains(c.Actions, a) {
					actions = append(actions, a)
				}
			}
			e["actions"] = append(actions, "logs")
		}
		if c.DetailedStatus != nil && !*c.DetailedStatus {
			e["show_stats"] = false
		}
		if err := planInfo(p, c, e, hash); err != nil {
			return err
		}
		for k, n := range maxLens {
			if v, ok := e[k].(string); ok && len([]rune(v)) > n {
				e[k] = string([]rune(v)[:n])
				p.note("%s: %s cut to the %d characters DDC allows", c.File, k, n)
			}
		}
		p.Containers[c.Name] = e
		c.obj.used["container_name"], c.obj.used["docker_name"], c.obj.used["name"] = true, true, true
	}
	return nil
}

// planInfo maps a container's /info settings.
func planInfo(p *Plan, c Container, e map[string]any, hash func(string) (string, error)) error {
	in := c.Info
	if in == nil || !in.Enabled {
		return nil
	}
	if in.CustomText != "" {
		e["info"] = in.CustomText
	}
	if in.ShowIP && in.CustomIP != "" {
		addr := in.CustomIP
		if in.CustomPort != "" {
			addr += ":" + in.CustomPort
		}
		e["ip_port"] = addr
	} else if in.ShowIP {
		p.note("%s: info.show_ip without custom_ip: DDC does not look up the host's address; set ip_port", c.File)
	}
	if !in.ProtectedEnabled || in.Protected == "" {
		return nil
	}
	e["protected_info"] = in.Protected
	if in.ProtectedPass == "" {
		p.note("%s: protected info has no password; DDC shows protected info only after a password, so set one (protected_password_hash)", c.File)
		return nil
	}
	h, err := hash(in.ProtectedPass)
	if err != nil {
		return err
	}
	e["protected_password_hash"] = h
	return nil
}
