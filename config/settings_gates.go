package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Settings of the gate a pull request passes before it is applied (issue 9): which of GitHub's
// mergeable_state values refuse an apply, and how long to wait for GitHub to compute it.

// MergeableStates are the values GitHub gives a pull request's mergeable_state.
var MergeableStates = []string{"behind", "blocked", "clean", "dirty", "draft", "has_hooks", "unknown", "unstable"}

// DefaultRefuseMergeableStates refuse an apply unless the settings say otherwise: conflicts,
// branch protection unmet, a branch behind its base when protection wants it up to date, and
// a state GitHub has still not computed after a few reads.
var DefaultRefuseMergeableStates = []string{"dirty", "blocked", "behind", "unknown"}

// DefaultMergeableRetryWait is the first wait before reading again a pull request whose
// mergeability GitHub is still computing; each next wait doubles.
const DefaultMergeableRetryWait = time.Second

// maxMergeableRetryWait bounds the first wait (three reads wait seven times it in all).
const maxMergeableRetryWait = 10 * time.Second

// RefusedMergeableStates is RefuseMergeableStates, or DefaultRefuseMergeableStates when nil
// (settings not made by LoadSettings). Empty refuses none.
func (s *Settings) RefusedMergeableStates() []string {
	if s.RefuseMergeableStates == nil {
		return slices.Clone(DefaultRefuseMergeableStates)
	}
	return slices.Clone(s.RefuseMergeableStates)
}

// MergeableWait is MergeableRetryWait, or DefaultMergeableRetryWait when zero.
func (s *Settings) MergeableWait() time.Duration {
	if s.MergeableRetryWait <= 0 {
		return DefaultMergeableRetryWait
	}
	return s.MergeableRetryWait
}

// parseMergeableStates reads "dirty, blocked"; "none" is the empty list.
func parseMergeableStates(v string) []string {
	if strings.EqualFold(strings.TrimSpace(v), "none") {
		return []string{}
	}
	return normalizeStates(strings.Split(v, ","))
}

func normalizeStates(in []string) []string {
	out := []string{}
	for _, st := range in {
		if st = strings.ToLower(strings.TrimSpace(st)); st != "" && !slices.Contains(out, st) {
			out = append(out, st)
		}
	}
	return out
}

// gateProblems checks the gate settings.
func (s *Settings) gateProblems() []string {
	var problems []string
	for _, st := range s.RefuseMergeableStates {
		if !slices.Contains(MergeableStates, st) {
			problems = append(problems, fmt.Sprintf("RIGEL_REFUSE_MERGEABLE_STATES (refuseMergeableStates): %q is not a mergeable_state GitHub gives; use some of %s, or none",
				st, strings.Join(MergeableStates, ", ")))
		}
	}
	if s.MergeableRetryWait < 0 || s.MergeableRetryWait > maxMergeableRetryWait {
		problems = append(problems, fmt.Sprintf("RIGEL_MERGEABLE_RETRY_WAIT must be between 0 (the default, %s) and %s, not %s", DefaultMergeableRetryWait, maxMergeableRetryWait, s.MergeableRetryWait))
	}
	return problems
}
