package fix

import (
	"context"
	"errors"

	"github.com/rigel-gitops/rigel/kube"
)

// Diagnosis is what Rigel saw on a workload and the edits it proposes.
type Diagnosis struct {
	Findings []string // plain sentences: "container `app` was OOMKilled in 3 pods (memory limit 128Mi)"
	Edits    []Edit   // empty when nothing is recognised
	Rule     string   // the stated rule behind the edits, "" when none
}

// Diagnose reads the workload, its pods, their events and its rollout history, and proposes
// edits for what it recognises.
func Diagnose(ctx context.Context, kc *kube.Client, w kube.WorkloadRef) (*Diagnosis, error) {
	return nil, errors.New("fix.Diagnose: being written")
}
