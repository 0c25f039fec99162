package testenv

import "net/http"

func init() {
	handlers["issues/get-comment"] = (*GitHub).getComment
}

// Comment returns comment id as the fake GitHub holds it (with its edit count and whether it
// is hidden), and whether there is one.
func (gh *GitHub) Comment(id int64) (Comment, bool) {
	gh.mu.Lock()
	defer gh.mu.Unlock()
	c := gh.comments[id]
	if c == nil {
		return Comment{}, false
	}
	return c.Comment, true
}

func (gh *GitHub) getComment(c *call) {
	cm := gh.comment(c)
	if cm == nil {
		return
	}
	o := gh.commentObj(cm)
	gh.mu.Unlock()
	gh.respond(c, http.StatusOK, o)
}
