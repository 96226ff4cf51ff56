package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/snapbridge/snapbridge/internal/tokens"
)

// checkMemberTokenKeys warns, once per tenant, about member tokens sealed
// with an encryption key no longer in the key ring: those viewers are
// asked to connect LinkedIn again. Tokens whose key is back are restored.
func checkMemberTokenKeys(vault *tokens.Vault, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	missing, restored, err := vault.CheckKeys(ctx)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	for _, m := range missing {
		logger.Warn("member tokens sealed with an encryption key no longer in the key ring: these viewers must connect LinkedIn again, unless the key is put back",
			"tenant", m.Tenant, "count", m.Count, "keyIds", m.KeyIDs)
	}
	if restored > 0 {
		logger.Info("member tokens whose encryption key is back in the key ring are connected again", "count", restored)
	}
	return nil
}
