package linediff

import (
	"strings"
	"testing"
)

// lines splits s into lines that keep their "\n".
func lines(s string) []string {
	if s == "" {
		return nil
	}
	ls := strings.SplitAfter(s, "\n")
	return ls[:len(ls)-1] // the tests' texts end in "\n"
}

func TestUnified(t *testing.T) {
	for _, tc := range []struct {
		name, a, b, from, to string
		want                 string
	}{
		{name: "equal", a: "x\ny\n", b: "x\ny\n", from: "a", to: "b", want: ""},
		{name: "both empty", from: "a", to: "b", want: ""},
		{name: "create", b: "x\ny\n", from: "/dev/null", to: "b", want: "--- /dev/null\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n"},
		{name: "delete all", a: "x\n", from: "a", to: "b", want: "--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n"},
		{name: "no headers", a: "x\n", b: "y\n", want: "@@ -1 +1 @@\n-x\n+y\n"},
		{name: "one header", a: "x\n", b: "y\n", to: "b", want: "--- \n+++ b\n@@ -1 +1 @@\n-x\n+y\n"},
		{name: "change in the middle",
			a:    "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
			b:    "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			from: "a", to: "b",
			want: "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{name: "two hunks",
			a:    "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n",
			b:    "one\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve\n",
			from: "a", to: "b",
			want: "--- a\n+++ b\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n+twelve\n"},
		{name: "six equal lines keep one hunk",
			a:    "1\n2\n3\n4\n5\n6\n7\n8\n",
			b:    "one\n2\n3\n4\n5\n6\n7\neight\n",
			from: "a", to: "b",
			want: "--- a\n+++ b\n@@ -1,8 +1,8 @@\n-1\n+one\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+eight\n"},
		{name: "insertion after a repeated line keeps the first",
			a:    "x\n",
			b:    "x\nx\n",
			from: "a", to: "b",
			want: "--- a\n+++ b\n@@ -1 +1,2 @@\n x\n+x\n"},
		{name: "deletion and insertion meet as a replacement",
			a:    "k: 1\n- n\n- n\n- n\nz: 2\n",
			b:    "k: 1\n- n\n- n\nnew\nz: 2\n",
			from: "a", to: "b",
			want: "--- a\n+++ b\n@@ -1,5 +1,5 @@\n k: 1\n - n\n - n\n-- n\n+new\n z: 2\n"},
		{name: "pure insertion",
			a:    "a\nb\nc\n",
			b:    "a\nb\nnew\nc\n",
			from: "a", to: "b",
			want: "--- a\n+++ b\n@@ -1,3 +1,4 @@\n a\n b\n+new\n c\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Unified(lines(tc.a), lines(tc.b), tc.from, tc.to, 3)
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestUnifiedContext(t *testing.T) {
	a := lines("1\n2\n3\n4\n5\n")
	b := lines("1\n2\nthree\n4\n5\n")
	for n, want := range map[int]string{
		0:  "@@ -3 +3 @@\n-3\n+three\n",
		1:  "@@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n",
		-1: "@@ -1,5 +1,5 @@\n 1\n 2\n-3\n+three\n 4\n 5\n", // negative: difflib's default, 3
	} {
		if got := Unified(a, b, "", "", n); got != want {
			t.Errorf("context %d: got %q, want %q", n, got, want)
		}
	}
}
