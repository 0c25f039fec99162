package api

import "github.com/rigel-gitops/rigel/sync"

// orphanJSON is an object of the deployment's inventory that its folder no longer renders:
// an apply with "prune": true (or of a deployment with prune: true) deletes it, unless keep
// says why not.
type orphanJSON struct {
	objectJSON
	Keep string `json:"keep,omitempty"`
}

func orphansOut(p *sync.Plan) []orphanJSON {
	var out []orphanJSON
	for _, o := range p.Orphans {
		out = append(out, orphanJSON{objectJSON: objectOf(o.Ref), Keep: o.Keep})
	}
	return out
}

// prunedOut is what an apply that pruned did to each orphan (action delete, keep or error).
func prunedOut(res *sync.Result) []outcomeJSON {
	var out []outcomeJSON
	for _, o := range res.Pruned {
		out = append(out, outcomeJSON{objectJSON: objectOf(o.Ref), Action: string(o.Action), Message: o.Message})
	}
	return out
}
