package ops

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"time"
)

// The one-time states of the setup (setup.go), against cross-site request forgery: a state is
// 32 random bytes, given to one browser (bound to the hash of its cookie), valid for
// SetupStateTTL, consumed by its first use, good or bad. A used or expired state is kept until
// twice the TTL so that its refusal says so; at most maxSetupStates are kept (the oldest go).

// maxSetupStates bounds the states kept in memory.
const maxSetupStates = 100

type setupState struct {
	binding [sha256.Size]byte
	given   time.Time
	used    bool
}

// newState gives a new state bound to binding.
func (s *Setup) newState(binding string) (string, time.Time, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", time.Time{}, fmt.Errorf("failed to make a setup state: %w", err)
	}
	state := base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
	for len(s.states) >= maxSetupStates {
		oldest := ""
		for k, st := range s.states {
			if oldest == "" || st.given.Before(s.states[oldest].given) {
				oldest = k
			}
		}
		delete(s.states, oldest)
	}
	if s.states == nil {
		s.states = map[string]*setupState{}
	}
	s.states[state] = &setupState{binding: sha256.Sum256([]byte(binding)), given: now}
	return state, now.Add(SetupStateTTL), nil
}

// takeState consumes state for the browser of binding: nil when it was given to that browser
// within SetupStateTTL and never used; a *SetupStateRefused otherwise.
func (s *Setup) takeState(state, binding string) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
	st := s.states[state]
	refuse := func(why StateFault) error { return &SetupStateRefused{Why: why, TTL: SetupStateTTL} }
	switch {
	case st == nil:
		return refuse(StateUnknown)
	case st.used:
		return refuse(StateUsed)
	}
	st.used = true
	h := sha256.Sum256([]byte(binding))
	switch {
	case now.Sub(st.given) > SetupStateTTL:
		return refuse(StateExpired)
	case binding == "" || subtle.ConstantTimeCompare(h[:], st.binding[:]) != 1:
		return refuse(StateForeign)
	}
	return nil
}

// prune forgets the states older than twice the TTL; s.mu held.
func (s *Setup) prune(now time.Time) {
	for k, st := range s.states {
		if now.Sub(st.given) > 2*SetupStateTTL {
			delete(s.states, k)
		}
	}
}
