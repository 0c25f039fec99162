package config

import (
	"testing"
)

// TestSyncHistorySetting: RIGEL_SYNC_HISTORY defaults to 5, takes 1..MaxSyncHistory (0 is
// the default, as in a Settings built in code), and refuses anything else (unparsable when
// loading, out of range in Validate).
func TestSyncHistorySetting(t *testing.T) {
	checkSetting(t, "RIGEL_SYNC_HISTORY", func(s *Settings) *int { return &s.SyncHistory }, []settingCase[int]{
		{env: "", want: DefaultSyncHistory},
		{env: "1", want: 1},
		{env: "50", want: 50},
		{env: "0", want: 0}, // the default: ops keeps config.HistoryLimit
		{env: "-1", wantErr: "RIGEL_SYNC_HISTORY must be between 1 and 50, not -1"},
		{env: "51", wantErr: "RIGEL_SYNC_HISTORY must be between 1 and 50, not 51"},
		{env: "many", wantErr: `RIGEL_SYNC_HISTORY "many" is not a number`},
	})
}

// TestSetLastSyncKeeping: the history keeps what the setting says, and a lowered setting
// trims a longer history at the next sync.
func TestSetLastSyncKeeping(t *testing.T) {
	s := &Sources{Repos: []Repo{{Repo: "o/r", Deployments: []Deployment{{Name: "web", Path: "web"}}}}}
	prev := -1 // entries before the sync
	for i, keep := range []int{8, 8, 8, 8, 8, 8, 2, 0} {
		if err := s.SetLastSyncKeeping("web", LastSync{Commit: string(rune('a' + i)), Status: "Succeeded"}, keep); err != nil {
			t.Fatal(err)
		}
		_, d := s.FindDeployment("web")
		if keep == 0 {
			keep = HistoryLimit
		}
		want := min(prev+1, keep)
		prev = len(d.History)
		if len(d.History) != want {
			t.Fatalf("after sync %d keeping %d: %d entries, want %d", i, keep, len(d.History), want)
		}
	}
}
