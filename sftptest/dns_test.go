package sftptest

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func TestNewResolver(t *testing.T) {
	r := NewResolver(t, map[string]string{
		"nas.example.com":   "127.0.0.1",
		"Cam.Example.NET.":  "10.1.2.3",
		"sftp.customer.org": "192.0.2.7",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	found := []struct {
		name string
		want string
	}{
		{"nas.example.com", "127.0.0.1"},
		{"NAS.example.com.", "127.0.0.1"},
		{"cam.example.net", "10.1.2.3"},
		{"sftp.customer.org", "192.0.2.7"},
	}
	for _, tt := range found {
		t.Run(tt.name, func(t *testing.T) {
			ips, err := r.LookupIP(ctx, "ip4", tt.name)
			if err != nil {
				t.Fatalf("LookupIP: %v", err)
			}
			if len(ips) != 1 || ips[0].String() != tt.want {
				t.Errorf("LookupIP = %v, want [%s]", ips, tt.want)
			}
		})
	}

	// Asking for both families: AAAA is empty, A answers.
	ips, err := r.LookupIP(ctx, "ip", "nas.example.com")
	if err != nil || len(ips) != 1 || ips[0].String() != "127.0.0.1" {
		t.Errorf(`LookupIP("ip") = %v, %v; want [127.0.0.1]`, ips, err)
	}
	if _, err := r.LookupIP(ctx, "ip6", "nas.example.com"); err == nil {
		t.Error(`LookupIP("ip6") of a name without AAAA succeeded`)
	}

	for _, name := range []string{"unknown.example.com", "example.com", "nas.example.com.evil"} {
		t.Run("unknown "+name, func(t *testing.T) {
			_, err := r.LookupIP(ctx, "ip4", name)
			var de *net.DNSError
			if !errors.As(err, &de) || !de.IsNotFound {
				t.Fatalf("LookupIP error = %#v, want *net.DNSError with IsNotFound", err)
			}
		})
	}
}

func TestNewResolverIgnoresDialAddress(t *testing.T) {
	r := NewResolver(t, map[string]string{"a.test": "192.0.2.1"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, network := range []string{"udp", "tcp"} {
		c, err := r.Dial(ctx, network, "192.0.2.53:53") // never dialled
		if err != nil {
			t.Fatalf("Dial %s: %v", network, err)
		}
		if ip := c.RemoteAddr().String(); !strings.HasPrefix(ip, "127.0.0.1:") {
			t.Errorf("Dial %s went to %s, want 127.0.0.1", network, ip)
		}
		c.Close()
	}
}

func TestNewResolverOverTCP(t *testing.T) {
	r := NewResolver(t, map[string]string{"a.test": "192.0.2.1"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := r.Dial(ctx, "tcp", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))

	name := dnsmessage.MustNewName("A.TEST.")
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 42, RecursionDesired: true})
	b.StartQuestions()
	b.Question(dnsmessage.Question{Name: name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET})
	q, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(append([]byte{byte(len(q) >> 8), byte(len(q))}, q...)); err != nil {
		t.Fatal(err)
	}
	var hdr [2]byte
	if _, err := readFull(c, hdr[:]); err != nil {
		t.Fatal(err)
	}
	resp := make([]byte, int(hdr[0])<<8|int(hdr[1]))
	if _, err := readFull(c, resp); err != nil {
		t.Fatal(err)
	}
	var m dnsmessage.Message
	if err := m.Unpack(resp); err != nil {
		t.Fatal(err)
	}
	if m.ID != 42 || !m.Response || m.RCode != dnsmessage.RCodeSuccess || len(m.Answers) != 1 {
		t.Fatalf("response %+v", m)
	}
	if a, ok := m.Answers[0].Body.(*dnsmessage.AResource); !ok || a.A != [4]byte{192, 0, 2, 1} {
		t.Errorf("answer %v", m.Answers[0])
	}
}
