package linker

import (
	"strings"

	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/nanoproc/nano/hostapi"
	"github.com/nanoproc/nano/policy"
)

// WASI is the module name of WASI preview1 imports.
const WASI = wasi_snapshot_preview1.ModuleName

// preview1 is every WASI preview1 function (the names wazero implements) and
// the kind of key it needs, 0 for none. A function that needs no key works
// on file descriptors the nanoprocess holds already (its preopened slots,
// its streams, what path_open gave it), or touches nothing outside it.
var preview1 = map[string]policy.Kind{
	"args_get":       0,
	"args_sizes_get": 0,

	"environ_get":       policy.Env,
	"environ_sizes_get": policy.Env,

	"clock_res_get":  policy.Clock,
	"clock_time_get": policy.Clock,
	"poll_oneoff":    policy.Clock, // sleeps: clock subscriptions

	"random_get": policy.Random,

	"fd_advise":             0,
	"fd_allocate":           0,
	"fd_close":              0,
	"fd_datasync":           0,
	"fd_fdstat_get":         0,
	"fd_fdstat_set_flags":   0,
	"fd_fdstat_set_rights":  0,
	"fd_filestat_get":       0,
	"fd_filestat_set_size":  0,
	"fd_filestat_set_times": 0,
	"fd_pread":              0,
	"fd_prestat_dir_name":   0,
	"fd_prestat_get":        0,
	"fd_pwrite":             0,
	"fd_read":               0,
	"fd_readdir":            policy.FS,
	"fd_renumber":           0,
	"fd_seek":               0,
	"fd_sync":               0,
	"fd_tell":               0,
	"fd_write":              0,

	"path_create_directory":   policy.FS,
	"path_filestat_get":       policy.FS,
	"path_filestat_set_times": policy.FS,
	"path_link":               policy.FS,
	"path_open":               policy.FS,
	"path_readlink":           policy.FS,
	"path_remove_directory":   policy.FS,
	"path_rename":             policy.FS,
	"path_symlink":            policy.FS,
	"path_unlink_file":        policy.FS,

	"proc_exit":   0,
	"proc_raise":  0,
	"sched_yield": 0,

	"sock_accept":   policy.Net,
	"sock_recv":     policy.Net,
	"sock_send":     policy.Net,
	"sock_shutdown": policy.Net,
}

// ImportNeed says what an import of function name from module needs: a
// key, for WASI preview1 functions and nano's host APIs; a dependency's
// export, for a module named like a package; nothing, for WASI functions
// that need no key. Anything else, including a name WASI preview1 or the
// host API does not have, is unknown: nano cannot link it.
func ImportNeed(module, name string) Need {
	if strings.HasPrefix(module, hostapi.Prefix) {
		i, _, err := hostapi.Lookup(module, name)
		if err != nil {
			return Need{Kind: NeedUnknown}
		}
		return Need{Kind: NeedKey, Key: i.Key}
	}
	if module == WASI {
		kind, ok := preview1[name]
		switch {
		case !ok:
			return Need{Kind: NeedUnknown}
		case kind == 0:
			return Need{Kind: NeedNone}
		}
		return Need{Kind: NeedKey, Key: kind}
	}
	if _, ok := dependency(module); ok {
		return Need{Kind: NeedDependency}
	}
	return Need{Kind: NeedUnknown}
}

// dependency returns the package an import module names: the package
// itself ("acme:zip"), or the package of one of its WIT interfaces
// ("acme:zip/unpack@1.4.0").
func dependency(module string) (string, bool) {
	pkg, _, _ := strings.Cut(module, "/")
	return pkg, policy.CheckName(pkg) == nil
}

// Dependency returns the package an import of a dependency names: its
// module, or the package of the WIT interface it names.
func (im Import) Dependency() string {
	pkg, _ := dependency(im.Module)
	return pkg
}
