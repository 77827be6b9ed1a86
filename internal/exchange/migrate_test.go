package exchange_test

import (
	"testing"

	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func TestMigrations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		if _, err := s.DB().Exec("SELECT count(*) FROM exchange_ca"); err != nil {
			t.Fatal(err)
		}
	}, identity.Migrations(), exchange.Migrations())
}
