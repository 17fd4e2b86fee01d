package hostapi

import (
	"github.com/nanoproc/nano/iface"
	"github.com/nanoproc/nano/policy"
)

// TCP is nano:net/tcp (SPEC section 9): connections to the hosts the
// caller's net keys name. Its calls need a net key.
var TCP = tcpInterface()

// HTTP is nano:net/http (SPEC section 9): requests to the hosts the
// caller's net keys name, every redirect checked. Its calls need a net key.
var HTTP = httpInterface()

// The fields of nano:net/http's request and response records, by index.
const (
	ReqMethod = iota
	ReqURL
	ReqHeaders
	ReqBody
)

// The fields of nano:net/http's response record, by index.
const (
	RespStatus = iota
	RespHeaders
	RespBody
)

func tcpInterface() *Interface {
	const module = "nano:net/tcp@0.1.0"
	str, u32 := prim(iface.String), prim(iface.U32)
	bytes := list(prim(iface.U8))
	conn := field("conn", u32)
	return &Interface{Module: module, Key: policy.Net, File: "net.wit", Funcs: []*iface.Func{
		define(module, "close", []iface.Field{conn}, nil),
		define(module, "connect", []iface.Field{field("host", str), field("port", prim(iface.U16))}, result(u32, str)),
		define(module, "recv", []iface.Field{conn, field("max", u32)}, result(bytes, str)),
		define(module, "send", []iface.Field{conn, field("data", bytes)}, result(u32, str)),
	}}
}

func httpInterface() *Interface {
	const module = "nano:net/http@0.1.0"
	str := prim(iface.String)
	bytes := list(prim(iface.U8))
	headers := list(tuple(str, str))
	request := &iface.Type{Kind: iface.Record, Fields: []iface.Field{
		field("method", str), field("url", str), field("headers", headers), field("body", bytes),
	}}
	response := &iface.Type{Kind: iface.Record, Fields: []iface.Field{
		field("status", prim(iface.U16)), field("headers", headers), field("body", bytes),
	}}
	return &Interface{Module: module, Key: policy.Net, File: "net.wit", Funcs: []*iface.Func{
		define(module, "fetch", []iface.Field{field("req", request)}, result(response, str)),
	}}
}
