package inbox

import (
	"context"
	"encoding/json"
	"strconv"
)

type laneKey struct{}

// WithLane is ctx carrying the Lane of the delivery scheduled with it, found by whoever
// decoded the payload already (the hook's check of the payload), so that Schedule does not
// decode it again on the way to the answer. It must be what Lane would say of the payload.
func WithLane(ctx context.Context, lane string) context.Context {
	return context.WithValue(ctx, laneKey{}, lane)
}

// laneOf is the Lane WithLane put in ctx, else Lane of payload.
func laneOf(ctx context.Context, payload []byte) string {
	if lane, ok := ctx.Value(laneKey{}).(string); ok {
		return lane
	}
	return Lane(payload)
}

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
