package commands

import (
	"reflect"
	"testing"
)

func TestReviewVerdict(t *testing.T) {
	tests := []struct {
		name               string
		reviews            []Review
		approved, blocking []string
	}{
		{"none", nil, nil, nil},
		{"one approval", []Review{{"alice", "APPROVED"}}, []string{"@alice"}, nil},
		{"approval after changes requested", []Review{{"alice", "CHANGES_REQUESTED"}, {"alice", "APPROVED"}}, []string{"@alice"}, nil},
		{"changes requested after approval", []Review{{"alice", "APPROVED"}, {"alice", "CHANGES_REQUESTED"}}, nil, []string{"@alice"}},
		{"a comment does not undo an approval", []Review{{"alice", "APPROVED"}, {"alice", "COMMENTED"}}, []string{"@alice"}, nil},
		{"a dismissal undoes it", []Review{{"bob", "CHANGES_REQUESTED"}, {"bob", "DISMISSED"}}, nil, nil},
		{"one approves, one blocks", []Review{{"bob", "CHANGES_REQUESTED"}, {"Alice", "APPROVED"}}, []string{"@alice"}, []string{"@bob"}},
		{"pending and comments decide nothing", []Review{{"carol", "PENDING"}, {"dave", "COMMENTED"}}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := reviewVerdict(tc.reviews)
			if !reflect.DeepEqual(a, tc.approved) || !reflect.DeepEqual(b, tc.blocking) {
				t.Fatalf("reviewVerdict = %v, %v; want %v, %v", a, b, tc.approved, tc.blocking)
			}
		})
	}
}

func TestAccessRequired(t *testing.T) {
	a := Access{Permissions: map[string]string{"apply": "maintain", "help": "none"}}
	for verb, want := range map[string]string{"apply": "maintain", "help": "none", "sync": "write", "list": "read", "diff": "read", "remove-deployment": "write", "future-verb": "write"} {
		t.Run(verb, func(t *testing.T) {
			if got := a.required(verb); got != want {
				t.Fatalf("required(%s) = %q, want %q", verb, got, want)
			}
		})
	}
}
