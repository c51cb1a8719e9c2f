package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"

	"github.com/ddc-go/ddc/host"
	"github.com/ddc-go/ddc/internal/ddcimport"
)

// importDDC runs `ddc import-ddc DIR [--data-dir D] [--dry-run]`: it reads a
// DockerDiscordControl config directory and writes DDC's config and tasks.
func importDDC(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import-ddc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", host.DefaultDataDir(os.Getenv), "DDC data directory to write (config.yaml, database); env DDC_DATA_DIR")
	dryRun := fs.Bool("dry-run", false, "read and check everything, write nothing")
	fs.Usage = func() {
		io.WriteString(stderr, "usage: ddc import-ddc DIR [--data-dir D] [--dry-run]\n\nDIR is DockerDiscordControl's config directory (the one with config.json or bot_config.json).\n")
		fs.PrintDefaults()
	}
	// Flags may come before or after DIR.
	var dir string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if args = fs.Args(); len(args) > 0 {
			if dir != "" {
				fs.Usage()
				return errors.New("import-ddc takes one directory")
			}
			dir, args = args[0], args[1:]
		}
	}
	if dir == "" {
		fs.Usage()
		return errors.New("import-ddc: no DockerDiscordControl directory given")
	}
	src, err := ddcimport.Read(dir)
	if err != nil {
		return err
	}
	plan, err := src.Plan(ddcimport.Options{})
	if err != nil {
		return err
	}
	res, err := ddcimport.Apply(ctx, plan, *dataDir, *dryRun)
	if err != nil {
		return err
	}
	ddcimport.Report(stdout, dir, plan, res, *dryRun)
	return nil
}
