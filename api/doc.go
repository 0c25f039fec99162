// Package api is Rigel's HTTP API, beside the webhook: the same operations as the slash
// commands, for automation and for people who prefer a terminal. It is mounted under
// /api/git on the bot's echo server (Mount) and answers JSON only.
//
//	GET    /api/git/sources             the registry: repos, deployments, last syncs
//	POST   /api/git/sources             register a repo {repo, branch?, cloneURL?, installationID?}
//	DELETE /api/git/sources             forget a repo and its deployments {repo}
//	POST   /api/git/sources/deployment  register a folder as a deployment {repo, path, name?}
//	DELETE /api/git/sources/deployment  forget a deployment {name}
//	GET    /api/git/repos               the repos the app or token can see, whether each is registered, its deployments
//	GET    /api/git/repo-tree           the folders of a repo that hold manifests ?repo=owner/name[&ref=…]
//	POST   /api/git/sync                preview {repo?, deployment}; apply {…, apply: true, digest, commit?}
//	POST   /api/git/propose-fix         a pull request fixing a workload's manifest {kind, name, namespace, set?, container?}
//	GET    /api/git/account             which GitHub identity Rigel acts as (never a secret)
//	POST   /api/git/account             store a token {token, login?} or app {appID, privateKey} in helmsman-github
//	DELETE /api/git/account             remove the token from helmsman-github
//
// # Same rules as the commands
//
// Every operation is one of the service's (package ops: Register, Forget, RegisterRepo,
// RemoveRepo, Folders, Repos, Preview, ApplyPreviewed, ProposeFix), shared with the commands: a folder
// must stay inside its repo and hold manifests, names are derived and unique the same way, and
// an apply applies exactly the previewed plan, identified by its commit and digest, or nothing
// (409). Nothing in the cluster is deleted but what prune deletes (an apply with "prune") and
// the inventory ConfigMap of a deployment forgotten (its objects stay). Refusals are {"error": "…"} saying what was
// wrong and how to go on; they change nothing.
//
// # Who may call it
//
// A bearer token: RIGEL_API_TOKEN (settings: apiToken), else the key api-token of the Secret
// rigel-api in Rigel's namespace, read again every 10 seconds at most so it can be rotated
// without a restart. Tokens are compared in constant time and never logged. Without a token
// configured the API is off: every request gets 403 and says how to turn it on. A missing or
// wrong token gets 401 with WWW-Authenticate: Bearer.
//
// The token holder is an operator: there is no GitHub user to ask a repository role of, so the
// permissions of the commands (RIGEL_PERMISSIONS) and the pull-request gates do not apply. The
// API previews and applies only the branch a repo's deployments follow, never a pull request.
// Each request is logged with actor "api-token".
//
// # Identity
//
// The account endpoints read and write the Secret helmsman-github. Rigel reads it at start:
// after a change the running Rigel keeps its identity until it is restarted; GET says whether
// the Secret holds other credentials than those in use (restartRequired).
package api
