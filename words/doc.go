// Package words is how the adapters word what the service (package ops) answers: each ops
// refusal in Markdown, with the next step said in the terms of the way the request came in
// (Hints: a comment's `/rigel …`, the HTTP API's endpoints). The comment adapter (commands)
// and the HTTP adapter (api) share it, so both refuse in the same words. Text from the
// cluster, a repository or a person is escaped through package untrusted, one function per
// sink. It imports ops and the engines' value types; nothing imports it but the adapters.
package words
