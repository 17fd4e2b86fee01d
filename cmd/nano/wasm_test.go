package main

import (
	"testing"

	"github.com/nanoproc/nano/internal/wasmtest"
)

func TestWasmFixtures(t *testing.T) { wasmtest.CheckFixtures(t, "testdata/wasm/*.wat", nil) }
