package app

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/palantir/go-githubapp/githubapp"
)

func TestRefuseDelivery(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		retryAfter string
	}{
		{"queue full", githubapp.ErrCapacityExceeded, http.StatusServiceUnavailable, "30"},
		{"bad signature", githubapp.ValidationError{Cause: errors.New("payload signature check failed")}, http.StatusBadRequest, ""},
		{"anything else", errors.New("boom"), http.StatusInternalServerError, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			refuseDelivery(w, httptest.NewRequest(http.MethodPost, HookPath, nil), tc.err)
			if w.Code != tc.wantStatus || w.Header().Get("Retry-After") != tc.retryAfter {
				t.Fatalf("answered %d with Retry-After %q, want %d with %q", w.Code, w.Header().Get("Retry-After"), tc.wantStatus, tc.retryAfter)
			}
		})
	}
}
