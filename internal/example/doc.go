// Package example holds tests of the bundled example in testdata/example.
package example
