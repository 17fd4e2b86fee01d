package iface

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// echoFunc is served.wat's import: echo(name: string, data: list<u8>) ->
// result<list<u8>, string>.
func echoFunc(t *testing.T) *Func {
	str, u8s := &Type{Kind: String}, &Type{Kind: List, Elem: &Type{Kind: U8}}
	res := &Type{Kind: Result, Ok: &Type{Kind: List, Elem: &Type{Kind: U8}}, Err: &Type{Kind: String}}
	if err := Seal(str, u8s.Elem, u8s, res.Ok.Elem, res.Ok, res.Err, res); err != nil {
		t.Fatal(err)
	}
	return &Func{Interface: "test:host/api", Name: "echo", Params: []Field{{"name", str}, {"data", u8s}}, Results: []*Type{res}}
}

// serveEcho instantiates a host module serving echo with impl, and
// served.wat importing it.
func serveEcho(t *testing.T, impl HostImpl) api.Module {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { rt.Close(ctx) })
	f := echoFunc(t)
	fn, err := Serve(f, "test:host/api#echo", impl, nil)
	if err != nil {
		t.Fatal(err)
	}
	params, results := f.CoreImport()
	if _, err := rt.NewHostModuleBuilder("test:host/api").NewFunctionBuilder().WithGoModuleFunction(fn, params, results).Export("echo").Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	return instantiate(t, rt, "served.wasm", "guest")
}

// put writes b into m's memory at p.
func put(t *testing.T, m api.Module, p uint32, b []byte) {
	if !m.Memory().Write(p, b) {
		t.Fatalf("write at 0x%x", p)
	}
}

func TestServe(t *testing.T) {
	ctx := context.Background()
	var gotName string
	var gotData []byte
	m := serveEcho(t, func(_ context.Context, caller api.Module, args []Value) ([]Value, error) {
		gotName, gotData = args[0].(string), args[1].([]byte)
		if gotName == "no" {
			return []Value{ResultValue{Err: true, Value: "refused: " + gotName}}, nil
		}
		return []Value{ResultValue{Value: append([]byte(gotName+":"), gotData...)}}, nil
	})
	put(t, m, 0x8000, []byte("hi"))
	put(t, m, 0x8010, []byte{0, 1, 2, 255})
	const ret = 0x9000
	if _, err := m.ExportedFunction("call").Call(ctx, 0x8000, 2, 0x8010, 4, ret); err != nil {
		t.Fatal(err)
	}
	if gotName != "hi" || string(gotData) != "\x00\x01\x02\xff" {
		t.Fatalf("host got %q, %q", gotName, gotData)
	}
	mem, _ := m.Memory().Read(0, m.Memory().Size())
	if mem[ret] != 0 {
		t.Fatalf("discriminant %d, want ok", mem[ret])
	}
	p, n := binary.LittleEndian.Uint32(mem[ret+4:]), binary.LittleEndian.Uint32(mem[ret+8:])
	if got := string(mem[p : p+n]); got != "hi:\x00\x01\x02\xff" {
		t.Fatalf("result %q", got)
	}

	put(t, m, 0x8000, []byte("no"))
	if _, err := m.ExportedFunction("call").Call(ctx, 0x8000, 2, 0x8010, 0, ret); err != nil {
		t.Fatal(err)
	}
	mem, _ = m.Memory().Read(0, m.Memory().Size())
	p, n = binary.LittleEndian.Uint32(mem[ret+4:]), binary.LittleEndian.Uint32(mem[ret+8:])
	if mem[ret] != 1 || string(mem[p:p+n]) != "refused: no" {
		t.Fatalf("err result: discriminant %d, %q", mem[ret], mem[p:p+n])
	}
}

// TestServeHostile calls the served function with what a hostile guest
// can pass: each traps the caller with an error naming what is wrong, and
// the host implementation is never called.
func TestServeHostile(t *testing.T) {
	ctx := context.Background()
	called := false
	m := serveEcho(t, func(context.Context, api.Module, []Value) ([]Value, error) {
		called = true
		return []Value{ResultValue{Value: []byte("x")}}, nil
	})
	put(t, m, 0x8000, []byte{0xff, 0xfe})
	for _, c := range []struct {
		name string
		args []uint64
		want string
	}{
		{"bad utf-8", []uint64{0x8000, 2, 0, 0, 0x9000}, "argument name: string of 2 bytes at 0x8000 is not valid UTF-8"},
		{"name out of bounds", []uint64{0xfffe, 4, 0, 0, 0x9000}, "argument name: string of 4 bytes at 0xfffe is out of bounds"},
		{"data out of bounds", []uint64{0x8000, 0, 0xffff_fff0, 0x20, 0x9000}, "argument data: list of 32 u8 at 0xfffffff0 is out of bounds"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := m.ExportedFunction("call").Call(ctx, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if called {
				t.Fatal("the host was called")
			}
		})
	}
	for _, c := range []struct {
		name string
		ret  uint64
		want string
	}{
		{"return pointer out of bounds", 0xfffc, "return pointer 0xfffc is out of bounds"},
		{"return pointer misaligned", 0x9001, "return pointer 0x9001 is not aligned to 4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := m.ExportedFunction("call").Call(ctx, 0x8010, 0, 0x8010, 0, c.ret)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}
