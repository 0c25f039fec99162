// Command vulngate is the gate `make vulncheck` puts after govulncheck: it reads
// govulncheck's JSON stream (-json) on standard input and fails when code Rigel calls
// reaches a known vulnerability (a symbol-level finding) that accepted.txt does not list.
//
// accepted.txt names each vulnerability the project has decided to live with for now, one
// per line: its ID, then why (what would fix it and why that is not done yet). An entry
// without a reason is refused, and an entry no finding matches any more is reported as
// stale so it can be removed. Findings in modules that are only required, or whose
// vulnerable code is not called, are not reachable and never fail the gate.
package main
