package words

import (
	"errors"

	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/ops"
)

// Refusal words a refusal of the service (or an adapter's own *fault.Invalid) for people, with
// the next step in the terms of h; ok is false when err is not a refusal (a failure, which the
// adapter reports as such).
func Refusal(err error, h Hints) (msg string, ok bool) {
	var (
		invalid *fault.Invalid
		render  *ops.RenderFailed
		// registry (area C): words/registry.go
		notFound    *ops.NotFound
		badFolder   *ops.BadFolder
		badName     *ops.BadName
		noManifests *ops.NoManifests
		taken       *ops.Taken
		entries     *ops.InvalidEntries
		noDeps      *ops.NoDeployments
		ambiguous   *ops.Ambiguous
		otherRepo   *ops.OtherRepo
		// Helm charts (issue 13): words/chart.go
		badChart     *ops.BadChart
		notAChart    *ops.NotAChart
		chartMissing *ops.ChartFileMissing
		// jsonnet folders (issue 17): words/jsonnet.go
		badJsonnet *ops.BadJsonnet

		// plan: preview and apply
		stale       *ops.Stale
		planPolicy  *ops.Policy
		takeover    *ops.Takeover
		reconciler  *ops.Reconciler
		notOpen     *ops.PullNotOpen
		forkApply   *ops.ForkApply
		notReady    *ops.NotReady
		forkPreview *ops.ForkPreview

		// D. link, unlink, fix, policy, authorization (words/link.go, fix.go, access.go)
		forbid    *ops.Forbidden
		elsewhere *ops.LinkedElsewhere
		already   *ops.AlreadyLinked
		gone      *ops.Deleted
		place     *ops.CannotPlace
		branches  *ops.BranchesTaken
		// replica (area A): words/held.go
		locked *ops.Held
		// pull requests' holds (issue 11): words/holds.go
		pullHeld *ops.PullHeld
		outside  *ops.UnlockOutsidePull
		// apply on merge (issue 11): words/merge.go
		unarmed *ops.NotArmedAtMerge
		// rollback (issue 12): words/rollback.go
		rollbackInPull *ops.RollbackInPull
		noRollback     *ops.NoRollback
		notInHistory   *ops.NotInHistory
		// inventory (issue 12): words/inventory.go
		invForbidden *ops.InventoryForbidden
	)
	switch {
	case errors.As(err, &render):
		return renderFailed(render, h), true
	case errors.As(err, &unarmed): // apply on merge: words/merge.go
		return sayNotArmedAtMerge(unarmed, h), true
	// registry (area C): words/registry.go
	case errors.As(err, &notFound) && registryKind(notFound.Kind):
		return sayNotFound(notFound, h), true
	case errors.As(err, &badFolder):
		return sayBadFolder(badFolder), true
	case errors.As(err, &badName):
		return sayBadName(badName, h), true
	case errors.As(err, &noManifests):
		return sayNoManifests(noManifests, h), true
	case errors.As(err, &taken):
		return sayTaken(taken, h), true
	case errors.As(err, &entries):
		return sayInvalidEntries(entries), true
	case errors.As(err, &noDeps):
		return sayNoDeployments(noDeps), true
	case errors.As(err, &ambiguous):
		return sayAmbiguous(ambiguous), true
	case errors.As(err, &otherRepo):
		return sayOtherRepo(otherRepo), true
	case errors.As(err, &badChart): // Helm charts (issue 13): words/chart.go
		return sayBadChart(badChart), true
	case errors.As(err, &notAChart):
		return sayNotAChart(notAChart, h), true
	case errors.As(err, &chartMissing):
		return sayChartFileMissing(chartMissing, h), true
	case errors.As(err, &badJsonnet): // jsonnet folders (issue 17): words/jsonnet.go
		return sayBadJsonnet(badJsonnet, h), true
	// end of registry
	// plan: preview and apply (words/plan.go)
	case errors.As(err, &stale):
		return sayStale(stale, h), true
	case errors.As(err, &planPolicy) && planPolicy.Object != nil: // a link's or a fix's (D)
		return policyRefuses(planPolicy.Object), true
	case errors.As(err, &planPolicy):
		return sayPolicy(planPolicy, h), true
	case errors.As(err, &takeover):
		return sayTakeover(takeover, h), true
	case errors.As(err, &reconciler):
		return sayReconciler(reconciler, h), true
	case errors.As(err, &notOpen):
		return sayPullNotOpen(notOpen), true
	case errors.As(err, &forkApply):
		return sayForkApply(forkApply), true
	case errors.As(err, &notReady):
		return sayNotReady(notReady), true
	case errors.As(err, &forkPreview):
		return sayForkPreview(forkPreview), true
	// D. link, unlink, fix, policy, authorization
	case errors.As(err, &notFound) && isWorkload(notFound):
		return workloadNotFound(notFound), true
	case errors.As(err, &forbid):
		return forbidden(forbid), true
	case errors.As(err, &elsewhere) && elsewhere.Verb != "fix": // a fix's: FixRefusal, with the command line
		return linkedElsewhere(elsewhere), true
	case errors.As(err, &already):
		return alreadyLinked(already), true
	case errors.As(err, &gone):
		return deleted(gone), true
	case errors.As(err, &place):
		return cannotPlace(place, h), true
	case errors.As(err, &branches):
		return branchesTaken(branches), true
	// replica (area A): words/held.go
	case errors.As(err, &locked):
		return held(locked, h), true
	// pull requests' holds (issue 11): words/holds.go
	case errors.As(err, &pullHeld):
		return sayPullHeld(pullHeld, h), true
	case errors.As(err, &outside):
		return sayUnlockOutsidePull(outside, h), true
	// rollback (issue 12): words/rollback.go
	case errors.As(err, &rollbackInPull):
		return sayRollbackInPull(rollbackInPull, h), true
	case errors.As(err, &noRollback):
		return sayNoRollback(noRollback, h), true
	case errors.As(err, &notInHistory):
		return sayNotInHistory(notInHistory, h), true
	case errors.As(err, &invForbidden): // words/inventory.go
		return sayInventoryForbidden(invForbidden, h), true
	case errors.As(err, &invalid):
		return invalid.Msg, true
	case ops.IsRefusal(err):
		return err.Error(), true // a refusal without words of its own yet says what it is
	}
	return "", false
}
