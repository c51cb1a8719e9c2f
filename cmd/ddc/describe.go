package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/ddc-go/ddc/host"
	"github.com/ddc-go/ddc/host/pluginstore"
)

// describe starts a plugin binary without a host, asks for its manifest and
// prints it as JSON.
func describe(ctx context.Context, path string, args []string, stdout io.Writer) error {
	mf, err := pluginstore.Describe(ctx, path, args...)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(mf)
}

// pluginsCmd runs `ddc plugins describe|install|list|remove`.
func pluginsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: ddc plugins describe|install|list|remove ARGS")
	}
	if args[0] == "describe" {
		if len(args) < 2 {
			return errors.New("usage: ddc plugins describe PATH [ARGS...]")
		}
		return describe(ctx, args[1], args[2:], stdout)
	}
	fs := flag.NewFlagSet("plugins "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", host.DefaultDataDir(os.Getenv), "data directory (plugins live in its plugins/); env DDC_DATA_DIR")
	upgrade := false
	if args[0] == "install" {
		fs.BoolVar(&upgrade, "upgrade", false, "replace an installed plugin with the same id")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch {
	case args[0] == "install" && fs.NArg() == 1:
		opts := pluginstore.Options{Upgrade: upgrade, Reserved: bundledIDs()}
		mf, err := pluginstore.Install(ctx, *dataDir, fs.Arg(0), opts)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "installed %s %s in %s; a running ddc starts it within seconds (settings: plugins.%s.settings in config.yaml)\n",
			mf.ID, mf.Version, pluginstore.PluginsDir(*dataDir), mf.ID)
		return nil
	case args[0] == "list" && fs.NArg() == 0:
		return listPlugins(*dataDir, stdout)
	case args[0] == "remove" && fs.NArg() == 1:
		if err := pluginstore.Remove(*dataDir, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %s; a running ddc stops it within seconds (its settings and stored data stay)\n", fs.Arg(0))
		return nil
	}
	return errors.New("usage: ddc plugins install [--upgrade] [--data-dir DIR] PATH | list [--data-dir DIR] | remove [--data-dir DIR] ID")
}

// listPlugins prints the installed plugins, one a line, with the reason
// the host refuses any it cannot use.
func listPlugins(dataDir string, stdout io.Writer) error {
	list, err := pluginstore.List(dataDir)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tVERSION\tSHA-256\tSTATUS")
	for _, p := range list {
		if p.Err != nil {
			fmt.Fprintf(w, "%s\t-\t-\tunusable: %v\n", p.Dir, p.Err)
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%.12s\tok\n", p.Descriptor.ID, p.Descriptor.Version, p.Descriptor.SHA256)
	}
	return w.Flush()
}
