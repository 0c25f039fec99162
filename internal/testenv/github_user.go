package testenv

import "net/http"

func init() {
	handlers["users/get-authenticated"] = (*GitHub).getAuthenticatedUser
}

// getAuthenticatedUser answers GET /user: the user a personal access token belongs to. As on
// GitHub, an installation token is refused.
func (gh *GitHub) getAuthenticatedUser(c *call) {
	if gh.refuseIntegration(c) {
		return
	}
	gh.mu.Lock()
	o := gh.userObj(c.who.Login, c.who.Type)
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, o)
}

// refuseIntegration answers 403 to an installation or app token, as GitHub does on the
// endpoints only a user's token may call, and says whether it did.
func (gh *GitHub) refuseIntegration(c *call) bool {
	if c.who.Inst || c.who.App {
		gh.errorJSON(c.w, http.StatusForbidden, "Resource not accessible by integration")
		return true
	}
	return false
}
