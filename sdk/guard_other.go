//go:build !unix

package sdk

import "os"

// guardStdout does nothing where file descriptors cannot be redirected.
func guardStdout() (*os.File, error) { return os.Stdout, nil }
