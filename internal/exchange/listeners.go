package exchange

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/panjare/panjare/internal/errs"
)

// CheckLoopback refuses an address for the plain-HTTP exchange listener
// unless its host is a loopback address (127.0.0.0/8, ::1) or "localhost".
// That listener names the client by a header anyone could send, like
// X-Road's NOAUTH mode, so it must never be reachable from the network.
func CheckLoopback(addr string) error {
	const op = "exchange.CheckLoopback"
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return errs.E(op, errs.Invalid, fmt.Sprintf("the plain exchange listener address %q is not host:port", addr),
			fmt.Sprintf("نشانی شنوندهٔ سادهٔ تبادل %q به شکل host:port نیست", addr))
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return errs.E(op, errs.Invalid,
		fmt.Sprintf("the plain-HTTP exchange listener names clients by a header, so it binds only to loopback (127.0.0.1, ::1 or localhost), not %q; other systems must use the mTLS listener", addr),
		fmt.Sprintf("شنوندهٔ HTTP سادهٔ تبادل کلاینت را با سرآیند می‌شناسد، پس تنها روی نشانی محلی (127.0.0.1، ::1 یا localhost) باز می‌شود، نه %q؛ سامانه‌های دیگر باید از شنوندهٔ mTLS استفاده کنند", addr))
}

// ListenLocal opens the plain-HTTP loopback listener, refusing any other
// address (CheckLoopback).
func ListenLocal(addr string) (net.Listener, error) {
	if err := CheckLoopback(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("exchange: listen on %s: %w", addr, err)
	}
	// "localhost" may resolve to a non-loopback address on a misconfigured
	// host: check what was actually bound.
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, CheckLoopback(ln.Addr().String())
	}
	return ln, nil
}

// TLSConfig returns the mTLS listener's configuration: TLS 1.3, a server
// certificate from the platform CA for hosts, and client certificates
// required and verified against the CA's root. The subsystem behind a
// certificate (and whether it was revoked) is checked again on every
// request by ClientFromCertificate.
func (g *Gateway) TLSConfig(ctx context.Context, hosts []string) (*tls.Config, error) {
	pool, _, err := g.x.RootPool(ctx)
	if err != nil {
		return nil, err
	}
	cert, err := g.x.ServerCertificate(ctx, hosts)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		NextProtos:   []string{"h2", "http/1.1"},
	}, nil
}

// ServerHosts returns the names the mTLS listener's certificate covers for
// addr: its host, or for a wildcard address the machine's name and the
// loopback names.
func ServerHosts(addr string) []string {
	host, _, _ := net.SplitHostPort(addr)
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	switch host {
	case "", "0.0.0.0", "::":
		if h, err := os.Hostname(); err == nil && h != "" {
			hosts = append(hosts, h)
		}
	case "localhost", "127.0.0.1", "::1":
	default:
		hosts = append([]string{host}, hosts...)
	}
	return hosts
}

// ListenTLS opens the mTLS listener on addr.
func (g *Gateway) ListenTLS(ctx context.Context, addr string) (net.Listener, error) {
	cfg, err := g.TLSConfig(ctx, ServerHosts(addr))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("exchange: listen on %s: %w", addr, err)
	}
	return tls.NewListener(ln, cfg), nil
}

// Server returns an HTTP server for one exchange listener. Write timeouts
// stay above the per-call timeout so that a slow provider's answer is not
// cut off by the gateway's own server.
func (g *Gateway) Server(mode ClientMode, log *slog.Logger) *http.Server {
	if log == nil {
		log = g.log
	}
	return &http.Server{
		Handler:           g.Handler(mode),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       g.cfg.Timeout + 30*time.Second,
		WriteTimeout:      g.cfg.Timeout + 60*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
