package ops

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
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

// linkWorld is a service whose registry has acme/web (web in folder deploy/web, policy: only
// namespace shop; api in k8s) and acme/other (shop), and whose cluster has the workloads the
// test adds.
func linkWorld(t *testing.T) (*Service, *fakeWorkloads) {
	t.Helper()
	svc, _, _, _ := newTestService(t)
	wl := svc.Workloads.(*fakeWorkloads)
	seedRegistry(t, svc,
		entry(webRepo, config.Deployment{Name: "web", Path: "deploy/web", Policy: &config.Policy{Namespaces: []string{"shop"}}}, config.Deployment{Name: "api", Path: "k8s"}),
		entry(otherRepo, config.Deployment{Name: "shop", Path: "shop"}))
	return svc, wl
}

func TestLinkRefusals(t *testing.T) {
	web := kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"}
	elsewhere := kube.WorkloadRef{Kind: "Deployment", Namespace: "prod", Name: "web"}
	tests := []struct {
		name  string
		ann   map[string]string // the workload web's annotations; nil: no such workload
		req   LinkRequest
		fails error // Annotate's answer; nil: annotated
		want  error
	}{
		{"a deployment nobody registered", map[string]string{}, LinkRequest{Workload: web, Deployment: "nosuch"}, nil,
			&NotFound{Kind: "deployment", Name: "nosuch", Repo: "acme/web", Known: []string{"api", "web"}}},
		{"another repository's deployment", map[string]string{}, LinkRequest{Workload: web, Deployment: "shop"}, nil,
			&OtherRepo{Deployment: "shop", Repo: "acme/other", Verb: "link"}},
		{"a namespace the policy does not allow", map[string]string{}, LinkRequest{Workload: elsewhere, Deployment: "web"}, nil,
			&Policy{Object: &PolicyObject{Deployment: "web", Verb: "link", Kind: "Deployment", Name: "web", Namespace: "prod", Msg: "namespace prod is not allowed (namespaces: shop)"}}},
		{"no such workload", nil, LinkRequest{Workload: web, Deployment: "web"}, nil,
			&NotFound{Kind: "Deployment", Name: "web", Namespace: "shop"}},
		{"linked to another repository's deployment", linkedTo("shop", "shop"), LinkRequest{Workload: web, Deployment: "web", Force: true}, nil,
			&LinkedElsewhere{Workload: web, Deployment: "shop", Repo: "acme/other", Verb: "link"}},
		{"linked to another deployment, without force", linkedTo("api", "k8s"), LinkRequest{Workload: web, Deployment: "web"}, nil,
			&AlreadyLinked{Workload: web, To: "api", Path: "k8s", Want: "web"}},
		{"deleted while annotated", map[string]string{}, LinkRequest{Workload: web, Deployment: "web"}, &NotFound{Kind: "Deployment", Name: "web", Namespace: "shop"},
			&Deleted{Workload: web}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, wl := linkWorld(t)
			if tc.ann != nil {
				addWorkload(wl, tc.req.Workload, tc.ann)
			}
			if tc.fails != nil {
				svc.Workloads = &annotateFails{fakeWorkloads: wl, err: tc.fails}
			}
			before := fmt.Sprint(tc.ann)
			_, err := svc.Link(context.Background(), conversation(webRepo, "octocat", &fakeForge{}), tc.req)
			if !IsRefusal(err) || !reflect.DeepEqual(refusalOf(err), tc.want) {
				t.Fatalf("Link = %#v, want %#v", err, tc.want)
			}
			if tc.ann != nil && fmt.Sprint(wl.workloads[tc.req.Workload].Annotations) != before {
				t.Fatalf("a refused link changed the annotations: %v", wl.workloads[tc.req.Workload].Annotations)
			}
		})
	}
}

// refusalOf is the refusal err is or wraps.
func refusalOf(err error) Refusal {
	var r Refusal
	errors.As(err, &r)
	return r
}

func TestLink(t *testing.T) {
	web := kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"}
	tests := []struct {
		name string
		ann  map[string]string
		req  LinkRequest
		want Linked
	}{
		{"a workload linked to nothing", nil, LinkRequest{Workload: web, Deployment: "web"},
			Linked{Workload: web, Deployment: config.Deployment{Name: "web", Path: "deploy/web"}}},
		{"relinked with force", linkedTo("api", "k8s"), LinkRequest{Workload: web, Deployment: "web", Force: true},
			Linked{Workload: web, Deployment: config.Deployment{Name: "web", Path: "deploy/web"}, Before: "api"}},
		{"linked already", linkedTo("web", "deploy/web"), LinkRequest{Workload: web, Deployment: "web"},
			Linked{Workload: web, Deployment: config.Deployment{Name: "web", Path: "deploy/web"}, Unchanged: true}},
		{"relinked from a removed deployment with force", linkedTo("gone", "old"), LinkRequest{Workload: web, Deployment: "api", Force: true},
			Linked{Workload: web, Deployment: config.Deployment{Name: "api", Path: "k8s"}, Before: "gone"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, wl := linkWorld(t)
			addWorkload(wl, web, tc.ann)
			got, err := svc.Link(context.Background(), conversation(webRepo, "octocat", &fakeForge{}), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			got.Deployment.Policy = nil
			if !reflect.DeepEqual(*got, tc.want) {
				t.Fatalf("Link = %+v, want %+v", *got, tc.want)
			}
			ann := wl.workloads[web].Annotations
			if ann[sync.AnnotationSourceRepo] != tc.want.Deployment.Name || ann[sync.AnnotationSourcePath] != tc.want.Deployment.Path {
				t.Fatalf("annotations %v", ann)
			}
		})
	}
	t.Run("a conflict that does not go away is a failure", func(t *testing.T) {
		svc, wl := linkWorld(t)
		addWorkload(wl, web, nil)
		flaky := &annotateFails{fakeWorkloads: wl, err: conflict}
		svc.Workloads = flaky
		_, err := svc.Link(context.Background(), conversation(webRepo, "octocat", &fakeForge{}), LinkRequest{Workload: web, Deployment: "web"})
		if err == nil || IsRefusal(err) || !strings.Contains(err.Error(), "kept changing") || flaky.calls < 2 {
			t.Fatalf("Link = %v after %d tries, want a failure after retries", err, flaky.calls)
		}
	})
}

func TestUnlink(t *testing.T) {
	web := kube.WorkloadRef{Kind: "Deployment", Namespace: "shop", Name: "web"}
	tests := []struct {
		name    string
		ann     map[string]string // nil: no such workload
		fails   error
		want    *Unlinked
		refused error
	}{
		{"linked to a deployment of this repository", linkedTo("api", "k8s"), nil, &Unlinked{Workload: web, Was: true, From: "api"}, nil},
		{"linked to a removed deployment", linkedTo("gone", "old"), nil, &Unlinked{Workload: web, Was: true, From: "gone"}, nil},
		{"only a path", map[string]string{sync.AnnotationSourcePath: "x"}, nil, &Unlinked{Workload: web, Was: true}, nil},
		{"not linked", map[string]string{"other": "x"}, nil, &Unlinked{Workload: web}, nil},
		{"refused: no such workload", nil, nil, nil, &NotFound{Kind: "Deployment", Name: "web", Namespace: "shop"}},
		{"refused: another repository's", linkedTo("shop", "shop"), nil, nil, &LinkedElsewhere{Workload: web, Deployment: "shop", Repo: "acme/other", Verb: "unlink"}},
		{"refused: deleted meanwhile", linkedTo("api", "k8s"), &NotFound{Kind: "Deployment", Name: "web", Namespace: "shop"}, nil, &Deleted{Workload: web}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc, wl := linkWorld(t)
			if tc.ann != nil {
				addWorkload(wl, web, tc.ann)
			}
			if tc.fails != nil {
				svc.Workloads = &annotateFails{fakeWorkloads: wl, err: tc.fails}
			}
			got, err := svc.Unlink(context.Background(), conversation(webRepo, "octocat", &fakeForge{}), web)
			if tc.refused != nil {
				if !reflect.DeepEqual(refusalOf(err), tc.refused) {
					t.Fatalf("Unlink = %#v, want %#v", err, tc.refused)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Unlink = %+v, %v; want %+v", got, err, tc.want)
			}
			if ann := wl.workloads[web].Annotations; tc.want.Was && (ann[sync.AnnotationSourceRepo] != "" || ann[sync.AnnotationSourcePath] != "") {
				t.Fatalf("annotations left: %v", ann)
			}
		})
	}
}
