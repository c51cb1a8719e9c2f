package settings_test

import (
	"path/filepath"
	"testing"

	"github.com/ddc-go/ddc/sdk/settings"
)

// containersValue is a realistic settings document of the containers
// plugin: two endpoints, ten containers.
const containersValue = `{
	"endpoints": [{"name": "local", "host": "unix:///var/run/docker.sock"}, {"name": "nas", "host": "tcp://nas:2376", "tls": {"ca": "ca.pem", "cert": "c.pem", "key": "k.pem"}}],
	"containers": {
		"plex": {"display_name": "Plex", "order": 1, "actions": ["start", "stop", "restart"], "info": "Media server"},
		"nas/minecraft": {"display_name": "Minecraft", "order": 2, "actions": ["start", "stop", "restart", "logs"], "ip_port": "play.example.com:25565"},
		"valheim": {"display_name": "Valheim", "order": 3, "show_stats": false},
		"nas/sonarr": {"active": false}, "radarr": {"order": 5}, "lidarr": {"order": 6}, "jellyfin": {"display_name": "Jellyfin"},
		"nas/pihole": {"actions": ["restart"]}, "grafana": {"info": "Dashboards"}, "db": {"active": false}
	},
	"protected": ["db", "pihole"],
	"action_timeout_seconds": 45, "max_concurrent_actions": 2, "start_check_seconds": 2.5
}`

// BenchmarkValidate validates settings documents: a typed plugin's
// (valid, and with three problems) and the containers plugin's.
func BenchmarkValidate(b *testing.B) {
	containers := readSchema(b, filepath.Join("testdata", "containers-schema.json"))
	typed := settings.MustNew(defaults()).Schema()
	for _, bb := range []struct{ name, schema, value string }{
		{"typed-valid", typed, `{"refresh_seconds": 60, "refresh": "1m30s", "channels": [{"id": "123456789012345678", "interval": "1m"}]}`},
		{"typed-3-problems", typed, `{"refresh_seconds": 1, "mode": "tiny", "extra": true}`},
		{"containers-valid", containers, containersValue},
	} {
		b.Run("ours/"+bb.name, func(b *testing.B) {
			v, err := settings.Compile(bb.schema)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = v.Validate([]byte(bb.value))
			}
		})
		b.Run("santhosh/"+bb.name, func(b *testing.B) {
			o, err := compileOracle(bb.schema)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				_, _ = o.validate([]byte(bb.value))
			}
		})
	}
}

// BenchmarkCompile compiles the containers plugin's schema, as the host
// does for every plugin it starts.
func BenchmarkCompile(b *testing.B) {
	schema := readSchema(b, filepath.Join("testdata", "containers-schema.json"))
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := settings.Compile(schema); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("santhosh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := compileOracle(schema); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkNew derives, compiles and checks a typed plugin's settings.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := settings.New(defaults()); err != nil {
			b.Fatal(err)
		}
	}
}
