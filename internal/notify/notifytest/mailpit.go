package notifytest

import (
	"encoding/json"
	"fmt"
	"go/build"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Mailpit is a real SMTP server (github.com/axllent/Mailpit) run as a child
// process, with its HTTP API to read what it received and its "chaos"
// settings to refuse.
type Mailpit struct {
	SMTP, api string
}

// FreeAddr returns a loopback address with a port free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// StartMailpit starts mailpit for the test, or skips it when the binary is
// absent: PANJARE_MAILPIT names it, else mailpit is looked up in PATH and
// in GOPATH/bin. flags are added to its command line.
func StartMailpit(t testing.TB, flags ...string) *Mailpit {
	t.Helper()
	bin := os.Getenv("PANJARE_MAILPIT")
	if bin == "" {
		bin, _ = exec.LookPath("mailpit")
	}
	if bin == "" {
		// Where `go install` puts it.
		if p := filepath.Join(build.Default.GOPATH, "bin", "mailpit"); build.Default.GOPATH != "" {
			if _, err := os.Stat(p); err == nil {
				bin = p
			}
		}
	}
	if bin == "" {
		t.Skip("mailpit is not installed: `go install github.com/axllent/mailpit@v1.33.1` (as .ci/run does) or set PANJARE_MAILPIT to run the SMTP tests")
	}
	mp := &Mailpit{SMTP: FreeAddr(t), api: FreeAddr(t)}
	args := []string{"--smtp", mp.SMTP, "--listen", mp.api, "--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--disable-version-check", "--enable-chaos", "--smtp-disable-rdns", "--quiet"}
	cmd := exec.Command(bin, append(args, flags...)...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting mailpit: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		res, err := http.Get("http://" + mp.api + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("mailpit did not become ready")
		}
	}
	return mp
}

// Chaos makes mailpit answer RCPT with code, or accept again with code 0.
func (mp *Mailpit) Chaos(t testing.TB, code int) {
	t.Helper()
	prob := 100
	if code == 0 {
		code, prob = 451, 0
	}
	body := fmt.Sprintf(`{"Recipient":{"ErrorCode":%d,"Probability":%d}}`, code, prob)
	req, _ := http.NewRequest("PUT", "http://"+mp.api+"/api/v1/chaos", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("mailpit chaos: %v %v", res, err)
	}
	res.Body.Close()
}

// Raw returns the source of every message mailpit received, oldest first.
func (mp *Mailpit) Raw(t testing.TB) [][]byte {
	t.Helper()
	var list struct {
		Messages []struct{ ID string }
	}
	get := func(path string) []byte {
		res, err := http.Get("http://" + mp.api + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return b
	}
	if err := json.Unmarshal(get("/api/v1/messages"), &list); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for i := len(list.Messages) - 1; i >= 0; i-- {
		out = append(out, get("/api/v1/message/"+list.Messages[i].ID+"/raw"))
	}
	return out
}

// Mail is one message mailpit received, as its API reads it.
type Mail struct {
	To      []string // the recipients' addresses
	Subject string
	Text    string // the plain text part
}

// Messages returns what mailpit received, oldest first.
func (mp *Mailpit) Messages(t testing.TB) []Mail {
	t.Helper()
	var list struct {
		Messages []struct{ ID string }
	}
	get := func(path string, v any) {
		res, err := http.Get("http://" + mp.api + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatalf("mailpit %s: %v", path, err)
		}
	}
	get("/api/v1/messages", &list)
	var out []Mail
	for i := len(list.Messages) - 1; i >= 0; i-- {
		var m struct {
			To      []struct{ Address string }
			Subject string
			Text    string
		}
		get("/api/v1/message/"+list.Messages[i].ID, &m)
		mail := Mail{Subject: m.Subject, Text: m.Text}
		for _, a := range m.To {
			mail.To = append(mail.To, a.Address)
		}
		out = append(out, mail)
	}
	return out
}

// WaitFor waits up to 20 seconds for a message to addr whose text contains
// want, and returns it.
func (mp *Mailpit) WaitFor(t testing.TB, addr, want string) Mail {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range mp.Messages(t) {
			if len(m.To) == 1 && m.To[0] == addr && strings.Contains(m.Text, want) {
				return m
			}
		}
	}
	t.Fatalf("no email to %s containing %q arrived", addr, want)
	return Mail{}
}
