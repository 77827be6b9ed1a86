package exchange_test

import (
	"encoding/json"
	"testing"

	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func TestDirectory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{})
		get := func(t *testing.T, path string, hdr map[string]string) (int, []byte) {
			t.Helper()
			if hdr == nil {
				hdr = map[string]string{exchange.HeaderIMClient: ""}
			}
			resp, body := f.call(t, "GET", path, nil, hdr)
			if resp.StatusCode == 200 && resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Fatalf("%s: content type %q", path, resp.Header.Get("Content-Type"))
			}
			return resp.StatusCode, body
		}
		bad := func(t *testing.T, path string, hdr map[string]string) {
			t.Helper()
			if hdr == nil {
				hdr = map[string]string{exchange.HeaderIMClient: ""}
			}
			resp, body := f.call(t, "GET", path, nil, hdr)
			wantProblem(t, resp, body, 400, exchange.CodeBadRequest)
		}

		t.Run("listClients", func(t *testing.T) {
			for _, p := range []string{"/listClients", "/r1/listClients", "/listClients?instanceId=IR"} {
				st, body := get(t, p, nil)
				var list exchange.ClientList
				if st != 200 || json.Unmarshal(body, &list) != nil {
					t.Fatalf("%s: %d %s", p, st, body)
				}
				var members, apps int
				for _, c := range list.Member {
					switch c.ID.ObjectType {
					case "MEMBER":
						members++
						if c.ID.ApplicationCode != "" || c.ID.InstanceID != "IR" || c.ID.MemberClass != "GOV" || c.Name == "" {
							t.Fatalf("member %+v", c)
						}
					case "APPLICATION":
						apps++
						if c.ID.ApplicationCode == "" || c.Name == "" {
							t.Fatalf("application %+v", c)
						}
					default:
						t.Fatalf("object type %q", c.ID.ObjectType)
					}
				}
				if members != 2 || apps != 3 {
					t.Fatalf("%d members, %d applications: %s", members, apps, body)
				}
			}
			// Another instance: none of its clients are known here.
			st, body := get(t, "/listClients?instanceId=EE", nil)
			if st != 200 || string(body) != "{\"member\":[]}\n" {
				t.Fatalf("other instance: %d %s", st, body)
			}
			bad(t, "/listClients?instanceId=ir-1", nil)
		})

		t.Run("listMethods", func(t *testing.T) {
			for _, p := range []string{"/IR/GOV/NOCR/population/listMethods", "/r1/IR/GOV/NOCR/population/listMethods"} {
				st, body := get(t, p, nil)
				var list exchange.ServiceList
				if st != 200 || json.Unmarshal(body, &list) != nil || len(list.Member) != 3 {
					t.Fatalf("%s: %d %s", p, st, body)
				}
				for _, svc := range list.Member {
					if svc.ObjectType != "SERVICE" || svc.ServiceType != "REST" || svc.InstanceID != "IR" || svc.MemberClass != "GOV" ||
						svc.MemberCode != "NOCR" || svc.ApplicationCode != "population" || svc.ServiceVersion == "" || len(svc.EndpointList.Member) == 0 {
						t.Fatalf("service %+v", svc)
					}
					if svc.ServiceCode == "status" && (svc.ServiceVersion != "2" || len(svc.EndpointList.Member) != 3) {
						t.Fatalf("status service %+v", svc)
					}
				}
			}
			st, body := get(t, "/IR/GOV/NOCR/population/listMethods?serviceId=status", nil)
			var list exchange.ServiceList
			if st != 200 || json.Unmarshal(body, &list) != nil || len(list.Member) != 1 || list.Member[0].ServiceCode != "status" {
				t.Fatalf("filtered: %d %s", st, body)
			}
			bad(t, "/IR/GOV/NOCR/population/listMethods?serviceId=nothing", nil)
			bad(t, "/IR/GOV/NOCR/population/listMethods?serviceId=Bad_Code", nil)
			bad(t, "/IR/GOV/nocr/population/listMethods", nil) // invalid member code
			bad(t, "/IR/GOVERNMENT1/NOCR/population/listMethods", nil)
			bad(t, "/IR/GOV/NOCR/Population/listMethods", nil) // invalid subsystem code
			bad(t, "/IR/GOV/NOCR/registry/listMethods", nil)   // valid but unknown
			bad(t, "/IR/GOV/ZZZZ/population/listMethods", nil) // unknown member
			bad(t, "/r1/IR/GOV/NOCR/ghost/listMethods", nil)
		})

		t.Run("allowedMethods", func(t *testing.T) {
			st, body := get(t, "/IR/GOV/NOCR/population/allowedMethods", map[string]string{exchange.HeaderIMClient: gwClient.String()})
			var list exchange.ServiceList
			if st != 200 || json.Unmarshal(body, &list) != nil || len(list.Member) != 3 {
				t.Fatalf("tax: %d %s", st, body)
			}
			// The GovStack header name works too.
			st, body = get(t, "/r1/IR/GOV/NOCR/population/allowedMethods", map[string]string{exchange.HeaderIMClient: "", exchange.HeaderGovStackClient: gwClient.String()})
			if st != 200 || json.Unmarshal(body, &list) != nil || len(list.Member) != 3 {
				t.Fatalf("tax by X-GovStack-Client: %d %s", st, body)
			}
			st, body = get(t, "/IR/GOV/NOCR/population/allowedMethods", map[string]string{exchange.HeaderIMClient: gwOther.String()})
			if st != 200 || string(body) != "{\"member\":[]}\n" {
				t.Fatalf("audit has no rights: %d %s", st, body)
			}
			bad(t, "/IR/GOV/NOCR/population/allowedMethods", nil)                                                             // no client
			bad(t, "/IR/GOV/NOCR/population/allowedMethods", map[string]string{exchange.HeaderIMClient: "IR/GOV/INTA/ghost"}) // unknown client
			bad(t, "/IR/GOV/NOCR/population/allowedMethods", map[string]string{exchange.HeaderIMClient: "not an id"})
			bad(t, "/IR/GOV/NOCR/bad!/allowedMethods", map[string]string{exchange.HeaderIMClient: gwClient.String()})
		})

		t.Run("getOpenAPI", func(t *testing.T) {
			for _, p := range []string{"/IR/GOV/NOCR/population/getOpenAPI?serviceCode=status", "/r1/IR/GOV/NOCR/population/getOpenAPI?serviceCode=status"} {
				st, body := get(t, p, nil)
				if st != 200 || string(body) != gwStatusAPI {
					t.Fatalf("%s: %d %s", p, st, body)
				}
			}
			bad(t, "/IR/GOV/NOCR/population/getOpenAPI", nil)
			bad(t, "/IR/GOV/NOCR/population/getOpenAPI?serviceCode=", nil)
			bad(t, "/IR/GOV/NOCR/population/getOpenAPI?serviceCode=nothing", nil)
			bad(t, "/IR/GOV/NOCR/population/getOpenAPI?serviceCode=../x", nil)
			bad(t, "/IR/GOV/NOCR/ghost/getOpenAPI?serviceCode=status", nil)
			bad(t, "/I/GOV/NOCR/population/getOpenAPI?serviceCode=status", nil)
		})

		t.Run("methods", func(t *testing.T) {
			resp, body := f.call(t, "POST", "/listClients", []byte("{}"), nil)
			wantProblem(t, resp, body, 400, exchange.CodeBadRequest)
		})
	}, gwSets...)
}
