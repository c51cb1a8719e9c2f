package webui

import (
	"encoding/xml"
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/chromedp/chromedp"
)

// unraidTemplate is what the WebUI test reads of unraid/ddc.xml.
type unraidTemplate struct {
	WebUI   string `xml:"WebUI"`
	Configs []struct {
		Target string `xml:"Target,attr"`
		Type   string `xml:"Type,attr"`
		Value  string `xml:",chardata"`
	} `xml:"Config"`
}

// webUIPort is the [PORT:n] placeholder of an Unraid WebUI link: Unraid
// puts in the host port mapped to the container's port n.
var webUIPort = regexp.MustCompile(`\[PORT:([0-9]+)\]`)

// TestUnraidWebUILink: the WebUI link of the Unraid template, with the
// server's address for [IP] and for [PORT:9374] the host port the
// template maps to the container's 9374 (DDC's default web port), opens
// DDC's first-run setup page in chromium.
func TestUnraidWebUILink(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "unraid", "ddc.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl unraidTemplate
	if err := xml.Unmarshal(raw, &tpl); err != nil {
		t.Fatalf("unraid/ddc.xml: %v", err)
	}
	m := webUIPort.FindStringSubmatch(tpl.WebUI)
	if m == nil || !strings.Contains(tpl.WebUI, "[IP]") {
		t.Fatalf("WebUI %q has no [IP] and [PORT:n]", tpl.WebUI)
	}
	hostPort := ""
	for _, c := range tpl.Configs {
		if c.Type == "Port" && c.Target == m[1] {
			hostPort = strings.TrimSpace(c.Value)
		}
	}
	if hostPort == "" {
		t.Fatalf("the template maps no host port to the container's %s, which its WebUI link names", m[1])
	}
	// DDC listens where the template's mapping puts it; if another
	// program holds that port here, on a free one (the link then carries
	// that port, as Unraid would after the user changed the mapping).
	listen := "127.0.0.1:" + hostPort
	if ln, err := net.Listen("tcp", listen); err != nil {
		if !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatal(err)
		}
		t.Logf("port %s is taken on this machine; DDC listens on a free one", hostPort)
		listen = "127.0.0.1:0"
	} else {
		ln.Close()
	}
	base, _ := serveOn(t, listen, map[string]any{}, nil)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	link := webUIPort.ReplaceAllString(strings.ReplaceAll(tpl.WebUI, "[IP]", "127.0.0.1"), port)
	t.Logf("WebUI %s → %s", tpl.WebUI, link)

	ctx := browser(t)
	run(t, ctx, "open the WebUI link",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("#setup-submit")),
	)
	if u := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(u, "/setup") {
		t.Errorf("the WebUI link led to %s, want the setup page", u)
	}
	screenshot(t, ctx, "unraid-webui")
}
