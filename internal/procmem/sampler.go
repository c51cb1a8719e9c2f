package procmem

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
)

// A Sampler reads processes' memory over and over without garbage: it
// keeps one buffer for the files it reads. Polling watchdogs use it; a
// Sampler is not safe for concurrent use.
type Sampler struct {
	buf []byte
}

// read reads the whole of a small /proc file into s.buf.
func (s *Sampler) read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if s.buf == nil {
		s.buf = make([]byte, 0, 4096)
	}
	b := s.buf[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	s.buf = b
	return b, nil
}

// RSS returns pid's resident memory in kB from /proc/PID/statm, which
// every user may read.
func (s *Sampler) RSS(pid int) (int64, error) {
	raw, err := s.read("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0, fmt.Errorf("memory of process %d: %w", pid, err)
	}
	// statm: size resident shared text lib data dt, in pages.
	_, rest, _ := bytes.Cut(raw, []byte(" "))
	field, _, _ := bytes.Cut(rest, []byte(" "))
	pages, ok := atoi(field)
	if !ok {
		return 0, fmt.Errorf("memory of process %d: statm %q has no resident size", pid, raw)
	}
	return pages * int64(os.Getpagesize()/1024), nil
}

// Rollup returns pid's RSS, PSS and anonymous memory in kB from
// /proc/PID/smaps_rollup (which needs ptrace rights over pid), without
// its command line.
func (s *Sampler) Rollup(pid int) (Usage, error) {
	u := Usage{PID: pid}
	raw, err := s.read("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return u, fmt.Errorf("memory of process %d: %w", pid, err)
	}
	for len(raw) > 0 {
		var line []byte
		line, raw, _ = bytes.Cut(raw, []byte("\n"))
		key, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(key) {
		case "Rss":
			dst = &u.RSS
		case "Pss":
			dst = &u.PSS
		case "Anonymous":
			dst = &u.Anon
		default:
			continue
		}
		val = bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(val), []byte("kB")))
		if v, ok := atoi(val); ok {
			*dst = v
		}
	}
	return u, nil
}

// atoi parses a non-negative decimal number without allocating.
func atoi(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
