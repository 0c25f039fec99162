package main

import (
	"fmt"
	"strings"

	"github.com/rigel-gitops/rigel/sync"
)

// unmanagedWords says who manages an object the deployment does not.
func unmanagedWords(u *sync.Unmanaged) string {
	var parts []string
	if u.Deployment != "" {
		parts = append(parts, "its provenance names deployment "+u.Deployment)
	}
	if len(u.Managers) > 0 {
		parts = append(parts, "field managers "+strings.Join(u.Managers, ", "))
	}
	if len(u.TakeOver) > 0 {
		parts = append(parts, fmt.Sprintf("applying takes over %d field(s)", len(u.TakeOver)+u.More))
	}
	if len(parts) == 0 {
		return "nobody known manages it"
	}
	return strings.Join(parts, "; ")
}
