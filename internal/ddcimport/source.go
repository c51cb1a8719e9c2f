package ddcimport

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
)

// Source is what the import read from a DockerDiscordControl directory.
type Source struct {
	// Format is "v2" (modular: containers/, channels/, config.json), "v1"
	// (bot_config.json, docker_config.json, ...) or "v1.1" (one config.json
	// holding everything).
	Format string
	// Settings are the top-level settings files in the order
	// DockerDiscordControl merges them (a later file's key wins).
	settings []*object
	// Containers, Channels, Admins and Tasks as read.
	Containers []Container
	Channels   []Channel
	Admins     []string
	Tasks      []Task
	// admins is admins.json, for its unread keys.
	admins *object
}

// Container is one container entry (containers/<name>.json, or an item of
// "servers").
type Container struct {
	File, Name, DisplayName string
	// Actions allowed: DockerDiscordControl's names (status, start, stop,
	// restart).
	Actions        []string
	ActionsSet     bool
	Order          *int
	Active         bool
	DetailedStatus *bool
	Info           *Info
	obj            *object
}

// Info is a container's /info settings.
type Info struct {
	Enabled, ShowIP, ProtectedEnabled                          bool
	CustomIP, CustomPort, CustomText, Protected, ProtectedPass string
}

// Channel is one channel's permissions (channels/<id>.json, or an entry of
// "channel_permissions").
type Channel struct {
	File, ID, Name string
	Commands       map[string]bool
	obj            *object
}

// Task is one entry of tasks.json.
type Task struct {
	Where                                         string // "tasks.json: tasks[3]"
	ID, Container, Action, Cycle, Time, Day, Cron string
	Month, Year                                   *int
	Timezone, Description, CreatedBy, CreatedAt   string
	Active, Group                                 bool
	Status                                        string
}

// v2Settings and v1Settings are the top-level files, in merge order.
var (
	v2Settings = []string{"config.json", "auth.json", "heartbeat.json", "web_ui.json", "docker_settings.json"}
	v1Settings = []string{"bot_config.json", "docker_config.json", "web_config.json", "channels_config.json"}
)

// Read reads a DockerDiscordControl config directory. Every problem is
// reported (joined), each naming its file and field; it never writes.
func Read(dir string) (*Source, error) {
	s := &Source{}
	var errs []error
	keep := func(err error) bool {
		if err != nil {
			errs = append(errs, err)
		}
		return err == nil
	}
	names := v2Settings
	containerFiles, err := jsonFiles(dir, "containers")
	keep(err)
	channelFiles, err := jsonFiles(dir, "channels")
	keep(err)
	for _, n := range append(slices.Clone(v2Settings), v1Settings...) {
		o, found, err := readObject(dir, n)
		if !keep(err) || !found {
			continue
		}
		if slices.Contains(v1Settings, n) && s.Format == "" && len(containerFiles) == 0 && len(channelFiles) == 0 {
			s.Format = "v1"
		}
		s.settings = append(s.settings, o)
	}
	switch {
	case s.Format == "v1":
		names = v1Settings
	case len(s.settings) > 0 && s.settings[0].file == "config.json" && s.settings[0].has("servers"):
		s.Format = "v1.1"
	default:
		s.Format = "v2"
	}
	s.settings = slices.DeleteFunc(s.settings, func(o *object) bool { return !slices.Contains(names, o.file) })
	if len(s.settings) == 0 && len(containerFiles) == 0 && len(channelFiles) == 0 && len(errs) == 0 {
		return nil, fmt.Errorf("%s holds no DockerDiscordControl config: none of %s, containers/*.json, channels/*.json (give the config directory, e.g. /mnt/user/appdata/dockerdiscordcontrol/config)",
			dir, strings.Join(append(slices.Clone(v2Settings), v1Settings...), ", "))
	}
	keep(s.checkSettings())
	keep(s.readContainers(dir, containerFiles))
	keep(s.readChannels(dir, channelFiles))
	keep(s.readAdmins(dir))
	keep(s.readTasks(dir))
	if len(errs) > 0 {
		return nil, fmt.Errorf("read the DockerDiscordControl config in %s (nothing was written):\n%w", dir, errors.Join(errs...))
	}
	return s, nil
}

// checkSettings reads every top-level setting the plan uses, so that a
// wrong type is reported with the rest.
func (s *Source) checkSettings() error {
	var errs []error
	for _, k := range []string{"bot_token", "web_ui_password_hash", "language", "timezone"} {
		_, err := s.str(k)
		errs = append(errs, err)
	}
	if o, ok := s.setting("guild_id"); ok {
		_, err := o.id("guild_id")
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// setting finds key in the settings files, the last one that has it.
func (s *Source) setting(key string) (*object, bool) {
	for i := len(s.settings) - 1; i >= 0; i-- {
		if s.settings[i].has(key) {
			return s.settings[i], true
		}
	}
	return nil, false
}

// str reads a string setting.
func (s *Source) str(key string) (string, error) {
	if o, ok := s.setting(key); ok {
		return o.str(key)
	}
	return "", nil
}

func (s *Source) readContainers(dir string, files []string) error {
	var errs []error
	for _, f := range files {
		o, _, err := readObject(dir, f)
		if err == nil {
			var c Container
			c, err = readContainer(o, strings.TrimSuffix(path.Base(f), ".json"))
			s.Containers = append(s.Containers, c)
		}
		errs = append(errs, err)
	}
	if len(files) == 0 {
		if o, ok := s.setting("servers"); ok {
			raw, _ := o.get("servers")
			var items []json.RawMessage
			if err := json.Unmarshal(raw, &items); err != nil {
				return o.fieldError("servers", "a list", raw)
			}
			for i, it := range items {
				co, err := newObject(o.file, fmt.Sprintf("servers[%d].", i), it)
				if err == nil {
					var c Container
					c, err = readContainer(co, "")
					c.Active = c.Active || !co.has("active") // v1 lists only the selected ones
					s.Containers = append(s.Containers, c)
				}
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func readContainer(o *object, stem string) (Container, error) {
	c := Container{File: o.file, obj: o}
	var errs []error
	str := func(key string) string {
		v, err := o.str(key)
		errs = append(errs, err)
		return v
	}
	for _, key := range []string{"container_name", "docker_name", "name"} {
		if v := str(key); c.Name == "" && v != "" {
			c.Name = v
		}
	}
	if c.Name == "" {
		c.Name = stem
	}
	// v1 kept the Docker name in docker_name and the display name in name.
	shown := str("name")
	if raw, ok := o.get("display_name"); ok {
		var list []string
		if json.Unmarshal(raw, &list) == nil && len(list) > 0 { // older versions wrote a list
			c.DisplayName = list[0]
		} else if err := json.Unmarshal(raw, &c.DisplayName); err != nil {
			errs = append(errs, o.fieldError("display_name", "a string", raw))
		}
	}
	if c.DisplayName == "" && shown != c.Name {
		c.DisplayName = shown
	}
	var err error
	c.ActionsSet = o.has("allowed_actions")
	c.Actions, err = o.strList("allowed_actions")
	errs = append(errs, err)
	c.Order, err = o.integer("order")
	errs = append(errs, err)
	c.Active, err = o.boolean("active", false)
	errs = append(errs, err)
	if o.has("allow_detailed_status") {
		v, err := o.boolean("allow_detailed_status", true)
		c.DetailedStatus = &v
		errs = append(errs, err)
	}
	info, err := o.child("info")
	errs = append(errs, err)
	if info != nil {
		c.Info, err = readInfo(info)
		errs = append(errs, err)
	}
	if c.Name == "" {
		errs = append(errs, fmt.Errorf("%s: %scontainer_name: missing (the container's Docker name)", o.file, o.path))
	}
	return c, errors.Join(errs...)
}

func readInfo(o *object) (*Info, error) {
	in := &Info{}
	var errs []error
	b := func(key string) bool { v, err := o.boolean(key, false); errs = append(errs, err); return v }
	str := func(key string) string { v, err := o.str(key); errs = append(errs, err); return v }
	in.Enabled, in.ShowIP, in.ProtectedEnabled = b("enabled"), b("show_ip"), b("protected_enabled")
	in.CustomIP, in.CustomText = str("custom_ip"), str("custom_text")
	if p, err := o.integer("custom_port"); err == nil && p != nil {
		in.CustomPort = fmt.Sprint(*p)
	} else {
		errs = append(errs, err)
	}
	in.Protected, in.ProtectedPass = str("protected_content"), str("protected_password")
	return in, errors.Join(errs...)
}

func (s *Source) readChannels(dir string, files []string) error {
	var errs []error
	for _, f := range files {
		if path.Base(f) == "default.json" {
			continue // defaults for channels not listed: DDC has none (not listed means view only)
		}
		o, _, err := readObject(dir, f)
		if err == nil {
			var c Channel
			c, err = readChannel(o, strings.TrimSuffix(path.Base(f), ".json"))
			s.Channels = append(s.Channels, c)
		}
		errs = append(errs, err)
	}
	if len(files) == 0 {
		if o, ok := s.setting("channel_permissions"); ok {
			perms, err := o.child("channel_permissions")
			if err != nil {
				return err
			}
			ids := make([]string, 0, len(perms.m))
			for id := range perms.m {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for _, id := range ids {
				co, err := perms.child(id)
				if err == nil {
					var c Channel
					c, err = readChannel(co, id)
					s.Channels = append(s.Channels, c)
				}
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func readChannel(o *object, fallbackID string) (Channel, error) {
	c := Channel{File: o.file, obj: o, Commands: map[string]bool{}}
	var errs []error
	id, err := o.id("channel_id")
	errs = append(errs, err)
	if id == "" {
		id = fallbackID
	}
	c.ID = id
	c.Name, err = o.str("name")
	errs = append(errs, err)
	cmds, err := o.child("commands")
	errs = append(errs, err)
	if cmds != nil {
		for k := range cmds.m {
			v, err := cmds.boolean(k, false)
			c.Commands[k] = v
			errs = append(errs, err)
		}
	}
	return c, errors.Join(errs...)
}

func (s *Source) readAdmins(dir string) error {
	o, found, err := readObject(dir, "admins.json")
	if err != nil || !found {
		return err
	}
	s.admins = o
	s.Admins, err = o.strList("discord_admin_users")
	return err
}
