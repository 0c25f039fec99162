package inbox

import (
	"encoding/json"
	"strconv"
)

// Lane is the turn a delivery waits for: its installation ("i:" and the id) or, without one
// (token mode), its repository ("r:" and owner/name); "" when the payload names neither.
// Only these fields are decoded.
func Lane(payload []byte) string {
	var p struct {
		Installation *struct {
			ID int64 `json:"id"`
		} `json:"installation"`
		Repository *struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return ""
	}
	switch {
	case p.Installation != nil && p.Installation.ID != 0:
		return "i:" + strconv.FormatInt(p.Installation.ID, 10)
	case p.Repository != nil && p.Repository.FullName != "":
		return "r:" + p.Repository.FullName
	}
	return ""
}
