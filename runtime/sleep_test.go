package runtime

import (
	"context"
	"testing"
	"time"

	"github.com/nanoproc/nano/runtime/process"
)

// TestKillSleepingChild kills a child that sleeps for a minute with the
// real clock: WASI's sleep does not watch the child's context, so nano
// gives children a sleep that wakes when they stop.
func TestKillSleepingChild(t *testing.T) {
	p, _ := spawnBundle(t, "spawner", "sleeper")
	mod := p.root.mods[p.root.top]
	c, err := p.Start(context.Background(), mod, &process.Request{Name: "acme:child"}, process.Streams{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // let it fall asleep
	c.Kill()
	select {
	case <-c.Done():
	case <-time.After(30 * time.Second): // a watchdog, not a timing: the sleep is 60 s
		t.Fatal("a killed child slept on")
	}
	if e := c.Exit(); e.Kind != process.Killed || e.Message != "killed" {
		t.Fatalf("exit %+v, want killed", e)
	}
}
