package config

// Fix requests in issues (issue 16): an issue opened without a command (RIGEL_FIX_ISSUES), or
// labelled RIGEL_FIX_LABEL, whose text names a workload linked to one of the repository's
// deployments, gets what `/rigel fix` typed there gets (handlers/issues_fix.go,
// commands/fix_issue.go).

// DefaultFixLabel is the label that asks for a fix when the settings do not say.
const DefaultFixLabel = "rigel:fix"
