// Package testenv is Rigel's test bed: the real parts tests run against.
//
//   - StartCluster: a real etcd + kube-apiserver on loopback (binaries built by
//     testbed/build.sh into $RIGEL_TESTBED_DIR or ~/.cache/rigel-testbed/bin), with an
//     admin token, RBAC, and a kubeconfig file. No controllers run. The apiserver is
//     kube-apiserver of the Kubernetes line Rigel builds against, or the one
//     $RIGEL_TESTBED_APISERVER names (kube-apiserver-1.35 for the version-skew run).
//   - StartGitServer: the real git http-backend over smart HTTP with token auth.
//   - StartGitHub: a fake GitHub serving the real REST API's paths and JSON shapes under
//     /api/v3, validating every request against GitHub's own OpenAPI description
//     (testdata/rest-api-subset.json, embedded). Requests the real API would refuse are
//     answered like GitHub does and listed by Violations. For pull request automation it
//     holds check runs (CheckRuns) and commit statuses (Statuses) per commit, lists a pull
//     request's files and compares commits from the git server's real commits, counts
//     comment edits, merges pull requests (MergePull), and answers GraphQL's
//     minimizeComment at /api/graphql, validated against
//     testdata/graphql-minimize-comment.graphql. It comments on commits (CommitComments;
//     issue 12, push-triggered sync), described in testdata/rest-api-commit-comments.json
//     since the shared description lacks that operation.
//   - Payload, IssueComment, GitHub.CommentEvent, Sign, PostWebhook: GitHub's example
//     webhook payloads (testdata/webhooks, embedded), adjusted and signed;
//     PullRequestWebhook, PushWebhook, CheckRunWebhook, ReviewWebhook and the fake's
//     PullRequestEvent, PushEvent, CheckRunEvent, ReviewEvent for pull request automation.
//   - RunWorkloadStatus: stands in for the controllers, marking workloads ready.
//
// Child processes get SIGKILL when the test binary dies (Linux), so a crashed test leaves
// no servers behind; Stop removes their temp dirs.
package testenv
