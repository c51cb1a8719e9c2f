// Package bench writes DDC's performance report, bench/REPORT.md: the
// figures `task bench` measures on the machine it runs on, each beside its
// budget and, where there is one, DockerDiscordControl's own figure, with
// rows that say plainly what is not measured yet and why. This file renders
// the report; report_test.go measures. It must never import host/ or
// plugins/: it measures the shipped binary from outside, as a user runs it.
package bench

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Row is one figure of the report.
type Row struct {
	// What is measured, with its conditions.
	What string
	// Value is the measured figure with its unit; empty when NotMeasured
	// says why not.
	Value string
	// Budget is DDC's budget, such as "≤ 40 MB"; empty when there is none.
	Budget string
	// Verdict says whether the budget is kept, and by how much it is
	// missed (see Check); empty when there is no budget.
	Verdict string
	// DDCv1 is DockerDiscordControl's figure for the same thing, from its
	// own documentation; empty when it publishes none.
	DDCv1 string
	// NotMeasured is why there is no Value yet.
	NotMeasured string
	// Close says what would close a missed budget.
	Close string
}

// Report is everything REPORT.md shows.
type Report struct {
	// When the measurements ran.
	When time.Time
	// Machine describes where: OS/arch, CPUs, Go version, commit.
	Machine string
	// Setup describes how the figures were taken.
	Setup []string
	// Rows are the figures, in the order shown.
	Rows []Row
	// Details are the per-process figures and other supporting lines.
	Details []string
}

// Check compares value with a budget where lower is better and returns the
// verdict: "within budget (x% of it)" or "missed by d (x% over)", d in the
// unit given.
func Check(value, budget float64, unit string) string {
	if budget <= 0 {
		return ""
	}
	pct := value / budget * 100
	if value <= budget {
		return fmt.Sprintf("within budget (%.0f%% of it)", pct)
	}
	return fmt.Sprintf("**missed by %s %s** (%.0f%% over)", trim(value-budget), unit, pct-100)
}

// trim formats f with at most one decimal, without a trailing ".0".
func trim(f float64) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0")
}

// MB formats kilobytes as megabytes (MiB, as procmem and Docker count).
func MB(kb int64) string { return trim(float64(kb)/1024) + " MB" }

// Ms formats a duration in milliseconds.
func Ms(d time.Duration) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(d.Microseconds())/1000), ".0") + " ms"
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// Render returns the report as Markdown.
func Render(r Report) []byte {
	var b strings.Builder
	b.WriteString("# DDC performance report\n\n")
	b.WriteString("Written by `task bench` (bench/report_test.go); do not edit by hand.\n\n")
	fmt.Fprintf(&b, "Measured %s on %s.\n\n", r.When.UTC().Format("2006-01-02 15:04 UTC"), r.Machine)
	for _, s := range r.Setup {
		fmt.Fprintf(&b, "- %s\n", s)
	}
	if len(r.Setup) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("| figure | DDC | budget | verdict | DockerDiscordControl |\n")
	b.WriteString("| --- | --- | --- | --- | --- |\n")
	missed := 0
	for _, row := range r.Rows {
		value := row.Value
		if row.NotMeasured != "" {
			value = "not measured yet: " + row.NotMeasured
		}
		if strings.Contains(row.Verdict, "missed") {
			missed++
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(row.What), cell(value), cell(dash(row.Budget)), cell(dash(row.Verdict)), cell(dash(row.DDCv1)))
	}
	b.WriteString("\n")
	switch missed {
	case 0:
		b.WriteString("Every measured figure is within its budget.\n")
	default:
		fmt.Fprintf(&b, "%d measured figure(s) miss their budget:\n\n", missed)
		for _, row := range r.Rows {
			if strings.Contains(row.Verdict, "missed") {
				fmt.Fprintf(&b, "- %s: %s. %s\n", row.What, strings.ReplaceAll(row.Verdict, "**", ""), dash(row.Close))
			}
		}
	}
	b.WriteString("\nDockerDiscordControl's figures are from its own documentation (README and\n" +
		"performance notes): 150–180 MB RAM in normal use, peak below 200 MB, image about\n" +
		"200 MB. They were not measured here.\n")
	if len(r.Details) > 0 {
		b.WriteString("\n## Details\n\n```\n")
		for _, d := range r.Details {
			b.WriteString(d + "\n")
		}
		b.WriteString("```\n")
	}
	return []byte(b.String())
}

// PkgInit is the time one package's init took, from GODEBUG=inittrace=1.
type PkgInit struct {
	Pkg   string
	Clock time.Duration
}

// ParseInitTrace reads the lines GODEBUG=inittrace=1 prints ("init PKG @T
// ms, C ms clock, B bytes, A allocs") and returns the packages, slowest
// first, and their total clock time. Other lines are ignored.
func ParseInitTrace(out string) (pkgs []PkgInit, total time.Duration) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		// init PKG @T ms, C ms clock, ...
		if len(f) < 7 || f[0] != "init" || f[5] != "ms" || !strings.HasPrefix(f[6], "clock") {
			continue
		}
		ms, err := strconv.ParseFloat(f[4], 64)
		if err != nil {
			continue
		}
		d := time.Duration(ms * float64(time.Millisecond))
		pkgs = append(pkgs, PkgInit{Pkg: f[1], Clock: d})
		total += d
	}
	sort.SliceStable(pkgs, func(i, j int) bool { return pkgs[i].Clock > pkgs[j].Clock })
	return pkgs, total
}

// dash returns s, or "–" when it is empty.
func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
