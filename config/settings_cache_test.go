package config

import "testing"

// TestCacheMaxSetting: RIGEL_CACHE_MAX defaults to 1Gi, takes bytes or Ki/Mi/Gi/Ti, and
// refuses anything else when loading.
func TestCacheMaxSetting(t *testing.T) {
	checkSetting(t, "RIGEL_CACHE_MAX", func(s *Settings) *int64 { return &s.CacheMax }, []settingCase[int64]{
		{env: "", want: DefaultCacheMax},
		{env: "1048576", want: 1 << 20},
		{env: "512Mi", want: 512 << 20},
		{env: "2Gi", want: 2 << 30},
		{env: " 3Ki ", want: 3 << 10},
		{env: "1GB", wantErr: `RIGEL_CACHE_MAX "1GB" is not a size in bytes like 1073741824, 512Mi or 1Gi`},
		{env: "-1", wantErr: `RIGEL_CACHE_MAX "-1" is not a size`},
		{env: "99999999999Ti", wantErr: `RIGEL_CACHE_MAX "99999999999Ti" is not a size`},
	})
}

func TestCacheBound(t *testing.T) {
	for _, tc := range []struct{ max, want int64 }{{0, DefaultCacheMax}, {-5, DefaultCacheMax}, {42, 42}} {
		if got := (&Settings{CacheMax: tc.max}).CacheBound(); got != tc.want {
			t.Errorf("CacheBound of %d = %d, want %d", tc.max, got, tc.want)
		}
	}
}
