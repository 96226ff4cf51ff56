// Command snapbridge runs the snapbridge server and its operator tools:
//
//	snapbridge serve [flags]            run the server (--sandbox: with the LinkedIn stand-in and demo CRM)
//	snapbridge sandbox [flags]          run the LinkedIn stand-in alone, for several servers to share
//	snapbridge context sign [flags]     print a signed host context for a stored or configured tenant
//	snapbridge migrate [flags]          apply the database migrations and exit (--from/--to: copy SQLite into PostgreSQL)
//	snapbridge keys rotate [flags]      re-encrypt stored secrets with the newest key
//	snapbridge keys generate            print a new encryption key for the key ring (--session: a session key)
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "snapbridge:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  snapbridge serve [--config FILE] [--sandbox] [--addr HOST:PORT] [--sandbox-addr HOST:PORT] [--demo-addr HOST:PORT] [--db FILE | --database-url URL]
  snapbridge sandbox [--config FILE] [--addr HOST:PORT] [--state FILE] [--redirect-uri URL ...]
  snapbridge context sign --tenant ID [--kid KEY] --viewer ID [--viewer-name NAME] [--viewer-email EMAIL] --record JSON [--record JSON ...] [--role admin] [--lifetime 5m] [--config FILE] [--sandbox] [--db FILE | --database-url URL]
  snapbridge migrate [--config FILE] [--db FILE | --database-url URL]
  snapbridge migrate --from sqlite:PATH --to postgres://…   (copy a SQLite deployment into an empty PostgreSQL database)
  snapbridge keys rotate [--config FILE]
  snapbridge keys generate [--id ID]   (an encryption key for SNAPBRIDGE_ENCRYPTION_KEYS)
  snapbridge keys generate --session  (a session key for SNAPBRIDGE_SESSION_KEY)
  snapbridge version`

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("no command\n%s", usage)
	}
	switch args[0] {
	case "serve":
		return serve(args[1:])
	case "sandbox":
		return runSandbox(args[1:], os.Stdout)
	case "context":
		if len(args) < 2 || args[1] != "sign" {
			return fmt.Errorf("unknown context command\n%s", usage)
		}
		return signContext(args[2:], os.Stdout)
	case "migrate":
		return migrateDatabase(args[1:], os.Stdout)
	case "keys":
		if len(args) < 2 {
			return fmt.Errorf("keys needs rotate or generate\n%s", usage)
		}
		switch args[1] {
		case "rotate":
			return rotateKeys(args[2:], os.Stdout)
		case "generate":
			return generateKey(args[2:], os.Stdout)
		}
		return fmt.Errorf("unknown keys command %q\n%s", args[1], usage)
	case "version":
		fmt.Println(version)
		return nil
	case "-h", "--help", "help":
		fmt.Println(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}
