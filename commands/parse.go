package commands

import (
	"fmt"
	"strings"
	"unicode"
)

// Prefix starts every command line.
const Prefix = "/rigel"

// Command is one parsed command line.
type Command struct {
	Line  string            // the line as typed, for replies
	Verb  string            // lower-case verb; "" for a bare "/rigel"
	Args  []string          // positional arguments
	Flags map[string]string // --name N / --name=N; boolean flags map to "true"; the last one given
	// all holds every value of each flag given more than once, in order (FlagValues).
	all map[string][]string
}

// Flag returns a flag's value and whether it was given.
func (c Command) Flag(name string) (string, bool) {
	v, ok := c.Flags[name]
	return v, ok
}

// FlagValues returns every value a repeatable flag was given, in order (`--tla a=1 --tla
// b=2`); nil when it was not given.
func (c Command) FlagValues(name string) []string {
	if vs, ok := c.all[name]; ok {
		return vs
	}
	if v, ok := c.Flags[name]; ok { // given once
		return []string{v}
	}
	return nil
}

// ParseError is a command line that cannot be read; its message says how to fix it.
type ParseError struct {
	Line string
	Msg  string
}

func (e *ParseError) Error() string { return e.Msg }

// booleanFlags take no value.
var booleanFlags = map[string]bool{"all": true, "force": true, "prune": true}

// shortFlags are the one-letter spellings of flags: "-n NS" is "--namespace NS".
var shortFlags = map[string]string{"n": "namespace"}

// MaxCommands is how many commands of one comment Rigel reads and runs; the lines after them
// are counted, not parsed, and refused together in one reply.
const MaxCommands = 10

// Parse finds the commands in a comment body, in order: at most MaxCommands (see
// ParseComment). Lines inside fenced code blocks and quoted lines ("> ...") are not commands,
// so quoting an earlier reply runs nothing. Lines that start with the prefix but cannot be
// parsed come back as ParseErrors in the same order.
func Parse(body string) ([]Command, []error) {
	cmds, errs, _ := ParseComment(body)
	return cmds, errs
}

// ParseComment is Parse that also says how many command lines came after the first
// MaxCommands: those are not parsed.
func ParseComment(body string) (cmds []Command, errs []error, dropped int) {
	inFence := false
	for _, raw := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~") {
			inFence = !inFence
			continue
		}
		if inFence || !hasPrefix(line) {
			continue
		}
		if len(cmds) == MaxCommands {
			dropped++
			continue
		}
		cmd, err := parseLine(line)
		if err != nil {
			errs = append(errs, err)
			cmds = append(cmds, Command{Line: line, Verb: errorVerb})
			continue
		}
		cmds = append(cmds, cmd)
	}
	return cmds, errs, dropped
}

// errorVerb is the verb of a line that could not be parsed; its error is in Parse's errors.
const errorVerb = "\x00error"

func hasPrefix(line string) bool {
	if len(line) < len(Prefix) || !strings.EqualFold(line[:len(Prefix)], Prefix) {
		return false
	}
	rest := line[len(Prefix):]
	return rest == "" || unicode.IsSpace(rune(rest[0]))
}

func parseLine(line string) (Command, error) {
	if len(line) > 1000 {
		return Command{}, &ParseError{Line: line[:40] + "…", Msg: "the command line is longer than 1000 characters"}
	}
	words, err := splitWords(line[len(Prefix):])
	if err != nil {
		return Command{}, &ParseError{Line: line, Msg: err.Error()}
	}
	cmd := Command{Line: line, Flags: map[string]string{}}
	if len(words) == 0 {
		return cmd, nil
	}
	cmd.Verb = strings.ToLower(words[0])
	for i := 1; i < len(words); i++ {
		w := words[i]
		var name, val string
		var hasVal bool
		switch {
		case strings.HasPrefix(w, "--") && w != "--":
			name, val, hasVal = strings.Cut(w[2:], "=")
			name = strings.ToLower(name)
		case len(w) > 1 && w[0] == '-' && shortFlags[strings.SplitN(w[1:], "=", 2)[0]] != "":
			name, val, hasVal = strings.Cut(w[1:], "=")
			name = shortFlags[name]
		default:
			cmd.Args = append(cmd.Args, w)
			continue
		}
		switch {
		case hasVal:
		case booleanFlags[name]:
			val = "true"
		case i+1 < len(words) && !strings.HasPrefix(words[i+1], "--"):
			i++
			val = words[i]
		default:
			return Command{}, &ParseError{Line: line, Msg: fmt.Sprintf("the flag `--%s` needs a value, e.g. `--%s web`", name, name)}
		}
		if prev, again := cmd.Flags[name]; again { // kept for FlagValues
			if cmd.all == nil {
				cmd.all = map[string][]string{}
			}
			if len(cmd.all[name]) == 0 {
				cmd.all[name] = []string{prev}
			}
			cmd.all[name] = append(cmd.all[name], val)
		}
		cmd.Flags[name] = val
	}
	return cmd, nil
}

// splitWords splits on white space, keeping "double" or 'single' quoted words whole.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case unicode.IsSpace(r):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("a quote (%c) is not closed", quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
