package metrics

import "github.com/prometheus/client_golang/prometheus"

// The git cache's metrics (issue 14): its size and the repositories removed to keep it under
// RIGEL_CACHE_MAX (gitsrc.CacheObserver).
type gitCache struct {
	bytes   prometheus.Gauge
	evicted prometheus.Counter
}

func newGitCache() gitCache {
	return gitCache{
		bytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rigel_git_cache_bytes", Help: "Bytes the cached git repositories take on disk (bounded by RIGEL_CACHE_MAX).",
		}),
		evicted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rigel_git_cache_evictions_total", Help: "Repositories removed from the git cache, least recently used first, to keep it under RIGEL_CACHE_MAX.",
		}),
	}
}

func (g gitCache) collectors() []prometheus.Collector {
	return []prometheus.Collector{g.bytes, g.evicted}
}

// GitCacheBytes sets rigel_git_cache_bytes (gitsrc.CacheObserver).
func (m *Metrics) GitCacheBytes(n int64) { m.gitCache.bytes.Set(float64(n)) }

// GitCacheEvicted counts a repository removed from the git cache (gitsrc.CacheObserver).
func (m *Metrics) GitCacheEvicted() { m.gitCache.evicted.Inc() }
