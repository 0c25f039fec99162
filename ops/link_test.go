package ops

import (
	"testing"

	"github.com/rigel-gitops/rigel/config"
	"github.com/rigel-gitops/rigel/kube"
	"github.com/rigel-gitops/rigel/sync"
)

func TestLinkOf(t *testing.T) {
	src := &config.Sources{Repos: []config.Repo{
		{Repo: "acme/web", Deployments: []config.Deployment{{Name: "web", Path: "deploy/web"}}},
		{Repo: "acme/api", Deployments: []config.Deployment{{Name: "api", Path: "k8s"}}},
	}}
	for _, tc := range []struct {
		name       string
		ann        map[string]string
		src        *config.Sources
		wantName   string
		wantPath   string
		wantLinked bool
		wantOwner  string // OwnerRepo()
		wantDep    string // the registered deployment's name, "" for none
	}{
		{name: "not linked", ann: nil, src: src},
		{name: "linked to a registered deployment", src: src,
			ann:      map[string]string{sync.AnnotationSourceRepo: "api", sync.AnnotationSourcePath: "k8s"},
			wantName: "api", wantPath: "k8s", wantLinked: true, wantOwner: "acme/api", wantDep: "api"},
		{name: "linked to a removed deployment", src: src,
			ann:      map[string]string{sync.AnnotationSourceRepo: "gone", sync.AnnotationSourcePath: "old"},
			wantName: "gone", wantPath: "old", wantLinked: true},
		{name: "empty annotation names nothing", src: src,
			ann:        map[string]string{sync.AnnotationSourceRepo: ""},
			wantLinked: true},
		{name: "only a path", src: src,
			ann:      map[string]string{sync.AnnotationSourcePath: "deploy/web"},
			wantPath: "deploy/web"},
		{name: "no registry", src: nil,
			ann:      map[string]string{sync.AnnotationSourceRepo: "web"},
			wantName: "web", wantLinked: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &kube.Workload{WorkloadRef: kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "w"}, Annotations: tc.ann}
			l := LinkOf(tc.src, w)
			if l.Name != tc.wantName || l.Path != tc.wantPath || l.Linked != tc.wantLinked || l.OwnerRepo() != tc.wantOwner {
				t.Fatalf("LinkOf = {Name %q Path %q Linked %v OwnerRepo %q}, want {%q %q %v %q}", l.Name, l.Path, l.Linked, l.OwnerRepo(), tc.wantName, tc.wantPath, tc.wantLinked, tc.wantOwner)
			}
			got := ""
			if l.Deployment != nil {
				got = l.Deployment.Name
				if l.Owner == nil || l.Owner.Repo != tc.wantOwner {
					t.Fatalf("LinkOf: deployment %q without its repository %v", got, l.Owner)
				}
			}
			if got != tc.wantDep {
				t.Fatalf("LinkOf: deployment %q, want %q", got, tc.wantDep)
			}
		})
	}
}
