// Command testctr is the tiny program that runs inside DDC's test
// containers. It is built statically and shipped in a FROM scratch image by
// package dockertest.
//
// Without arguments it logs "testctr start" and then "testctr tick N" every
// TESTCTR_LOG_EVERY (a Go duration, default 1s), and runs until SIGTERM or
// SIGINT, after which it waits TESTCTR_STOP_DELAY (default 0) and exits 0.
// When TESTCTR_EXIT_AFTER is set it exits on its own after that duration
// with code TESTCTR_EXIT_CODE (default 0).
//
// "testctr health" is the image's HEALTHCHECK (scratch has no shell): it
// exits 0 unless TESTCTR_UNHEALTHY=1, which it inherits from the container.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "health" {
		if os.Getenv("TESTCTR_UNHEALTHY") == "1" {
			fmt.Println("testctr unhealthy")
			os.Exit(1)
		}
		fmt.Println("testctr healthy")
		return
	}
	os.Exit(run())
}

func run() int {
	every, err := duration("TESTCTR_LOG_EVERY", time.Second)
	if err != nil || every <= 0 {
		fmt.Fprintf(os.Stderr, "testctr: bad TESTCTR_LOG_EVERY: %v\n", err)
		return 2
	}
	stopDelay, err := duration("TESTCTR_STOP_DELAY", 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testctr: %v\n", err)
		return 2
	}
	exitAfter, err := duration("TESTCTR_EXIT_AFTER", 0)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testctr: %v\n", err)
		return 2
	}
	exitCode := 0
	if s := os.Getenv("TESTCTR_EXIT_CODE"); s != "" {
		if exitCode, err = strconv.Atoi(s); err != nil {
			fmt.Fprintf(os.Stderr, "testctr: bad TESTCTR_EXIT_CODE %q: %v\n", s, err)
			return 2
		}
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	var exit <-chan time.Time
	if exitAfter > 0 {
		exit = time.After(exitAfter)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()

	fmt.Println("testctr start")
	for n := 1; ; n++ {
		select {
		case s := <-sig:
			fmt.Printf("testctr got %v, stopping in %v\n", s, stopDelay)
			time.Sleep(stopDelay)
			fmt.Println("testctr stopped")
			return 0
		case <-exit:
			fmt.Printf("testctr exiting with code %d\n", exitCode)
			return exitCode
		case <-tick.C:
			fmt.Printf("testctr tick %d\n", n)
		}
	}
}

// duration reads the Go duration in the environment variable name, or def
// when it is unset.
func duration(name string, def time.Duration) (time.Duration, error) {
	s := os.Getenv(name)
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("parse %s %q: %w", name, s, err)
	}
	return d, nil
}
