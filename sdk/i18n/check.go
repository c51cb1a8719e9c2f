package i18n

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"text/template"
	"text/template/parse"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

// pluralSamples are the counts Check formats every plural message with:
// they reach every plural form the CLDR rules of common languages use for
// counts people see (0 to 1000, and decimals).
var pluralSamples = []any{0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 15, 20, 21, 22, 25, 100, 101, 102, 111, 1000, "0.5", "1.5"}

// Check reports every problem of the catalog, joined with errors.Join:
//
//   - a message that some language has and another lacks (every message in
//     every language, English included);
//   - a plural message without a form a language's CLDR rules need for a
//     count from 0 to 1000 or a decimal ("one" and "other" in English and
//     German; "one" for 0, 1 and 1.5 in French; "few" and "many" in Polish);
//   - a template that does not parse or fails to format;
//   - a translation that uses a value ({{.Name}}) its English text does not
//     have: the code never passes it, most often a typo.
//
// Call it from a test of the plugin: if err := catalog.Check(); err != nil
// { t.Fatal(err) }.
func (c *Catalog) Check() error {
	var errs []error
	ids := map[string]bool{}
	for _, msgs := range c.msgs {
		for id := range msgs {
			ids[id] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		en := c.msgs[English][id]
		var enVars map[string]bool
		if en != nil {
			vars, err := messageVars(en)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: message %q: %w", English, id, err))
				continue
			}
			enVars = vars
		}
		for _, lang := range c.langs {
			m, ok := c.msgs[lang][id]
			if !ok {
				errs = append(errs, fmt.Errorf("%s: message %q is missing", lang, id))
				continue
			}
			errs = append(errs, c.checkMessage(lang, m, en, enVars)...)
		}
	}
	return errors.Join(errs...)
}

// checkMessage checks one message of one language against its English text.
func (c *Catalog) checkMessage(lang string, m, en *goi18n.Message, enVars map[string]bool) []error {
	vars, err := messageVars(m)
	if err != nil {
		return []error{fmt.Errorf("%s: message %q: %w", lang, m.ID, err)}
	}
	var errs []error
	if en != nil {
		for _, v := range slices.Sorted(maps.Keys(vars)) {
			if !enVars[v] {
				errs = append(errs, fmt.Errorf("%s: message %q uses {{.%s}}, which the English text does not have", lang, m.ID, v))
			}
		}
	}
	data := map[string]any{}
	for v := range vars {
		data[v] = 2
	}
	for v := range enVars {
		data[v] = 2
	}
	counts := []any{nil}
	if en != nil && isPlural(en) || isPlural(m) {
		counts = pluralSamples
	}
	seen := map[string]bool{}
	for _, n := range counts {
		d := maps.Clone(data)
		if n != nil {
			d["Count"] = n
		}
		_, err := c.loc[lang].Localize(&goi18n.LocalizeConfig{MessageID: m.ID, TemplateData: d, PluralCount: n})
		if err != nil && !seen[err.Error()] {
			seen[err.Error()] = true
			errs = append(errs, fmt.Errorf("%s: message %q with Count %v: %w", lang, m.ID, n, err))
		}
	}
	return errs
}

// isPlural reports whether m has plural forms.
func isPlural(m *goi18n.Message) bool {
	return m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != ""
}

// messageVars returns the top-level values ({{.Name}}) the forms of m use.
func messageVars(m *goi18n.Message) (map[string]bool, error) {
	vars := map[string]bool{}
	for _, src := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		if src == "" {
			continue
		}
		t, err := template.New(m.ID).Delims(m.LeftDelim, m.RightDelim).Parse(src)
		if err != nil {
			return nil, fmt.Errorf("template %q: %w", src, err)
		}
		if t.Tree != nil {
			walkFields(t.Tree.Root, vars)
		}
	}
	return vars, nil
}

// walkFields collects the first identifier of every field in a template.
func walkFields(n parse.Node, vars map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkFields(c, vars)
		}
	case *parse.ActionNode:
		walkFields(n.Pipe, vars)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkFields(c, vars)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walkFields(a, vars)
		}
	case *parse.FieldNode:
		if len(n.Ident) > 0 {
			vars[n.Ident[0]] = true
		}
	case *parse.ChainNode:
		walkFields(n.Node, vars)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, vars)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, vars)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, vars)
	case *parse.TemplateNode:
		walkFields(n.Pipe, vars)
	}
}

func walkBranch(b *parse.BranchNode, vars map[string]bool) {
	walkFields(b.Pipe, vars)
	walkFields(b.List, vars)
	walkFields(b.ElseList, vars)
}
