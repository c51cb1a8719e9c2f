package settings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// decodeJSON reads one JSON document, keeping numbers exact (json.Number).
// Anything after the document is an error.
func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

// jsonType is one JSON Schema type, a bit of a typeSet.
type jsonType uint8

// The JSON Schema types, in the order messages list them.
const (
	typeNull jsonType = 1 << iota
	typeBoolean
	typeNumber
	typeInteger
	typeString
	typeArray
	typeObject
)

// typeSet is the types a "type" keyword allows; 0 is any type.
type typeSet uint8

func (s typeSet) has(t jsonType) bool { return s&typeSet(t) != 0 }

// allows reports whether v's type is in the set: "integer" allows a number
// with no fraction (1.0 and 1e2 included), as JSON Schema says.
func (s typeSet) allows(v any) bool {
	t := typeOf(v)
	if s.has(t) {
		return true
	}
	if t == typeNumber && s.has(typeInteger) {
		n, ok := v.(json.Number)
		return ok && isInteger(n)
	}
	return false
}

// names lists the set for a message: "a whole number or null".
func (s typeSet) names() string {
	var parts []string
	for t := typeNull; t <= typeObject; t <<= 1 {
		if s.has(t) {
			parts = append(parts, t.describe())
		}
	}
	return strings.Join(parts, " or ")
}

// parseType reads a JSON Schema type name.
func parseType(name string) (jsonType, bool) {
	switch name {
	case "null":
		return typeNull, true
	case "boolean":
		return typeBoolean, true
	case "number":
		return typeNumber, true
	case "integer":
		return typeInteger, true
	case "string":
		return typeString, true
	case "array":
		return typeArray, true
	case "object":
		return typeObject, true
	}
	return 0, false
}

// describe names a type for a message.
func (t jsonType) describe() string {
	switch t {
	case typeNull:
		return "null"
	case typeBoolean:
		return "true or false"
	case typeNumber:
		return "a number"
	case typeInteger:
		return "a whole number"
	case typeString:
		return "a string"
	case typeArray:
		return "a list"
	case typeObject:
		return "an object"
	}
	return "?"
}

// typeOf returns the JSON type of a decoded value; a number is typeNumber
// whether or not it has a fraction. Values decodeJSON cannot produce are
// 0.
func typeOf(v any) jsonType {
	switch v.(type) {
	case nil:
		return typeNull
	case bool:
		return typeBoolean
	case json.Number:
		return typeNumber
	case string:
		return typeString
	case []any:
		return typeArray
	case map[string]any:
		return typeObject
	}
	return 0
}

// number is an exact JSON number: an int64 when it is one and was written
// without fraction or exponent (the common case, compared without
// allocating), else a rational.
type number struct {
	small bool
	i     int64
	rat   *big.Rat
}

// parseNumber reads a JSON number exactly. It fails only for exponents too
// large to hold (beyond about 1e1000000).
func parseNumber(s string) (number, bool) {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return number{small: true, i: i}, true
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return number{}, false
	}
	return number{rat: r}, true
}

// big returns n as a rational.
func (n number) big() *big.Rat {
	if n.small {
		return new(big.Rat).SetInt64(n.i)
	}
	return n.rat
}

// cmp compares n and m: -1, 0 or +1.
func (n number) cmp(m number) int {
	if n.small && m.small {
		switch {
		case n.i < m.i:
			return -1
		case n.i > m.i:
			return 1
		}
		return 0
	}
	return n.big().Cmp(m.big())
}

// multipleOf reports whether n is a whole multiple of m (m > 0).
func (n number) multipleOf(m number) bool {
	if n.small && m.small {
		return n.i%m.i == 0
	}
	return new(big.Rat).Quo(n.big(), m.big()).IsInt()
}

// String writes n without needless digits: "5", "0.25".
func (n number) String() string {
	if n.small {
		return strconv.FormatInt(n.i, 10)
	}
	return ratString(n.rat)
}

// key writes n so that equal numbers give equal keys ("1", "1.0" and
// "1e0" all give "1").
func (n number) key() string {
	if n.small {
		return strconv.FormatInt(n.i, 10)
	}
	return n.rat.RatString()
}

// isInteger reports whether a JSON number has no fraction.
func isInteger(s json.Number) bool {
	n, ok := parseNumber(string(s))
	return ok && (n.small || n.rat.IsInt())
}

// ratString writes a rational without needless digits: "5", "0.25".
func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	s := r.FloatString(6)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// equal reports whether two decoded JSON values are equal as JSON Schema
// compares them: numbers by value (1 equals 1.0), objects regardless of
// member order.
func equal(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case string:
		b, ok := b.(string)
		return ok && a == b
	case json.Number:
		b, ok := b.(json.Number)
		if !ok {
			return false
		}
		if a == b {
			return true
		}
		x, ok1 := parseNumber(string(a))
		y, ok2 := parseNumber(string(b))
		return ok1 && ok2 && x.cmp(y) == 0
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equal(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, va := range a {
			vb, ok := b[k]
			if !ok || !equal(va, vb) {
				return false
			}
		}
		return true
	}
	return false
}

// writeKey writes a key of v such that equal values (as equal says) and
// only they have equal keys.
func writeKey(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("n")
	case bool:
		if v {
			b.WriteString("t")
		} else {
			b.WriteString("f")
		}
	case string:
		b.WriteString(strconv.Quote(v))
	case json.Number:
		if n, ok := parseNumber(string(v)); ok {
			b.WriteString("#" + n.key())
		} else {
			b.WriteString("!" + string(v))
		}
	case []any:
		b.WriteByte('[')
		for _, e := range v {
			writeKey(b, e)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for _, k := range keys {
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeKey(b, v[k])
			b.WriteByte(',')
		}
		b.WriteByte('}')
	}
}

// duplicate returns the first pair of equal items, i < j with j as small
// as it can be, or -1, -1.
func duplicate(items []any) (int, int) {
	if len(items) <= 32 {
		for j := 1; j < len(items); j++ {
			for i := range j {
				if equal(items[i], items[j]) {
					return i, j
				}
			}
		}
		return -1, -1
	}
	first := make(map[string]int, len(items))
	var b strings.Builder
	for j, item := range items {
		b.Reset()
		writeKey(&b, item)
		if i, ok := first[b.String()]; ok {
			return i, j
		}
		first[b.String()] = j
	}
	return -1, -1
}

// show writes a JSON value for a message.
func show(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case json.Number:
		return v.String()
	}
	return fmt.Sprint(v)
}
