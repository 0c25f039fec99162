package config

import (
	"fmt"
	"sort"
	"strings"
)

// PermissionLevels are GitHub's repository roles, weakest first: a person may run a command
// when their role on the repository is at least the one the command needs.
var PermissionLevels = []string{"none", "read", "triage", "write", "maintain", "admin"}

// DefaultPermissions is the role each command needs unless Settings.Permissions says otherwise.
var DefaultPermissions = map[string]string{
	"help":              "read",
	"list":              "read",
	"diff":              "read",
	"policy":            "read",
	"sync":              "write",
	"apply":             "write",
	"add-deployment":    "write",
	"remove-deployment": "write",
	"link":              "write",
	"unlink":            "write",
	"fix":               "write",
	// rollback (issue 12): a rollback arms an apply, as a sync does (and needs what sync needs
	// unless RIGEL_PERMISSIONS sets it apart: ops.Access.Required); the history is read.
	"rollback": "write",
	"history":  "read",
}

// LevelRank orders permission levels: none is 0, admin 5; an unknown level is -1.
func LevelRank(level string) int {
	for i, l := range PermissionLevels {
		if l == strings.ToLower(level) {
			return i
		}
	}
	return -1
}

// RequiredPermission is the role command needs under these settings.
func (s *Settings) RequiredPermission(command string) string {
	if l, ok := s.Permissions[command]; ok {
		return l
	}
	return DefaultPermissions[command]
}

// parsePermissions reads "apply=maintain,sync=write" (from where, for errors).
func parsePermissions(where, v string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		cmd, level, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%s: %q is not COMMAND=LEVEL, e.g. apply=maintain", where, part)
		}
		out[strings.ToLower(strings.TrimSpace(cmd))] = strings.ToLower(strings.TrimSpace(level))
	}
	return out, nil
}

// permissionProblems names every unknown command or level in Permissions.
func (s *Settings) permissionProblems() []string {
	var problems []string
	cmds := make([]string, 0, len(s.Permissions))
	for c := range s.Permissions {
		cmds = append(cmds, c)
	}
	sort.Strings(cmds)
	for _, c := range cmds {
		if _, ok := DefaultPermissions[c]; !ok {
			problems = append(problems, fmt.Sprintf("RIGEL_PERMISSIONS names %q, which is not a command (%s)", c, strings.Join(commandNames(), ", ")))
		}
		if LevelRank(s.Permissions[c]) < 0 {
			problems = append(problems, fmt.Sprintf("RIGEL_PERMISSIONS gives %s the level %q, which is not one of %s", c, s.Permissions[c], strings.Join(PermissionLevels, ", ")))
		}
	}
	return problems
}

func commandNames() []string {
	out := make([]string, 0, len(DefaultPermissions))
	for c := range DefaultPermissions {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
