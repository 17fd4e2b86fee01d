package hostapi

import (
	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/policy"
)

// Spawn is nano:process/spawn (SPEC section 8): start, wait for, kill and
// pipe to child nanoprocesses. Its calls need a spawn key.
var Spawn = spawnInterface()

// The cases of the stdio enum of nano:process/spawn, by index.
const (
	StdioNull = iota
	StdioInherit
	StdioPipe
)

// The fields of nano:process/spawn's options record, by index.
const (
	OptArgs = iota
	OptEnv
	OptKeys
	OptStdin
	OptStdout
	OptStderr
	OptMaxMemoryPages
	OptTimeoutMS
)

func spawnInterface() *Interface {
	const module = "nano:process/spawn@0.1.0"
	str, u32 := prim(iface.String), prim(iface.U32)
	stdio := enum("null", "inherit", "pipe")
	options := &iface.Type{Kind: iface.Record, Fields: []iface.Field{
		field("args", list(str)),
		field("env", list(tuple(str, str))),
		field("keys", list(str)),
		field("stdin", stdio),
		field("stdout", stdio),
		field("stderr", stdio),
		field("max-memory-pages", u32),
		field("timeout-ms", u32),
	}}
	exit := &iface.Type{Kind: iface.Variant, Cases: []iface.Case{
		{Name: "exited", Type: prim(iface.S32)},
		{Name: "trapped", Type: str},
		{Name: "killed", Type: str},
	}}
	child := field("child", u32)
	orErr := result(nil, str)
	return &Interface{Module: module, Key: policy.Spawn, File: "process.wit", Funcs: []*iface.Func{
		define(module, "close-stdin", []iface.Field{child}, orErr),
		define(module, "kill", []iface.Field{child}, orErr),
		define(module, "read", []iface.Field{child, field("stderr", prim(iface.Bool)), field("max", u32)}, result(list(prim(iface.U8)), str)),
		define(module, "start", []iface.Field{field("name", str), field("opts", options)}, result(u32, str)),
		define(module, "wait", []iface.Field{child}, result(exit, str)),
		define(module, "write", []iface.Field{child, field("data", list(prim(iface.U8)))}, orErr),
	}}
}
