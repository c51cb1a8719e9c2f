package panic

import "testing"

func TestFirst(t *testing.T) {}
func TestBoom(t *testing.T)  { t.Log("about to"); var m map[string]int; m["x"] = 1 }
func TestAfter(t *testing.T) {}
