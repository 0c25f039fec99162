// Package notify tells the world what Rigel did to a deployment (issue 12): each apply, its
// failure, and drift found or gone become (a) a GitHub Deployment of the commit in the
// environment named after the deployment, with deployment statuses, so that they show in the
// repository's Environments and the pull request timeline, and (b) optionally a message to a
// Slack-compatible incoming webhook whose URL a Secret holds.
//
// It is on the clients' floor: package ops names Event as its own (ops.Notification) and calls a
// Notifier at each outcome; app wires it with the installations' GitHub clients and the
// Secret. Notify never blocks nor fails the operation that calls it: events are queued
// (bounded; a full queue drops and logs), sent by workers of their own, retried with backoff
// a bounded number of times, and their failures logged. A message carries a summary only —
// names, counts, a commit — never an object's content, never a Secret's data, never the
// webhook's URL (a credential) in a log.
//
// Drift shows on GitHub as a status of the environment's latest deployment: failure
// "drifted: …" when a sweep finds it, success "in sync again" when a later sweep finds it
// gone (or when a new leader finds in sync an environment whose latest status says drifted).
package notify
