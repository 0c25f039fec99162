package config

import (
	"fmt"
	"strconv"
	"strings"
)

// The git cache's bound (issue 14): CacheMax is how many bytes the bare repositories under
// CacheDir may take before the least recently used ones are removed (RIGEL_CACHE_MAX, file
// cacheMax; bytes, or with a suffix Ki, Mi, Gi; 0: DefaultCacheMax). A repository in use is
// never removed (gitsrc, cache.go).

// DefaultCacheMax is the git cache's bound when the settings do not say: half the chart's
// 2Gi emptyDir (cacheSizeLimit), which also holds chart downloads and temporary files.
const DefaultCacheMax int64 = 1 << 30

// cacheUnits are the suffixes RIGEL_CACHE_MAX takes.
var cacheUnits = []struct {
	suffix string
	shift  uint
}{{"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}}

// ParseBytes reads "1073741824", "512Mi" or "1Gi".
func ParseBytes(v string) (int64, error) {
	v = strings.TrimSpace(v)
	shift := uint(0)
	for _, u := range cacheUnits {
		if strings.HasSuffix(v, u.suffix) {
			v, shift = strings.TrimSuffix(v, u.suffix), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<62)>>shift {
		return 0, fmt.Errorf("not a size in bytes like 1073741824, 512Mi or 1Gi")
	}
	return n << shift, nil
}

func cacheMaxSetting() setting {
	p := func(s *Settings) *int64 { return &s.CacheMax }
	r := row("CacheMax", "RIGEL_CACHE_MAX", "cacheMax", p).inStr()
	r.kind = "bytes"
	r.setDefault = func(s *Settings) { s.CacheMax = DefaultCacheMax }
	r.fromEnv = func(s *Settings, getenv func(string) string) error {
		if v := getenv("RIGEL_CACHE_MAX"); v != "" {
			n, err := ParseBytes(v)
			if err != nil {
				return fmt.Errorf("RIGEL_CACHE_MAX %q is %w", v, err)
			}
			s.CacheMax = n
		}
		return nil
	}
	r.fromFile = fileValue("cacheMax", func(s *Settings, path string, v int64) error {
		if v < 0 {
			return fmt.Errorf("config file %s: cacheMax must be 0 (the default) or more bytes, not %d", path, v)
		}
		if v != 0 {
			s.CacheMax = v
		}
		return nil
	})
	return r.docs("bytes the git cache may take (or 512Mi, 1Gi); the least recently used repositories not in use are removed beyond it; 0: 1Gi")
}

// CacheBound is CacheMax, DefaultCacheMax when 0.
func (s *Settings) CacheBound() int64 {
	if s.CacheMax <= 0 {
		return DefaultCacheMax
	}
	return s.CacheMax
}
