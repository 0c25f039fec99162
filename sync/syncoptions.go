package sync

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Argo CD's sync and compare options on an object (argocd.argoproj.io/sync-options,
// argocd.argoproj.io/compare-options): what Rigel honours, says, or lists as unknown (never
// ignored silently). See docs/argocd.md.
const (
	AnnotationArgoSyncOptions    = "argocd.argoproj.io/sync-options"
	AnnotationArgoCompareOptions = "argocd.argoproj.io/compare-options"
)

// ArgoOptions is what an object's Argo CD options say.
type ArgoOptions struct {
	// NoPrune (Prune=false) and NoDelete (Delete=false): prune never deletes the object once
	// it left the folder (inventory.go keeps it, saying why).
	NoPrune, NoDelete bool
	// SkipDryRun (SkipDryRunOnMissingResource=true): a custom resource whose kind the cluster
	// does not know yet is previewed as sent, not refused.
	SkipDryRun bool
	// Replace (Replace=true): applied as a replace, an update of the whole object with the
	// resourceVersion the preview read; Force (Force=true, with Replace=true): deleted and
	// created again (syncoptions_apply.go). Without Replace=true, Force=true is listed as
	// unknown: in Argo CD it only changes how Replace=true replaces.
	Replace, Force bool
	// ServerSideApply (ServerSideApply=true): a no-op, Rigel always applies server-side.
	ServerSideApply bool
	// IgnoreExtraneous (compare-options IgnoreExtraneous): Argo CD's way of leaving an object
	// out of its app's sync status; Rigel lists the object as ignored in the diff.
	IgnoreExtraneous bool
	// Unknown lists what Rigel does not know or does not do: an option it does not know, a
	// value it cannot read, a wave that is no integer.
	Unknown []string
}

// argoOptionsOf reads an object's Argo CD options; nil when it has none (and badWave is "").
func argoOptionsOf(ann map[string]string, badWave string) *ArgoOptions {
	sync, hasSync := ann[AnnotationArgoSyncOptions]
	cmp, hasCmp := ann[AnnotationArgoCompareOptions]
	if !hasSync && !hasCmp && badWave == "" {
		return nil
	}
	o := &ArgoOptions{}
	if badWave != "" {
		o.Unknown = append(o.Unknown, badWave)
	}
	for _, opt := range splitList(sync) {
		switch opt {
		case "Prune=false":
			o.NoPrune = true
		case "Delete=false":
			o.NoDelete = true
		case "SkipDryRunOnMissingResource=true":
			o.SkipDryRun = true
		case "ServerSideApply=true":
			o.ServerSideApply = true
		case "Replace=true":
			o.Replace = true
		case "Force=true":
			o.Force = true
		case "Prune=true", "Delete=true", "SkipDryRunOnMissingResource=false", "ServerSideApply=false", "Replace=false", "Force=false":
			// Rigel's own behaviour: nothing to say.
		default:
			o.Unknown = append(o.Unknown, AnnotationArgoSyncOptions+": "+opt)
		}
	}
	for _, opt := range splitList(cmp) {
		switch opt {
		case "IgnoreExtraneous":
			o.IgnoreExtraneous = true
		default:
			o.Unknown = append(o.Unknown, AnnotationArgoCompareOptions+": "+opt)
		}
	}
	if o.Force && !o.Replace {
		o.Force = false
		o.Unknown = append(o.Unknown, AnnotationArgoSyncOptions+": Force=true without Replace=true (Argo CD forces only a replace): applied as usual")
	}
	return o
}

// Replaces reports whether the object is applied as a replace (Replace=true, and Force=true).
func (o *ArgoOptions) Replaces() bool { return o != nil && o.Replace }

// orphanKeep says why an orphan whose live annotations carry Argo CD's Prune=false,
// Delete=false or IgnoreExtraneous is never deleted by prune ("" when they carry none).
func orphanKeep(ann map[string]string) string {
	o := argoOptionsOf(ann, "")
	switch {
	case o == nil:
		return ""
	case o.NoPrune:
		return AnnotationArgoSyncOptions + " Prune=false: prune never deletes it"
	case o.NoDelete:
		return AnnotationArgoSyncOptions + " Delete=false: Rigel never deletes it"
	case o.IgnoreExtraneous:
		return AnnotationArgoCompareOptions + " IgnoreExtraneous: ignored, not pruned"
	}
	return ""
}

// skipDryRunNote is the note of an object of a kind the cluster does not know, previewed as
// sent because of SkipDryRunOnMissingResource=true (Argo CD's way of leaving out the dry-run).
func skipDryRunNote(r Ref) string {
	return fmt.Sprintf("not dry-run: the cluster has no kind %s in group %s, and %s SkipDryRunOnMissingResource=true: shown as sent, without server defaults; the apply fails at it if the kind is still unknown then", r.Kind, groupName(r.Group), AnnotationArgoSyncOptions)
}

// SyncOptionsOf lists an object's Argo CD sync options as written (argocd.argoproj.io/sync-options),
// for the policy's refusedSyncOptions (policy/syncoptions.go).
func SyncOptionsOf(u *unstructured.Unstructured) []string {
	if u == nil {
		return nil
	}
	return splitList(u.GetAnnotations()[AnnotationArgoSyncOptions])
}
