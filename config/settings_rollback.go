package config

// DefaultSyncHistory is how many syncs before the last one the registry keeps for each
// deployment (RIGEL_SYNC_HISTORY, issue 12) when the settings do not say: HistoryLimit.
const DefaultSyncHistory = HistoryLimit

// MaxSyncHistory bounds RIGEL_SYNC_HISTORY: at about 120 bytes a sync, 50 syncs of 150
// deployments are ~900 KB, near the 1 MiB a ConfigMap can hold.
const MaxSyncHistory = 50
