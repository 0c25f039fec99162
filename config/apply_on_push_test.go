package config

import "testing"

// TestRegistryApplyOnPush: applyOn: push and its report are read and kept (issue 12).
func TestRegistryApplyOnPush(t *testing.T) {
	s := decodeRepos(t, "- {repo: acme/a, branch: main, deployments: [{name: api, path: apps/api, applyOn: push}, {name: web, path: apps/web, applyOn: push, report: \"issue#7\"}, {name: db, path: apps/db, applyOn: push, report: commit}]}\n")
	if len(s.Invalid) != 0 {
		t.Fatalf("invalid entries: %+v", s.Invalid)
	}
	for name, want := range map[string]string{"api": "", "web": "issue#7", "db": ReportCommit} {
		if _, d := s.FindDeployment(name); d == nil || d.ApplyOn != ApplyOnPush || d.Report != want {
			t.Errorf("deployment %s: %+v, want applyOn push, report %q", name, d, want)
		}
	}
}

func TestReportIssue(t *testing.T) {
	for in, want := range map[string]int{"issue#7": 7, "issue#123": 123, "": 0, "commit": 0, "issue#": 0, "issue#07": 0, "issue#-1": 0, "issue#1x": 0, "Issue#3": 0, "issue#1234567890": 0} {
		if got := ReportIssue(in); got != want {
			t.Errorf("ReportIssue(%q) = %d, want %d", in, got, want)
		}
	}
}
