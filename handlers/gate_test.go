package handlers

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/rigel-gitops/rigel/commands"
	"github.com/rigel-gitops/rigel/ops"
)

// gateFunc is a Gate of a func.
type gateFunc func(ctx context.Context, repo ops.Repo) error

func (f gateFunc) Admit(ctx context.Context, repo ops.Repo) error { return f(ctx, repo) }

// clientsReached is the Clients of a delivery the gate let through: it stops it there.
type clientsReached struct{ asked []int64 }

var errReached = errors.New("the delivery got past the gate")

func (c *clientsReached) ForInstallation(id int64) (ops.Forge, error) {
	c.asked = append(c.asked, id)
	return nil, errReached
}

// TestRunAsksTheGate: a delivery the gate refuses runs nothing and is logged; one it cannot
// tell about fails (GitHub will redeliver); one it admits goes on; without a gate every one does.
func TestRunAsksTheGate(t *testing.T) {
	repo := commands.Repo{Owner: "acme", Name: "web", CloneURL: "https://github.com/acme/web.git", Installation: 7}
	down := errors.New("GitHub is down")
	tests := []struct {
		desc    string
		gate    Gate
		wantErr error // nil: nil
		reached bool
		logged  string
	}{
		{"refused", gateFunc(func(context.Context, ops.Repo) error {
			return &ops.NotAdmitted{Repo: repo, Why: ops.AdmitOtherInstallation, Named: 7, Installed: 8}
		}), nil, false, "delivery refused: nothing runs"},
		{"cannot tell", gateFunc(func(context.Context, ops.Repo) error { return down }), down, false, ""},
		{"admitted", gateFunc(func(_ context.Context, r ops.Repo) error {
			if r != repo {
				t.Errorf("the gate was asked about %+v, want %+v", r, repo)
			}
			return nil
		}), errReached, true, ""},
		{"no gate", nil, errReached, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			var logs bytes.Buffer
			ctx := zerolog.New(&logs).WithContext(context.Background())
			clients := &clientsReached{}
			d := &Deps{Clients: clients, Gate: tt.gate}
			err := d.run(ctx, "key", commands.Request{DeliveryID: "d1", Repo: repo, Number: 3, Author: "octocat"})
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("run = %v, want %v", err, tt.wantErr)
			}
			if got := len(clients.asked) > 0; got != tt.reached {
				t.Fatalf("past the gate = %v, want %v", got, tt.reached)
			}
			if tt.logged != "" && (!strings.Contains(logs.String(), tt.logged) || !strings.Contains(logs.String(), "refused a delivery for acme/web")) {
				t.Fatalf("logs = %s, want %q with the refusal", logs.String(), tt.logged)
			}
		})
	}
}
