package config

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/snapbridge/snapbridge/internal/assoc"
)

// MinAssociationCacheBytes is the smallest associations.cacheBytes
// accepted: room for about a thousand answers.
const MinAssociationCacheBytes = 1 << 20

// ByteSize is a number of bytes, written as a whole number or with a
// unit: KiB, MiB, GiB (powers of 1024) or KB, MB, GB (powers of 1000),
// e.g. 256MiB. It is the type of associations.cacheBytes, which its YAML
// errors name.
type ByteSize int64

var byteUnits = []struct {
	suffix string
	size   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
}

// ParseByteSize reads a ByteSize such as 134217728, 128MiB or 500MB.
func ParseByteSize(s string) (ByteSize, error) {
	s = strings.TrimSpace(s)
	num, unit := s, int64(1)
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, unit = strings.TrimSpace(n), u.size
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > (1<<62)/unit || n < -(1<<62)/unit {
		return 0, fmt.Errorf("%q is not a size in bytes (e.g. 134217728, 128MiB, 500MB)", s)
	}
	return ByteSize(n * unit), nil
}

// UnmarshalYAML reads a ByteSize from a number or a string with a unit.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: associations.cacheBytes: %w", n.Line, err)
	}
	*b = v
	return nil
}

// applyEnv reads SNAPBRIDGE_ASSOCIATIONS_CACHE_ENTRIES and
// SNAPBRIDGE_ASSOCIATIONS_CACHE_BYTES.
func (a *Associations) applyEnv(getenv func(string) string) error {
	if v := getenv("SNAPBRIDGE_ASSOCIATIONS_CACHE_ENTRIES"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("SNAPBRIDGE_ASSOCIATIONS_CACHE_ENTRIES: %q is not a whole number", v)
		}
		a.CacheEntries = n
	}
	if v := getenv("SNAPBRIDGE_ASSOCIATIONS_CACHE_BYTES"); v != "" {
		n, err := ParseByteSize(v)
		if err != nil {
			return fmt.Errorf("SNAPBRIDGE_ASSOCIATIONS_CACHE_BYTES: %w", err)
		}
		a.CacheBytes = n
	}
	return nil
}

// checkCache refuses cache bounds the resolver could not honour.
func (a *Associations) checkCache() error {
	if a.CacheEntries < 0 {
		return fmt.Errorf("associations.cacheEntries: %d must be 0 (the default, %d) or more", a.CacheEntries, assoc.DefaultMaxEntries)
	}
	if a.CacheBytes < 0 || (a.CacheBytes > 0 && a.CacheBytes < MinAssociationCacheBytes) {
		return fmt.Errorf("associations.cacheBytes: %d must be 0 (the default, %dMiB) or at least 1MiB", a.CacheBytes, assoc.DefaultMaxBytes>>20)
	}
	return nil
}
