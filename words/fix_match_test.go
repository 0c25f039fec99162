package words

import (
	"strings"
	"testing"

	"github.com/rigel-gitops/rigel/kube"
)

// TestMatchWorkload: an issue's text names one linked workload (a match), several (ambiguous:
// they are named) or none; only linked workloads are ever matched.
func TestMatchWorkload(t *testing.T) {
	dep := func(ns, name string) kube.WorkloadRef {
		return kube.WorkloadRef{Kind: "Deployment", Namespace: ns, Name: name}
	}
	sts := func(ns, name string) kube.WorkloadRef {
		return kube.WorkloadRef{Kind: "StatefulSet", Namespace: ns, Name: name}
	}
	linked := []kube.WorkloadRef{dep("shop", "web"), dep("staging", "web"), dep("shop", "checkout"), sts("shop", "db"), dep("shop", "api")}
	tests := []struct {
		name  string
		text  string
		want  *kube.WorkloadRef
		named []kube.WorkloadRef
	}{
		{"kind/name -n ns", "Please look at deploy/web -n shop, it is down", ptr(dep("shop", "web")), nil},
		{"kind/name --namespace=ns", "deployment/web --namespace=staging", ptr(dep("staging", "web")), nil},
		{"kind/name in namespace ns", "DEPLOY/web in namespace staging.", ptr(dep("staging", "web")), nil},
		{"kind/name without namespace, two of that name", "deploy/web is broken", nil, []kube.WorkloadRef{dep("shop", "web"), dep("staging", "web")}},
		{"kind name in ns", "the deployment web in shop keeps restarting", ptr(dep("shop", "web")), nil},
		{"sts by short kind", "sts/db -n shop is pending", ptr(sts("shop", "db")), nil},
		{"kind does not fit", "statefulset/web -n shop", nil, nil},
		{"a plain word naming one workload", "checkout keeps crashing since this morning", ptr(dep("shop", "checkout")), nil},
		{"a plain word naming two, the namespace chooses", "web in staging is slow", ptr(dep("staging", "web")), nil},
		{"a plain word naming two", "web is slow", nil, []kube.WorkloadRef{dep("shop", "web"), dep("staging", "web")}},
		{"two names", "checkout and api both fail", nil, []kube.WorkloadRef{dep("shop", "api"), dep("shop", "checkout")}},
		{"an explicit form wins over plain words", "deploy/checkout -n shop fails, api is fine", ptr(dep("shop", "checkout")), nil},
		{"no name", "everything is slow today", nil, nil},
		{"a name inside a word is not a name", "webhooks and checkouts", nil, nil},
		{"markdown and mentions around it", "@someone `deploy/api -n shop` <b>down</b>", ptr(dep("shop", "api")), nil},
		{"unlinked workload named", "deploy/other -n shop", nil, nil},
		{"past the bound", strings.Repeat("x ", MaxIssueText) + "checkout", nil, nil},
		{"empty", "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MatchWorkload(tt.text, linked)
			switch {
			case tt.want == nil && got.Ref != nil:
				t.Fatalf("matched %v, want no match", *got.Ref)
			case tt.want != nil && (got.Ref == nil || *got.Ref != *tt.want):
				t.Fatalf("matched %v (named %v), want %v", got.Ref, got.Named, *tt.want)
			}
			if len(got.Named) != len(tt.named) {
				t.Fatalf("named %v, want %v", got.Named, tt.named)
			}
			for i := range tt.named {
				if got.Named[i] != tt.named[i] {
					t.Fatalf("named %v, want %v", got.Named, tt.named)
				}
			}
		})
	}
}

// TestFixCommand: the command offered in a reply is one `/rigel fix` reads.
func TestFixCommand(t *testing.T) {
	for ref, want := range map[kube.WorkloadRef]string{
		{Kind: "Deployment", Namespace: "shop", Name: "web"}:  "/rigel fix deploy/web -n shop",
		{Kind: "StatefulSet", Namespace: "db", Name: "pg"}:    "/rigel fix sts/pg -n db",
		{Kind: "DaemonSet", Namespace: "kube", Name: "agent"}: "/rigel fix ds/agent -n kube",
	} {
		if got := FixCommand(ref); got != want {
			t.Errorf("FixCommand(%v) = %q, want %q", ref, got, want)
		}
	}
}

func ptr(r kube.WorkloadRef) *kube.WorkloadRef { return &r }
