//go:build !linux

package rootfs

import experimentalsys "github.com/tetratelabs/wazero/experimental/sys"

// utimens sets f's times by its path, through the root, if the path still
// names f: package os has no futimens. Should the path be replaced between
// the check and the change, the times of the new file change instead; that
// file is still inside the root.
func (f *file) utimens(atim, mtim int64) experimentalsys.Errno {
	cur, err := f.fs.root.Open(f.path)
	if err != nil {
		return f.fs.errno(err)
	}
	defer cur.Close()
	if errno := f.sameFile(cur); errno != 0 {
		return errno
	}
	return f.fs.errno(f.fs.root.Chtimes(f.path, toTime(atim), toTime(mtim)))
}
