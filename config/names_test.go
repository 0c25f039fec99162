package config

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"web", true},
		{"web-2", true},
		{"0web", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"Web", false},
		{"web_app", false},
		{"-web", false},
		{"web-", false},
		{"web.app", false},
		{"web app", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateName(tt.name)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
			}
			var ine *InvalidNameError
			if err != nil && (!errors.As(err, &ine) || ine.Name != tt.name) {
				t.Fatalf("error %v is not an *InvalidNameError for %q", err, tt.name)
			}
		})
	}
}

func TestSanitizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"web", "web"},
		{"Web App", "web-app"},
		{"  acme/web: prod!! ", "acme-web-prod"},
		{"__", "deployment"},
		{"", "deployment"},
		{"Ünïcode-Näme", "n-code-n-me"},
		{strings.Repeat("ab-", 40), strings.TrimRight(strings.Repeat("ab-", 21), "-")},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := SanitizeName(tt.in)
			if got != tt.want {
				t.Fatalf("SanitizeName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err := ValidateName(got); err != nil {
				t.Fatalf("sanitized name is not valid: %v", err)
			}
		})
	}
}

func TestCleanPath(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"apps/web/k8s", "apps/web/k8s", true},
		{"./apps/web/", "apps/web", true},
		{"apps//web/../api", "apps/api", true},
		{"", ".", true},
		{".", ".", true},
		{"/etc", "", false},
		{"..", "", false},
		{"apps/../../x", "", false},
		{`apps\web`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := CleanPath(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("CleanPath(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
			var ipe *InvalidPathError
			if err != nil && !errors.As(err, &ipe) {
				t.Fatalf("error %v is not an *InvalidPathError", err)
			}
		})
	}
}
