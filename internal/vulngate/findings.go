package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
)

// message is the part of one govulncheck JSON message (protocol 1.0) the gate reads.
type message struct {
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	} `json:"finding"`
}

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
	Position *struct {
		Filename string `json:"filename"`
		Line     int    `json:"line"`
	} `json:"position"`
}

// reachable is one vulnerability that code Rigel calls reaches.
type reachable struct {
	ID, Summary    string
	Module, Found  string // the vulnerable module (stdlib for Go's own) and its version here
	Fixed          string // the first version without it; "" when there is none
	Caller, Callee string // one call from Rigel's code into the vulnerable code
}

// readFindings reads govulncheck's JSON stream and returns the reachable vulnerabilities,
// sorted by ID. A finding is reachable when its trace ends in a function (symbol level);
// module- and package-level findings are not.
func readFindings(r io.Reader) ([]reachable, error) {
	dec := json.NewDecoder(r)
	summaries := map[string]string{}
	byID := map[string]*reachable{}
	messages := 0
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("failed to read govulncheck's JSON output (message %d): %w", messages+1, err)
		}
		messages++
		if m.OSV != nil {
			summaries[m.OSV.ID] = m.OSV.Summary
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" {
			continue
		}
		if _, seen := byID[f.OSV]; seen {
			continue
		}
		vuln := f.Trace[0]
		byID[f.OSV] = &reachable{
			ID: f.OSV, Module: vuln.Module, Found: vuln.Version, Fixed: f.FixedVersion,
			Callee: symbol(vuln), Caller: caller(f.Trace),
		}
	}
	if messages == 0 {
		return nil, errors.New("govulncheck printed no JSON messages: did it run with -json?")
	}
	out := make([]reachable, 0, len(byID))
	for id, r := range byID {
		r.Summary = summaries[id]
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func symbol(f frame) string {
	if f.Receiver != "" {
		return f.Package + "." + f.Receiver + "." + f.Function
	}
	return f.Package + "." + f.Function
}

// caller is the last frame of the trace (Rigel's own code), with its position.
func caller(trace []frame) string {
	f := trace[len(trace)-1]
	s := symbol(f)
	if f.Position != nil && f.Position.Filename != "" {
		s = fmt.Sprintf("%s (%s:%d)", s, f.Position.Filename, f.Position.Line)
	}
	return s
}
