package idp_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/identity/idp"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestSigningKeyMadeOnce starts several providers on one database at once,
// as nodes starting together would, and checks that they all publish the
// same single key, made once, with one event.
func TestSigningKeyMadeOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const nodes = 4
		provs := make([]*idp.Provider, nodes)
		errs := make([]error, nodes)
		var wg sync.WaitGroup
		for i := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				provs[i], errs[i] = idp.New(ctx, idp.Config{
					Store: s, Identity: identity.New(s), Issuer: "https://panjare.test/idp",
					Clients: []idp.Client{{ID: "portal", Secret: "x", RedirectURIs: []string{"https://panjare.test/auth/callback"}}},
				})
			}()
		}
		wg.Wait()
		var first string
		for i, p := range provs {
			if errs[i] != nil {
				t.Fatalf("node %d: %v", i, errs[i])
			}
			w := httptest.NewRecorder()
			p.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/idp/keys", nil))
			var jwks struct {
				Keys []struct {
					Kid string `json:"kid"`
					Alg string `json:"alg"`
					D   string `json:"d"`
				} `json:"keys"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &jwks); err != nil || len(jwks.Keys) != 1 {
				t.Fatalf("node %d keys: %d %s", i, w.Code, w.Body.String())
			}
			k := jwks.Keys[0]
			if k.Alg != "ES256" || k.D != "" {
				t.Fatalf("node %d publishes %+v", i, k)
			}
			if first == "" {
				first = k.Kid
			} else if k.Kid != first {
				t.Fatalf("node %d publishes key %s, node 0 %s", i, k.Kid, first)
			}
		}
		evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "identity.idp.key.created"})
		if len(evs) != 1 {
			t.Fatalf("key events = %d, want 1", len(evs))
		}
		// The discovery document names the issuer and our endpoints.
		w := httptest.NewRecorder()
		provs[0].Handler().ServeHTTP(w, httptest.NewRequest("GET", "/idp/.well-known/openid-configuration", nil))
		var disc map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &disc); err != nil || disc["issuer"] != "https://panjare.test/idp" ||
			disc["authorization_endpoint"] != "https://panjare.test/idp/authorize" {
			t.Fatalf("discovery: %d %s", w.Code, w.Body.String())
		}
	}, identity.Migrations())
}
