package main

import (
	"testing"

	"github.com/nanoproc/nano/linker"
	"github.com/nanoproc/nano/policy"
	"github.com/nanoproc/nano/runtime"
)

// TestRootKeysFlags checks the flags nano run prints for a RootKeysError:
// the flags to add, where the root sees each missing fs slot, and the
// flags to drop, in the order the runtime lists the keys.
func TestRootKeysFlags(t *testing.T) {
	root := &linker.Instance{Path: "acme:app", Package: "acme:app", Version: "1.0.0",
		Keys:   []string{"env:HOME", "fs:cache=cache:ro", "fs:data=data:rw", "net:hooks.example:443", "stdio:stdout"},
		Mounts: map[string]string{"data": "/"}}
	net, err := policy.ParseNet("evil.example:*")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		c    *runtime.Config
		want string
	}{
		{"missing", &runtime.Config{Env: map[string]string{"HOME": "/"}},
			"acme:app needs keys the command line does not give; add:\n\t--dir cache=PATH:ro --dir data=PATH --net hooks.example:443\n" +
				"acme:app sees fs slot cache at /cache\nacme:app sees fs slot data at /"},
		{"both", &runtime.Config{Dirs: map[string]runtime.Dir{"cache": {}, "data": {}, "logs": {}}, Env: map[string]string{"LANG": "C"},
			Net: []policy.Key{net}, Deny: map[string]bool{"disk": true, "stdout": true}},
			"acme:app needs keys the command line does not give; add:\n\t--net hooks.example:443 --env HOME\n" +
				"acme:app does not declare these keys; drop:\n\t--dir logs --env LANG --net evil.example:* --deny disk"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := runtime.CheckRootKeys(root, tt.c)
			e, ok := err.(*runtime.RootKeysError)
			if !ok {
				t.Fatalf("CheckRootKeys = %v (%T), want a *RootKeysError", err, err)
			}
			if got := rootKeysFlags(e); got != tt.want {
				t.Errorf("rootKeysFlags =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
