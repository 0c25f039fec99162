package config

import "time"

// DefaultDriftInterval is how often the leader checks applied deployments for drift
// (RIGEL_DRIFT_INTERVAL, issue 12) when the settings do not say.
const DefaultDriftInterval = 10 * time.Minute
