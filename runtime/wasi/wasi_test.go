package wasi

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/nanoproc/nano/policy"
)

// TestConfigMissingSub hands a nanoprocess an fs key whose sub-directory
// does not exist: a read-only key, or a read-only directory, makes nothing
// and is a *MissingSubError; an rw key over an rw directory makes it.
func TestConfigMissingSub(t *testing.T) {
	at := func(slot string) string { return "/" + slot }
	for _, tt := range []struct {
		key       string
		readOnly  bool
		wantErr   bool
		wantRODir bool
	}{
		{"fs:out=data/new:ro", false, true, false},
		{"fs:out=data/new:rw", true, true, true},
		{"fs:out=data/new:rw", false, false, false},
	} {
		top := t.TempDir()
		keys, err := policy.ParseSet([]string{tt.key})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Config(&Host{Dirs: map[string]Dir{"data": {Path: top, ReadOnly: tt.readOnly}}}, keys, at, []string{"acme:x"})
		_, statErr := os.Stat(filepath.Join(top, "new"))
		var e *MissingSubError
		switch {
		case tt.wantErr && (!errors.As(err, &e) || e.Sub != "new" || e.Slot != "data" || e.ReadOnlyDir != tt.wantRODir):
			t.Errorf("%s (directory read-only %v): Config = %v, want a *MissingSubError", tt.key, tt.readOnly, err)
		case tt.wantErr && statErr == nil:
			t.Errorf("%s (directory read-only %v): made the sub-directory", tt.key, tt.readOnly)
		case !tt.wantErr && (err != nil || statErr != nil):
			t.Errorf("%s: Config = %v, stat = %v, want the sub-directory made", tt.key, err, statErr)
		}
	}
}
