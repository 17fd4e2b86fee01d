// Nano makes third-party WebAssembly code safe to depend on: every package
// declares the keys (capabilities) it needs in nano.toml, nano.lock records
// who holds which key, and nano audit fails CI when an upgrade escalates.
//
// Usage:
//
//	nano [-C DIR] [--registry DIR] [--offline] COMMAND [ARGS]
//
// Commands: init, lock, update, audit, diff, why, inspect, build, run,
// publish, version, completion. Run nano help COMMAND for each one's flags.
// source <(nano completion bash), or zsh, completes commands and flags.
//
// audit, diff and update write their findings with --format text (the
// default), json, markdown (a pull-request comment) or github (workflow
// annotations).
//
// Exit status, the same for every output format:
//
//	0  success
//	1  the command did its job and found something blocking: an escalation,
//	   a stale or tampered lock, a resolution or key-flow error
//	2  bad usage or malformed input: flags, nano.toml, nano.lock, policy,
//	   a missing nano.toml
//
// nano run exits with the guest's exit status, or 125 when nano itself
// fails: a trap, a missing key, a bad or tampered bundle, a missing, stale
// or tampered nano.lock for nano run DIR. Its bad usage exits 2. Everything
// after -- goes to the guest unchanged, and -- itself does not.
package main

// Exit statuses.
const (
	exitOK    = 0
	exitFound = 1
	exitUsage = 2
)
