package config

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestProtectedNamespaceSettings(t *testing.T) {
	noServiceAccount(t)
	file := filepath.Join(t.TempDir(), "rigel.yaml")
	if err := os.WriteFile(file, []byte("protectedNamespaces: [kube-system, ops]\ndefaultPolicy:\n  namespaceObjects: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		env           map[string]string
		want          []string // Protected()
		nsObjects     bool
		validateError string
	}{
		{"the default list, and Rigel's own namespace first", nil, []string{"rigel", "kube-system", "kube-public", "kube-node-lease"}, false, ""},
		{"RIGEL_PROTECTED_NAMESPACES replaces the list", map[string]string{"RIGEL_PROTECTED_NAMESPACES": " kube-system, ops ,"}, []string{"rigel", "kube-system", "ops"}, false, ""},
		{"an empty value keeps the default", map[string]string{"RIGEL_PROTECTED_NAMESPACES": " , "}, []string{"rigel", "kube-system", "kube-public", "kube-node-lease"}, false, ""},
		{"the config file", map[string]string{"RIGEL_CONFIG": file}, []string{"rigel", "kube-system", "ops"}, true, ""},
		{"RIGEL_DEFAULT_NAMESPACE_OBJECTS", map[string]string{"RIGEL_DEFAULT_NAMESPACE_OBJECTS": "true"}, []string{"rigel", "kube-system", "kube-public", "kube-node-lease"}, true, ""},
		{"a pattern is refused", map[string]string{"RIGEL_PROTECTED_NAMESPACES": "kube-*"}, nil, false, `RIGEL_PROTECTED_NAMESPACES lists "kube-*", which is not a namespace name`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := LoadSettings(context.Background(), envFunc(tc.env), nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.validateError != "" {
				s.WebhookSecret, s.Token, s.TokenLogin = "x", "t", "bot"
				if err := s.Validate(); err == nil || !strings.Contains(err.Error(), tc.validateError) {
					t.Fatalf("Validate = %v, want %q", err, tc.validateError)
				}
				return
			}
			if got := s.Protected(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Protected() = %v, want %v", got, tc.want)
			}
			if s.DefaultPolicy.NamespaceObjectsAllowed() != tc.nsObjects {
				t.Errorf("namespaceObjects = %v, want %v", s.DefaultPolicy.NamespaceObjectsAllowed(), tc.nsObjects)
			}
		})
	}
	if _, err := LoadSettings(context.Background(), envFunc(map[string]string{"RIGEL_DEFAULT_NAMESPACE_OBJECTS": "yes please"}), nil); err == nil || !strings.Contains(err.Error(), "RIGEL_DEFAULT_NAMESPACE_OBJECTS") {
		t.Fatalf("a bad RIGEL_DEFAULT_NAMESPACE_OBJECTS: %v", err)
	}
}
