package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/snapbridge/snapbridge/internal/admin"
	"github.com/snapbridge/snapbridge/internal/config"
	"github.com/snapbridge/snapbridge/internal/keyring"
	"github.com/snapbridge/snapbridge/internal/server"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

// rotateKeys re-encrypts every stored secret (member tokens and tenant
// secrets) with the first (newest) key
// of the ring, so older keys can then be dropped from the configuration.
func rotateKeys(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("keys rotate", flag.ContinueOnError)
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if err := cfg.Finish(); err != nil {
		return err
	}
	if err := cfg.EnsureSecrets(time.Now()); err != nil {
		return err
	}
	ring, err := server.KeyRing(cfg.Secrets.EncryptionKeys)
	if err != nil {
		return err
	}
	db, err := server.OpenStore(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	n, err := tokens.NewVault(db, ring, time.Now).Rotate(ctx)
	if err != nil {
		return fmt.Errorf("rotate member tokens: %w", err)
	}
	m, err := admin.New(admin.Deps{Store: db, Ring: ring}).RotateSecrets(ctx)
	if err != nil {
		return fmt.Errorf("rotate tenant secrets: %w", err)
	}
	fmt.Fprintf(out, "re-encrypted %d member token(s) and %d tenant secret record(s) with key %s\n", n, m, ring.Primary())
	// Kept CRM sign-ins are bound to a handle only the browser holds.
	fmt.Fprintf(out, "kept Dynamics 365 sign-ins are sealed with key %s at their next use; a sign-in unused until an old key is removed asks its seller to sign in again\n", ring.Primary())
	return nil
}

// generateKey prints a new key-ring entry for SNAPBRIDGE_ENCRYPTION_KEYS
// (put first before running keys rotate), or with --session a new session
// signing key for SNAPBRIDGE_SESSION_KEY. Outside --sandbox the server
// needs both configured.
func generateKey(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("keys generate", flag.ContinueOnError)
	id := fs.String("id", "k"+time.Now().UTC().Format("20060102150405"), "key id of the encryption key")
	sessionKey := fs.Bool("session", false, "print a session signing key (SNAPBRIDGE_SESSION_KEY) instead of an encryption key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("keys generate takes no arguments, got %q", fs.Args())
	}
	if *sessionKey {
		fmt.Fprintln(out, config.NewSessionKey())
		return nil
	}
	key := config.NewEncryptionKey(*id)
	if _, err := keyring.ParseKey(key); err != nil {
		return fmt.Errorf("--id: %w", err)
	}
	fmt.Fprintln(out, key)
	return nil
}
