package handles

import (
	"testing"

	"github.com/tetratelabs/wazero/api"
)

// caller is a distinct api.Module per value, for the table's keys.
type caller struct {
	api.Module
	id int
}

func TestTable(t *testing.T) {
	var tab Table[string]
	a, b := &caller{id: 1}, &caller{id: 2}
	if n, ok := tab.Add(a, "x", 2); !ok || n != 1 {
		t.Fatalf("first Add = %d, %v", n, ok)
	}
	if n, _ := tab.Add(a, "y", 2); n != 2 {
		t.Fatalf("second Add = %d", n)
	}
	if _, ok := tab.Add(a, "z", 2); ok {
		t.Fatal("Add past max succeeded")
	}
	if _, ok := tab.Get(b, 1); ok {
		t.Fatal("another caller's handle was found")
	}
	if v, ok := tab.Remove(a, 1); !ok || v != "x" {
		t.Fatalf("Remove = %q, %v", v, ok)
	}
	if n, _ := tab.Add(a, "z", 2); n != 3 {
		t.Fatalf("Add after Remove = %d, want 3: handles are never reused", n)
	}
	if got := tab.All(a, true); len(got) != 2 {
		t.Fatalf("All = %v", got)
	}
	if n, _ := tab.Add(a, "w", 0); n != 4 {
		t.Fatalf("Add after All = %d, want 4", n)
	}
	tab.Forget(a)
	if n, _ := tab.Add(a, "v", 0); n != 1 {
		t.Fatalf("Add after Forget = %d, want 1: a new module", n)
	}
}
