package project

import (
	"slices"
	"strings"
	"testing"

	"github.com/nanoproc/nano/lockfile"
)

// limitsLock is a lock of acme:app over acme:zip (now at version) over
// acme:inflate, with the limits given on each edge as lock lines.
func limitsLock(t *testing.T, version, app, zip string) *lockfile.Lock {
	t.Helper()
	const d = "sha256:0000000000000000000000000000000000000000000000000000000000000001"
	text := `version = 1

[[package]]
name = "acme:app"
version = "1.0.0"
source = "path+."
manifest = "` + d + `"
module = "` + d + `"
dependencies = ["acme:zip ` + version + `"]

[[package]]
name = "acme:inflate"
version = "1.0.0"
source = "registry"
manifest = "` + d + `"
module = "` + d + `"

[[package]]
name = "acme:zip"
version = "` + version + `"
source = "registry"
manifest = "` + d + `"
module = "` + d + `"
dependencies = ["acme:inflate 1.0.0"]

[[edge]]
parent = "acme:app 1.0.0"
child = "acme:zip ` + version + `"
` + app + `

[[edge]]
parent = "acme:zip ` + version + `"
child = "acme:inflate 1.0.0"
` + zip + "\n"
	l, err := lockfile.Parse("nano.lock", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestLimitChanges checks the audit's limit-change findings: a limit raised
// or removed is one, reported and not blocking; one lowered or added is
// none; across an upgrade of the child it shows the version change.
func TestLimitChanges(t *testing.T) {
	base := limitsLock(t, "1.0.0", "memory = \"64MiB\"\ntime = \"30s\"", `memory = "16MiB"`)
	for _, tt := range []struct {
		name     string
		version  string
		app, zip string
		want     []string
	}{
		{"same", "1.0.0", "memory = \"64MiB\"\ntime = \"30s\"", `memory = "16MiB"`, nil},
		{"raised", "1.0.0", "memory = \"128MiB\"\ntime = \"30s\"", `memory = "16MiB"`, []string{
			"acme:zip ->1.0.0 from acme:app limit:memory=128MiB raised: acme:app raises its memory limit from 64MiB to 128MiB",
		}},
		{"removed", "1.0.0", `memory = "64MiB"`, "", []string{
			"acme:inflate ->1.0.0 from acme:zip limit:memory=16MiB removed: acme:zip no longer limits its memory (was 16MiB)",
			"acme:zip ->1.0.0 from acme:app limit:time=30s removed: acme:app no longer limits its time (was 30s)",
		}},
		{"lowered and added", "1.0.0", "memory = \"32MiB\"\ntime = \"1s\"", "memory = \"16MiB\"\ntime = \"1s\"", nil},
		{"raised in an upgrade", "1.1.0", "memory = \"64MiB\"\ntime = \"30s\"", `memory = "32MiB"`, []string{
			"acme:inflate ->1.0.0 from acme:zip limit:memory=32MiB raised: acme:zip raises its memory limit from 16MiB to 32MiB",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range Changes(base, limitsLock(t, tt.version, tt.app, tt.zip)) {
				if f.Blocks {
					t.Errorf("finding %+v blocks", f)
				}
				if f.Kind != "limit-change" {
					t.Errorf("finding %+v, want only limit-change findings", f)
					continue
				}
				got = append(got, f.Package+" "+f.From+"->"+f.To+" from "+f.Parent+" "+f.Key+" "+f.Change+": "+f.Reason)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Changes =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
