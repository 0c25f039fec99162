package replica

import (
	"errors"
	"maps"
	"testing"

	"github.com/rigel-gitops/rigel/kube"
)

func TestRecordMAC(t *testing.T) {
	key := recordKeyFor([]byte("marker key of this installation"))
	genuine := map[string]string{annRepo: "acme/shop", annIssue: "12", annInstallation: "7", annCommand: "/rigel apply web",
		annDelivery: "d-1", annReplica: "rigel-a"}
	signed := func(name string, a map[string]string) kube.LeaseInfo {
		a = maps.Clone(a)
		signRecord(key, name, a)
		return kube.LeaseInfo{Name: name, Annotations: a}
	}
	edit := func(l kube.LeaseInfo, k, v string) kube.LeaseInfo {
		l.Annotations = maps.Clone(l.Annotations)
		l.Annotations[k] = v
		return l
	}
	tests := []struct {
		name  string
		lease kube.LeaseInfo
		ok    bool
	}{
		{"as Rigel wrote it", signed("rigel-cmd-1", genuine), true},
		{"with its phase, signed again", signed("rigel-cmd-1", func() map[string]string {
			a := maps.Clone(genuine)
			a[annPhase], a[annDeployment], a[annCommit] = PhaseApplying, "web", "0123456789abcdef0123456789abcdef01234567"
			return a
		}()), true},
		{"a leader's last-seen added", edit(signed("rigel-cmd-1", genuine), annLastSeen, "2026-11-30T04:00:00Z"), true},
		{"unsigned", kube.LeaseInfo{Name: "rigel-cmd-1", Annotations: genuine}, false},
		{"another conversation", edit(signed("rigel-cmd-1", genuine), annRepo, "victim/repo"), false},
		{"another issue", edit(signed("rigel-cmd-1", genuine), annIssue, "13"), false},
		{"another installation", edit(signed("rigel-cmd-1", genuine), annInstallation, "8"), false},
		{"another command", edit(signed("rigel-cmd-1", genuine), annCommand, "/rigel apply @everyone"), false},
		{"a phase added unsigned", edit(signed("rigel-cmd-1", genuine), annDeployment, "db"), false},
		{"copied under another name", func() kube.LeaseInfo { l := signed("rigel-cmd-1", genuine); l.Name = "rigel-cmd-2"; return l }(), false},
		{"a MAC of another key", func() kube.LeaseInfo {
			a := maps.Clone(genuine)
			signRecord(recordKeyFor([]byte("another key")), "rigel-cmd-1", a)
			return kube.LeaseInfo{Name: "rigel-cmd-1", Annotations: a}
		}(), false},
		{"the marker key itself", func() kube.LeaseInfo {
			a := maps.Clone(genuine)
			signRecord([]byte("marker key of this installation"), "rigel-cmd-1", a)
			return kube.LeaseInfo{Name: "rigel-cmd-1", Annotations: a}
		}(), false},
		{"a MAC of wrong shape", edit(signed("rigel-cmd-1", genuine), annMAC, "00"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := verifyRecord(key, tc.lease)
			if tc.ok && err != nil {
				t.Fatalf("verifyRecord = %v, want it to verify", err)
			}
			if !tc.ok && !errors.Is(err, errRecordUnverified) {
				t.Fatalf("verifyRecord = %v, want errRecordUnverified", err)
			}
		})
	}
}

// TestRecordKeyIsItsOwn: the record key differs from the marker key, so a marker's MAC can
// never serve as a record's, and it follows the marker key.
func TestRecordKeyIsItsOwn(t *testing.T) {
	mk := []byte("marker key of this installation")
	if string(recordKeyFor(mk)) == string(mk) || string(recordKeyFor(mk)) == string(recordKeyFor([]byte("other"))) {
		t.Fatal("the record key is the marker key, or does not depend on it")
	}
}

// TestRecordKeyOfNew: New derives the record key from the marker key it is given, and a
// Rigel without one signs with a key of its process, never with an empty key.
func TestRecordKeyOfNew(t *testing.T) {
	mk := []byte("marker key of this installation")
	tests := []struct {
		name      string
		markerKey []byte
		want      []byte
	}{
		{"the installation's marker key", mk, recordKeyFor(mk)},
		{"no marker key", nil, recordKeyFor(fallbackKey)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := New(nil, tc.markerKey).key; string(got) != string(tc.want) || string(got) == string(recordKeyFor(nil)) {
				t.Fatalf("the record key = %x, want %x", got, tc.want)
			}
		})
	}
}
