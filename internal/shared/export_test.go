package shared

import "time"

// SetLockHeartbeat shortens r's lock heartbeat for a test.
func SetLockHeartbeat(r *Redis, d time.Duration) { r.heartbeat = d }
