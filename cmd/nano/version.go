package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
)

// The modules whose versions nano version prints beside its own.
var versionDeps = []struct{ path, what string }{
	{"github.com/tetratelabs/wazero", "runtime"},
	{"go.bytecodealliance.org", "WIT parser"},
}

func (e *env) version(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return failf(exitFound, "this nano binary holds no build information")
	}
	writeVersion(e.stdout, bi)
	return nil
}

// writeVersion prints nano's module version, the VCS revision it was
// built from when known, the Go version, and the versions of its runtime
// and WIT parser.
func writeVersion(w io.Writer, bi *debug.BuildInfo) {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	fmt.Fprintf(w, "nano %s\n", v)
	vcs := map[string]string{}
	for _, s := range bi.Settings {
		vcs[s.Key] = s.Value
	}
	if rev := vcs["vcs.revision"]; rev != "" {
		var notes []string
		if t := vcs["vcs.time"]; t != "" {
			notes = append(notes, t)
		}
		if vcs["vcs.modified"] == "true" {
			notes = append(notes, "modified")
		}
		line := "revision " + rev
		if len(notes) > 0 {
			line += " (" + strings.Join(notes, ", ") + ")"
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "go %s\n", strings.TrimPrefix(bi.GoVersion, "go"))
	for _, want := range versionDeps {
		for _, d := range bi.Deps {
			if d.Path != want.path {
				continue
			}
			if d.Replace != nil {
				d = d.Replace
			}
			fmt.Fprintf(w, "%s: %s %s\n", want.what, want.path, d.Version)
		}
	}
}

// completion prints the script that makes a shell complete nano's
// commands and flags through urfave/cli's --generate-bash-completion.
func (e *env) completion(c *cli.Context) error {
	if c.NArg() != 1 {
		return failf(exitUsage, "completion takes a shell: bash or zsh")
	}
	switch c.Args().First() {
	case "bash":
		_, err := io.WriteString(e.stdout, bashCompletion)
		return err
	case "zsh":
		_, err := io.WriteString(e.stdout, zshCompletion)
		return err
	}
	return failf(exitUsage, "completion %q: want bash or zsh", c.Args().First())
}

// bashCompletion is urfave/cli v2's autocomplete/bash_autocomplete for
// the program nano, which also works without the bash-completion package.
const bashCompletion = `# bash completion for nano: source <(nano completion bash)
_nano_init_completion() {
  COMPREPLY=()
  if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
    _get_comp_words_by_ref "$@" cur prev words cword
  else
    # Without the bash-completion package: words split as bash splits them.
    cur="${COMP_WORDS[COMP_CWORD]}"
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  fi
}

_nano_bash_autocomplete() {
  if [[ "${COMP_WORDS[0]}" != "source" ]]; then
    local cur opts base words
    COMPREPLY=()
    cur="${COMP_WORDS[COMP_CWORD]}"
    if declare -F _init_completion >/dev/null 2>&1; then
      _init_completion -n "=:" || return
    else
      _nano_init_completion -n "=:" || return
    fi
    words=("${words[@]:0:$cword}")
    if [[ "$cur" == "-"* ]]; then
      requestComp="${words[*]} ${cur} --generate-bash-completion"
    else
      requestComp="${words[*]} --generate-bash-completion"
    fi
    opts=$(eval "${requestComp}" 2>/dev/null)
    COMPREPLY=($(compgen -W "${opts}" -- ${cur}))
    return 0
  fi
}

complete -o bashdefault -o default -o nospace -F _nano_bash_autocomplete nano
`

// zshCompletion is urfave/cli v2's autocomplete/zsh_autocomplete for the
// program nano.
const zshCompletion = `#compdef nano
# zsh completion for nano: source <(nano completion zsh)

_nano_zsh_autocomplete() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion)}")
  fi

  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}

compdef _nano_zsh_autocomplete nano
`

// completeFrom makes app answer --generate-bash-completion from args, the
// arguments nano was given, rather than from os.Args as urfave/cli's
// default does: a command's names after its flags, or the flags that
// start with the word being completed.
func completeFrom(app *cli.App, args []string) {
	last := ""
	if n := len(args); n >= 2 {
		last = args[n-2]
	}
	complete := func(cmd *cli.Command) cli.BashCompleteFunc {
		return func(c *cli.Context) {
			w := c.App.Writer
			if strings.HasPrefix(last, "-") {
				flags := app.Flags
				if cmd != nil {
					flags = cmd.Flags
				}
				for _, f := range flags {
					for _, name := range f.Names() {
						word := "--" + name
						if len(name) == 1 {
							word = "-" + name
						}
						if strings.HasPrefix(word, last) && word != last {
							fmt.Fprintln(w, word)
						}
					}
				}
				return
			}
			if cmd == nil {
				for _, sub := range app.Commands {
					if !sub.Hidden {
						fmt.Fprintln(w, sub.Name)
					}
				}
			}
		}
	}
	app.BashComplete = complete(nil)
	for _, c := range app.Commands {
		c.BashComplete = complete(c)
	}
}
