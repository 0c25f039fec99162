// Package setup is the adapter of the one-click registration of Rigel's GitHub App (issue 15):
// the HTML pages of GitHub's app-manifest flow, served under /setup on the internal listener
// only (app/setup_mode.go mounts it; never on the webhook's listener). It decodes the
// browser's requests, calls one ops.Setup operation per page (Page, Start, Complete) and
// renders its result or refusal as a page, with html/template and embedded assets.
//
// Whoever completes the flow decides which GitHub App Rigel acts as, so reaching the page
// needs cluster access (kubectl port-forward to the internal port), and the pages defend the
// browser too: they answer only requests whose Host is this machine (loopback), so a web
// page cannot reach them by DNS rebinding; a POST must come from the page itself (Origin);
// the state GitHub brings back is bound to a cookie (HttpOnly, SameSite=Lax) that the page
// set in this browser; the pages run no script, may not be framed, are not cached and send
// no Referer to another site (the callback's URL holds the code). Nothing secret is ever shown: the app's
// key and webhook secret go from GitHub's answer to the Secret.
package setup
