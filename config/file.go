package config

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// defaultYAML is the config file written into a new data dir.
//
//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the commented default config file.
func DefaultYAML() []byte {
	out := make([]byte, len(defaultYAML))
	copy(out, defaultYAML)
	return out
}

// WriteFile replaces path with data atomically: it writes a temporary file
// in the same directory (mode 0600), fsyncs it, renames it over path and
// fsyncs the directory. Readers see the old content or the new, never a
// mix; on failure the old file is untouched and no temporary file remains.
func WriteFile(path string, data []byte) error {
	return writeFileFunc(path, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	}, os.Rename)
}

// writeFileFunc is WriteFile with the content written by write and the final
// step done by publish (os.Rename, or a no-clobber link).
func writeFileFunc(path string, write func(*os.File) error, publish func(tmp, path string) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", path, err)
	}
	if err := publish(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		// The file is in place; only its durability across a power cut is
		// in doubt. Report it but do not remove the new file.
		return fmt.Errorf("write %s: sync dir: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// EnsureDefault writes the default config file to <dataDir>/config.yaml
// (creating dataDir with mode 0700) unless a file is already there; created
// reports whether it wrote one. It never replaces an existing file, even
// one created concurrently.
func EnsureDefault(dataDir string) (created bool, err error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return false, fmt.Errorf("create data dir %s: %w", dataDir, err)
	}
	path := filepath.Join(dataDir, FileName)
	if _, err := os.Lstat(path); err == nil {
		return false, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("check config %s: %w", path, err)
	}
	exists := false
	err = writeFileFunc(path, func(f *os.File) error {
		_, err := f.Write(defaultYAML)
		return err
	}, func(tmp, path string) error {
		// A hard link fails if path appeared meanwhile, unlike rename.
		err := os.Link(tmp, path)
		switch {
		case errors.Is(err, fs.ErrExist):
			exists = true
			err = nil
		case err != nil:
			// Some NAS file systems have no hard links: fall back to a
			// rename, re-checking first.
			if _, statErr := os.Lstat(path); statErr == nil {
				exists = true
			} else {
				return os.Rename(tmp, path)
			}
			err = nil
		}
		if rmErr := os.Remove(tmp); err == nil && rmErr != nil {
			return rmErr
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("write default config: %w", err)
	}
	return !exists, nil
}
