// Command moegate shows and uses moegate's Mixture-of-Experts routing.
//
// With no arguments it runs the load-balancing demonstration: DeepSeek-V3
// routing on a synthetic token stream, with no balancing, the
// auxiliary-loss-free sign rule and the linear rule side by side. The
// subcommands route NumPy data (route), replay logits through the bias
// controller (balance), measure the kernels (bench) and describe the machine
// (info). Run "moegate help" or "moegate <command> --help".
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/moegate/moegate/route"
)

const (
	exitOK    = 0
	exitFail  = 1 // the command failed for a reason other than its input
	exitInput = 2 // bad input: flags, files, shapes, values
)

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"demo", "the load-balancing demonstration (the default with no arguments)", runDemo},
		{"route", "route NumPy router logits: experts.npy, weights.npy, load.npy", runRoute},
		{"balance", "replay logits through the bias controller, saving its state", runBalance},
		{"bench", "tokens/s of every preset on every implementation here", runBench},
		{"info", "CPU, implementations, the kernel each preset uses, version", runInfo},
		{"study", "aux loss, Expert Choice and loss-free balancing on a learned toy MoE", runStudyCmd},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	var cmd *command
	rest := args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "help":
			if len(args) > 1 {
				return run([]string{args[1], "--help"}, stdout, stderr)
			}
			usage(stdout)
			return exitOK
		case "version":
			fmt.Fprintln(stdout, "moegate", version())
			return exitOK
		}
		for _, c := range commands() {
			if c.name == args[0] {
				cmd = &c
				rest = args[1:]
				break
			}
		}
		if cmd == nil {
			fmt.Fprintf(stderr, "moegate: unknown command %q\n\n", args[0])
			usage(stderr)
			return exitInput
		}
	} else {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			usage(stdout)
			fmt.Fprintln(stdout)
		}
		c := commands()[0]
		cmd = &c
	}
	err := cmd.run(rest, stdout, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		return exitInput
	}
	fmt.Fprintf(stderr, "moegate %s: %v\n", cmd.name, err)
	var ie *inputError
	if errors.As(err, &ie) {
		return exitInput
	}
	return exitFail
}

// errUsage reports a flag error whose message the flag package printed.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprint(w, `moegate: Mixture-of-Experts routing (top-K experts and weights from router logits)
and auxiliary-loss-free load balancing, with SIMD kernels bit-identical to a pure-Go spec.

Usage:
  moegate [flags]            run the load-balancing demonstration ("moegate demo --help")
  moegate <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `  version  print the version
  help     this text; "moegate help <command>" for a command's flags and example

Presets (--config or --preset): `+strings.Join(route.PresetNames(), ", ")+`
`)
}

// newFlags returns a FlagSet whose usage prints the command's text and
// flags to stdout on --help and whose errors go to stderr.
func newFlags(name, text string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stdout, text)
		fmt.Fprintln(stdout, "\nFlags (one or two dashes):")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	return fs
}

// parse parses args, flags and positional arguments in any order. --help
// prints the command's help and returns flag.ErrHelp; a flag error prints
// the error and one line pointing at --help (not the whole help) and
// returns errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	help := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = help }()
	err := parseInterleaved(fs, args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		help()
		return err
	}
	fmt.Fprintf(fs.Output(), "run 'moegate %s --help' for usage\n", fs.Name())
	return errUsage
}

// loadConfig resolves --config: a preset name or alias, or the path of a
// Hugging Face config.json.
func loadConfig(spec string) (route.Config, string, error) {
	if spec == "" {
		return route.Config{}, "", inputErrorf("--config is required: a preset (%s) or a config.json", strings.Join(route.PresetNames(), ", "))
	}
	if p, err := route.LookupPreset(spec); err == nil {
		return p.Config, p.Name, nil
	}
	data, err := os.ReadFile(spec)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return route.Config{}, "", inputErrorf("--config %s: no preset of that name (have %s) and no such file", spec, strings.Join(route.PresetNames(), ", "))
		}
		return route.Config{}, "", inputErrorf("--config %s: %v", spec, err)
	}
	cfg, err := route.FromHFConfig(data)
	if err != nil {
		return route.Config{}, "", inputErrorf("--config %s: %v", spec, err)
	}
	return cfg, spec, nil
}

// version reports the module version and VCS revision the binary was built
// from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " " + rev + dirty
	}
	return v + " " + bi.GoVersion
}
