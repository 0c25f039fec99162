package testenv

import (
	"net/http"
	"sort"
)

func init() {
	handlers["repos/list-for-authenticated-user"] = (*GitHub).listUserRepos
}

// listUserRepos answers GET /user/repos: the repositories a personal access token's user
// sees (in the fake, every repository), paginated. As on GitHub, an installation token is
// refused.
func (gh *GitHub) listUserRepos(c *call) {
	if gh.refuseIntegration(c) {
		return
	}
	gh.mu.Lock()
	all := make([]*ghRepo, 0, len(gh.repos))
	for _, r := range gh.repos {
		all = append(all, r)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	lo, hi := gh.paginate(c, len(all))
	list := []any{}
	for _, r := range all[lo:hi] {
		list = append(list, gh.repoObj(r))
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, list)
}
