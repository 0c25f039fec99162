package testenv

import (
	"fmt"
	"net/http"
	"strings"
)

func init() {
	handlers["pulls/list-files"] = (*GitHub).listPullFiles
}

// GitHub's limits on the files it lists: a pull request's (pulls/list-files) and a
// comparison's (compare).
const (
	maxPullFiles    = 3000
	maxCompareFiles = 300
)

type fileLimits struct{ pull, compare int }

// SetFileLimits lowers how many files the fake lists for a pull request (GitHub: 3,000) and
// for a comparison (GitHub: 300), so tests reach the limits with few files; 0 keeps GitHub's.
func (gh *GitHub) SetFileLimits(pull, compare int) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	gh.fileLimits = fileLimits{pull, compare}
}

func (l fileLimits) pulls() int {
	if l.pull > 0 {
		return l.pull
	}
	return maxPullFiles
}

func (l fileLimits) comparison() int {
	if l.compare > 0 {
		return l.compare
	}
	return maxCompareFiles
}

// diffEntry is a file changed between two commits, as git computes it.
type diffEntry struct {
	Status             string // GitHub's word: added, removed, modified, renamed, copied, changed
	Path, PreviousPath string
	SHA                string // the blob at the head (at the base for a removed file)
}

// diffFiles lists what changes from commit from to commit to in repo, renames detected as
// GitHub does, from the git server's real commits.
func (gs *GitServer) diffFiles(repo, from, to string) ([]diffEntry, error) {
	out, err := gs.git(gs.RepoDir(repo), nil, "diff", "--raw", "-z", "-M", "--no-abbrev", from, to, "--")
	if err != nil {
		return nil, err
	}
	fields := strings.Split(strings.TrimSuffix(out, "\x00"), "\x00")
	var files []diffEntry
	for i := 0; i+1 < len(fields); {
		meta := strings.Fields(strings.TrimPrefix(fields[i], ":")) // srcmode dstmode srcsha dstsha status
		if len(meta) != 5 {
			return nil, fmt.Errorf("unexpected git diff line %q", fields[i])
		}
		e := diffEntry{SHA: meta[3], Path: fields[i+1]}
		i += 2
		switch meta[4][0] {
		case 'A':
			e.Status = "added"
		case 'D':
			e.Status, e.SHA = "removed", meta[2]
		case 'M':
			e.Status = "modified"
		case 'T':
			e.Status = "changed"
		case 'R', 'C':
			e.Status = map[byte]string{'R': "renamed", 'C': "copied"}[meta[4][0]]
			if i >= len(fields) {
				return nil, fmt.Errorf("unexpected end of git diff after %q", e.Path)
			}
			e.PreviousPath, e.Path = e.Path, fields[i]
			i++
		default:
			e.Status = "changed"
		}
		files = append(files, e)
	}
	return files, nil
}

// pullDiff is what pull request is changes: from the merge base of its base branch and head
// to its head. Call with gh.mu held.
func (gh *GitHub) pullDiff(r *ghRepo, p *ghPull) ([]diffEntry, error) {
	if gh.gs == nil {
		return nil, fmt.Errorf("the fake GitHub has no git server")
	}
	base, err := gh.gs.Head(r.fullName(), "refs/heads/"+p.BaseRef)
	if err != nil {
		return nil, err
	}
	mb, err := gh.gs.git(gh.gs.RepoDir(r.fullName()), nil, "merge-base", base, p.HeadSHA)
	if err != nil {
		return nil, err
	}
	return gh.gs.diffFiles(r.fullName(), mb, p.HeadSHA)
}

// changedFileCount is a pull request's changed_files; call with gh.mu held.
func (gh *GitHub) changedFileCount(r *ghRepo, p *ghPull) int {
	files, err := gh.pullDiff(r, p)
	if err != nil {
		return 0
	}
	return len(files)
}

// listPullFiles lists a pull request's files from the git server's commits, paginated, at
// most GitHub's 3,000 (SetFileLimits).
func (gh *GitHub) listPullFiles(c *call) {
	r, is := gh.lookupPull(c)
	if r == nil {
		return
	}
	files, err := gh.pullDiff(r, is.Pull)
	if err != nil {
		gh.mu.Unlock()
		gh.errorJSON(c.w, http.StatusInternalServerError, "failed to diff the pull request: "+err.Error())
		return
	}
	files = files[:min(len(files), gh.fileLimits.pulls())]
	lo, hi := gh.paginate(c, len(files))
	list := []any{}
	for _, f := range files[lo:hi] {
		list = append(list, gh.diffEntryObj(r, is.Pull.HeadSHA, f))
	}
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, list)
}

// diffEntryObj is a changed file as the API shows it; call with gh.mu held.
func (gh *GitHub) diffEntryObj(r *ghRepo, head string, f diffEntry) map[string]any {
	o := map[string]any{
		"sha": f.SHA, "filename": f.Path, "status": f.Status, "additions": 0, "deletions": 0, "changes": 0,
		"blob_url":     fmt.Sprintf("%s/%s/blob/%s/%s", gh.WebURL(), r.fullName(), head, f.Path),
		"raw_url":      fmt.Sprintf("%s/%s/raw/%s/%s", gh.WebURL(), r.fullName(), head, f.Path),
		"contents_url": fmt.Sprintf("%srepos/%s/contents/%s?ref=%s", gh.URL(), r.fullName(), f.Path, head),
	}
	if f.PreviousPath != "" {
		o["previous_filename"] = f.PreviousPath
	}
	return o
}
