package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

func main() {
	acceptedPath := flag.String("accepted", "internal/vulngate/accepted.txt", "the list of accepted vulnerabilities")
	flag.Parse()
	os.Exit(run(os.Stdin, os.Stdout, *acceptedPath))
}

// run gates govulncheck's JSON on in: 0 when every reachable vulnerability is accepted,
// 1 when one is not, 2 when the input or the accepted list cannot be read.
func run(in io.Reader, out io.Writer, acceptedPath string) int {
	f, err := os.Open(acceptedPath)
	if err != nil {
		fmt.Fprintf(out, "vulngate: failed to open the accepted list: %v\n", err)
		return 2
	}
	accepted, err := parseAccepted(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(out, "vulngate: %s: %v\n", acceptedPath, err)
		return 2
	}
	found, err := readFindings(in)
	if err != nil {
		fmt.Fprintf(out, "vulngate: %v\n", err)
		return 2
	}
	return gate(out, found, accepted)
}

// gate prints each reachable vulnerability, accepted or not, and the stale entries of the
// accepted list; it returns 1 when a reachable vulnerability is not accepted.
func gate(out io.Writer, found []reachable, accepted map[string]string) int {
	failed := 0
	seen := map[string]bool{}
	for _, r := range found {
		seen[r.ID] = true
		fixed := r.Fixed
		if fixed == "" {
			fixed = "none yet"
		}
		verdict := "NOT ACCEPTED"
		if reason, ok := accepted[r.ID]; ok {
			verdict = "accepted: " + reason
		} else {
			failed++
		}
		fmt.Fprintf(out, "%s %s\n  %s@%s, fixed in %s\n  %s calls %s\n  %s\n",
			r.ID, r.Summary, r.Module, r.Found, fixed, r.Caller, r.Callee, verdict)
	}
	var stale []string
	for id := range accepted {
		if !seen[id] {
			stale = append(stale, id)
		}
	}
	sort.Strings(stale)
	for _, id := range stale {
		fmt.Fprintf(out, "%s is in the accepted list but no longer reachable: remove it\n", id)
	}
	if failed > 0 {
		fmt.Fprintf(out, "vulngate: %d reachable vulnerabilities are not accepted: upgrade the module (go get MODULE@FIXED), or, when no fix can be taken yet, add the ID with the reason to the accepted list\n", failed)
		return 1
	}
	fmt.Fprintf(out, "vulngate: %d reachable vulnerabilities, all accepted\n", len(found))
	return 0
}
