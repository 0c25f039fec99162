package main

import (
	"encoding/json"
	"runtime"
	"testing"
)

// TestVersion runs a binary built with -ldflags stamping a version and revision, as make
// build does: rigel version prints them and the Go version, as text and as JSON.
func TestVersion(t *testing.T) {
	code, out, errOut := runBinary(t, nil, "version")
	want := "version:  " + stampedVersion + "\nrevision: " + stampedRevision + "\ngo:       " + runtime.Version() + "\n"
	if code != 0 || out != want || errOut != "" {
		t.Errorf("rigel version: exit %d, stdout\n%s\nstderr %q; want 0 and\n%s", code, out, errOut, want)
	}

	code, out, errOut = runBinary(t, nil, "version", "-o", "json")
	var got versionJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 {
		t.Fatalf("rigel version -o json: exit %d, %v: %s%s", code, err, out, errOut)
	}
	if w := (versionJSON{stampedVersion, stampedRevision, runtime.Version()}); got != w {
		t.Errorf("rigel version -o json: %+v, want %+v", got, w)
	}
}
