package testenv

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

func init() {
	handlers["repos/compare-commits-with-basehead"] = (*GitHub).compareCommits
}

// maxCompareCommits is how many commits a comparison lists without paging, as on GitHub.
const maxCompareCommits = 250

// compareCommits compares two commits or branches of the repository on the git server:
// "base...head" from their merge base to head (as a pull request's files), "base..head"
// directly. Files are cut at GitHub's 300 (SetFileLimits); commits at 250. Forks'
// "owner:ref" are not served.
func (gh *GitHub) compareCommits(c *call) {
	basehead := c.params["basehead"]
	base, head, threeDots := strings.Cut(basehead, "...")
	if !threeDots {
		base, head, _ = strings.Cut(basehead, "..")
	}
	r := gh.lookupRepo(c)
	if r == nil {
		return
	}
	notFound := func(msg string) {
		gh.mu.Unlock()
		gh.errorJSON(c.w, http.StatusNotFound, msg)
	}
	if gh.gs == nil || base == "" || head == "" || strings.Contains(base, ":") || strings.Contains(head, ":") {
		notFound("Not Found")
		return
	}
	dir := gh.gs.RepoDir(r.fullName())
	baseSHA, err1 := gh.gs.Head(r.fullName(), base)
	headSHA, err2 := gh.gs.Head(r.fullName(), head)
	if err1 != nil || err2 != nil {
		notFound("Not Found")
		return
	}
	mb, err := gh.gs.git(dir, nil, "merge-base", baseSHA, headSHA)
	if err != nil {
		notFound(fmt.Sprintf("No common ancestor between %s and %s.", base, head))
		return
	}
	count := func(from, to string) int {
		out, _ := gh.gs.git(dir, nil, "rev-list", "--count", from+".."+to)
		n, _ := strconv.Atoi(out)
		return n
	}
	ahead, behind := count(mb, headSHA), count(mb, baseSHA)
	status := "diverged"
	switch {
	case ahead == 0 && behind == 0:
		status = "identical"
	case behind == 0:
		status = "ahead"
	case ahead == 0:
		status = "behind"
	}
	from := mb
	if !threeDots {
		from = baseSHA
	}
	files, err := gh.gs.diffFiles(r.fullName(), from, headSHA)
	if err != nil {
		gh.mu.Unlock()
		gh.errorJSON(c.w, http.StatusInternalServerError, "failed to diff: "+err.Error())
		return
	}
	files = files[:min(len(files), gh.fileLimits.comparison())]
	log, _ := gh.gs.git(dir, nil, "rev-list", "--reverse", mb+".."+headSHA)
	commits := []any{}
	for _, sha := range strings.Fields(log) {
		if len(commits) == maxCompareCommits {
			break
		}
		commits = append(commits, gh.commitObj(r, sha))
	}
	fileList := []any{}
	for _, f := range files {
		fileList = append(fileList, gh.diffEntryObj(r, headSHA, f))
	}
	web := fmt.Sprintf("%s/%s/compare/%s", gh.WebURL(), r.fullName(), basehead)
	o := map[string]any{
		"url":      fmt.Sprintf("%srepos/%s/compare/%s", gh.URL(), r.fullName(), basehead),
		"html_url": web, "permalink_url": fmt.Sprintf("%s/%s/compare/%s...%s", gh.WebURL(), r.fullName(), baseSHA, headSHA),
		"diff_url": web + ".diff", "patch_url": web + ".patch",
		"base_commit": gh.commitObj(r, baseSHA), "merge_base_commit": gh.commitObj(r, mb),
		"status": status, "ahead_by": ahead, "behind_by": behind, "total_commits": ahead,
		"commits": commits, "files": fileList,
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, o)
}

// commitObj is a commit as the API shows it, read from the git server; call with gh.mu held.
func (gh *GitHub) commitObj(r *ghRepo, sha string) map[string]any {
	dir := gh.gs.RepoDir(r.fullName())
	out, _ := gh.gs.git(dir, nil, "show", "-s", "--format=%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B", sha)
	f := strings.SplitN(out, "\x00", 9)
	for len(f) < 9 {
		f = append(f, "")
	}
	api := fmt.Sprintf("%srepos/%s/commits/%s", gh.URL(), r.fullName(), sha)
	parents := []any{}
	for _, p := range strings.Fields(f[1]) {
		parents = append(parents, map[string]any{"sha": p, "url": fmt.Sprintf("%srepos/%s/commits/%s", gh.URL(), r.fullName(), p),
			"html_url": fmt.Sprintf("%s/%s/commit/%s", gh.WebURL(), r.fullName(), p)})
	}
	return map[string]any{
		"sha": sha, "node_id": "C_" + sha, "url": api, "html_url": fmt.Sprintf("%s/%s/commit/%s", gh.WebURL(), r.fullName(), sha),
		"comments_url": api + "/comments", "author": nil, "committer": nil, "parents": parents,
		"commit": map[string]any{
			"url": fmt.Sprintf("%srepos/%s/git/commits/%s", gh.URL(), r.fullName(), sha), "message": strings.TrimSpace(f[8]), "comment_count": 0,
			"author":    map[string]any{"name": f[2], "email": f[3], "date": f[4]},
			"committer": map[string]any{"name": f[5], "email": f[6], "date": f[7]},
			"tree":      map[string]any{"sha": f[0], "url": fmt.Sprintf("%srepos/%s/git/trees/%s", gh.URL(), r.fullName(), f[0])},
		},
	}
}
