package linediff

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
)

// object is a Kubernetes-like object as Rigel renders it (YAML with sorted keys): metadata,
// a few containers with env lists, ports, probes and volume mounts whose lines repeat from
// one container to the next.
func object(r *rand.Rand) []string {
	var o []string
	add := func(f string, args ...any) { o = append(o, fmt.Sprintf(f, args...)+"\n") }
	add("apiVersion: apps/v1")
	add("kind: Deployment")
	add("metadata:")
	add("  labels:")
	add("    app: web")
	add("  name: web-%d", r.Intn(100))
	add("  namespace: prod")
	add("spec:")
	add("  replicas: %d", r.Intn(5)+1)
	add("  template:")
	add("    spec:")
	add("      containers:")
	for c := r.Intn(3) + 1; c > 0; c-- {
		add("      - env:")
		for e := r.Intn(6); e > 0; e-- {
			add("        - name: VAR_%d", r.Intn(20))
			add("          value: %q", fmt.Sprint(r.Intn(3)))
		}
		add("        image: registry.example/web:%d.%d", r.Intn(3), r.Intn(10))
		add("        name: c%d", c)
		add("        ports:")
		add("        - containerPort: %d", 8080+r.Intn(2))
		add("          protocol: TCP")
		add("        readinessProbe:")
		add("          httpGet:")
		add("            path: /healthz")
		add("            port: 8080")
		add("        volumeMounts:")
		for v := r.Intn(3); v > 0; v-- {
			add("        - mountPath: /data/%d", r.Intn(4))
			add("          name: data")
			add("          readOnly: true")
		}
	}
	add("      volumes:")
	add("      - emptyDir: {}")
	add("        name: data")
	return o
}

// changed is the object with a few edits of the kinds a commit makes: values changed, lines
// and whole list items added or removed.
func changed(r *rand.Rand, a []string) []string {
	b := append([]string(nil), a...)
	for e := r.Intn(3) + 1; e > 0; e-- {
		p := r.Intn(len(b))
		switch r.Intn(4) {
		case 0:
			b[p] = fmt.Sprintf("        image: registry.example/web:%d.%d\n", r.Intn(3), 10+r.Intn(10))
		case 1:
			b = append(b[:p], b[p+1:]...)
		case 2:
			item := []string{fmt.Sprintf("        - name: VAR_%d\n", r.Intn(20)), fmt.Sprintf("          value: %q\n", fmt.Sprint(r.Intn(3)))}
			b = append(b[:p], append(item, b[p:]...)...)
		case 3:
			if p+2 <= len(b) {
				b = append(b[:p], b[p+2:]...)
			}
		}
	}
	return b
}

// TestSameAsDifflib: on objects as Rigel shows them, with the edits of ordinary commits, the
// output is difflib's, byte for byte, but for at most 1 in 500: replies read as they did
// before go-difflib was replaced. The rare others are as short, with an ambiguous edit
// aligned differently (difflib matches the longest equal block first, not a shortest edit
// script); TestMatchesShortest holds them to being right.
func TestSameAsDifflib(t *testing.T) {
	r := newRand()
	differ := 0
	const n = 3000
	for i := 0; i < n; i++ {
		a := object(r)
		b := changed(r, a)
		want, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: a, B: b, FromFile: "live/x", ToFile: "rigel/x", Context: 3})
		if err != nil {
			t.Fatal(err)
		}
		if got := Unified(a, b, "live/x", "rigel/x", 3); got != want {
			differ++
			t.Logf("case %d: got\n%s\ndifflib\n%s", i, got, want)
		}
	}
	t.Logf("%d of %d diffs differ from difflib's", differ, n)
	if differ*500 > n {
		t.Errorf("%d of %d diffs differ from difflib's, want at most 1 in 500", differ, n)
	}
}

func newRand() *rand.Rand { return rand.New(rand.NewSource(14)) }

// TestSameAsDifflibBig: objects of 200 lines or more (six of TestSameAsDifflib's in one) are
// where difflib's "autojunk" heuristic starts: a line found in more than 1% of the new text
// (`name: data`, `protocol: TCP`) may not anchor a match, and difflib then shows it removed
// and added again. Without that heuristic difflib's edit script is this package's, opcode for
// opcode; with it, the previews of such objects differ at times, never with more changed
// lines (mostly fewer: a popular line is kept, not removed and added).
func TestSameAsDifflibBig(t *testing.T) {
	r := newRand()
	const n = 200
	differ := 0
	for i := 0; i < n; i++ {
		var a []string
		for k := 0; k < 6; k++ {
			a = append(a, object(r)...)
		}
		b := changed(r, a)
		want := difflib.NewMatcherWithJunk(a, b, false, nil).GetOpCodes()
		got := Ops(a, b)
		same := len(got) == len(want)
		for k := 0; same && k < len(want); k++ {
			w := want[k]
			same = got[k] == Op{w.Tag, w.I1, w.I2, w.J1, w.J2}
		}
		if !same {
			t.Fatalf("case %d: ops\n%v\ndifflib without autojunk\n%v", i, got, want)
		}
		withJunk, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: a, B: b, Context: 3})
		if err != nil {
			t.Fatal(err)
		}
		if ours := Unified(a, b, "", "", 3); ours != withJunk {
			differ++
			if o, w := countChanged(ours), countChanged(withJunk); o > w {
				t.Errorf("case %d: %d lines changed, more than difflib's %d", i, o, w)
			}
		}
	}
	t.Logf("%d of %d big objects differ from difflib with autojunk (never with more changed lines)", differ, n)
}

// countChanged counts the lines a unified diff without headers removes or adds.
func countChanged(d string) int {
	n := 0
	for _, l := range strings.SplitAfter(d, "\n") {
		if strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+") {
			n++
		}
	}
	return n
}
