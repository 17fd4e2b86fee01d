package linker

// SetInterpretBelow sets the size from which a caching analyzer validates
// with the compiler, for the external tests.
func SetInterpretBelow(a *Analyzer, n int) { a.interpretBelow = n }
