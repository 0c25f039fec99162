package config

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// TestSecretStore: Get reads a Secret's data (none: not there, no error); Update changes it
// with its resourceVersion, again on a conflict, creates it when missing, writes nothing when
// the change refuses, and tells a forbidden write apart.
func TestSecretStore(t *testing.T) {
	ctx := context.Background()
	secrets := schema.GroupResource{Resource: "secrets"}
	seeded := func() *k8sfake.Clientset {
		return k8sfake.NewSimpleClientset(&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: CredentialSecret, Namespace: "rigel"},
			Data:       map[string][]byte{SecretKeyWebhookSecret: []byte("hook")},
		})
	}
	read := func(t *testing.T, cs *k8sfake.Clientset) map[string][]byte {
		t.Helper()
		data, _, err := CredentialsStore(cs, "rigel").Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	setToken := func(d map[string][]byte) error { d[SecretKeyToken] = []byte("t"); return nil }

	t.Run("get: none", func(t *testing.T) {
		data, exists, err := CredentialsStore(k8sfake.NewSimpleClientset(), "rigel").Get(ctx)
		if err != nil || exists || data == nil || len(data) != 0 {
			t.Fatalf("Get = %v, %v, %v; want empty, false, nil", data, exists, err)
		}
	})
	t.Run("get: the Secret's data", func(t *testing.T) {
		data, exists, err := CredentialsStore(seeded(), "rigel").Get(ctx)
		if err != nil || !exists || string(data[SecretKeyWebhookSecret]) != "hook" {
			t.Fatalf("Get = %v, %v, %v", data, exists, err)
		}
	})
	t.Run("get: the API token's Secret", func(t *testing.T) {
		cs := k8sfake.NewSimpleClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: APISecret, Namespace: "rigel"}, Data: map[string][]byte{SecretKeyAPIToken: []byte("x")}})
		data, exists, err := APITokenStore(cs, "rigel").Get(ctx)
		if err != nil || !exists || string(data[SecretKeyAPIToken]) != "x" {
			t.Fatalf("Get = %v, %v, %v", data, exists, err)
		}
	})
	t.Run("get: a failure is the cluster's error", func(t *testing.T) {
		cs := seeded()
		cs.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(secrets, CredentialSecret, errors.New("no"))
		})
		if _, _, err := CredentialsStore(cs, "rigel").Get(ctx); !apierrors.IsForbidden(err) {
			t.Fatalf("Get = %v, want the cluster's Forbidden", err)
		}
	})
	t.Run("update: keeps the other keys", func(t *testing.T) {
		cs := seeded()
		got, err := CredentialsStore(cs, "rigel").Update(ctx, setToken)
		want := map[string][]byte{SecretKeyWebhookSecret: []byte("hook"), SecretKeyToken: []byte("t")}
		if err != nil || !reflect.DeepEqual(got, want) || !reflect.DeepEqual(read(t, cs), want) {
			t.Fatalf("Update = %v, %v; stored %v", got, err, read(t, cs))
		}
	})
	t.Run("update: creates a missing Secret", func(t *testing.T) {
		cs := k8sfake.NewSimpleClientset()
		if _, err := CredentialsStore(cs, "rigel").Update(ctx, setToken); err != nil {
			t.Fatal(err)
		}
		sec, err := cs.CoreV1().Secrets("rigel").Get(ctx, CredentialSecret, metav1.GetOptions{})
		if err != nil || sec.Type != corev1.SecretTypeOpaque || string(sec.Data[SecretKeyToken]) != "t" {
			t.Fatalf("created %+v, %v", sec, err)
		}
	})
	t.Run("update: a refusing change writes nothing and is returned as it is", func(t *testing.T) {
		cs := seeded()
		no := errors.New("refused")
		_, err := CredentialsStore(cs, "rigel").Update(ctx, func(d map[string][]byte) error { d["x"] = []byte("y"); return no })
		if err != no {
			t.Fatalf("Update = %v, want the change's error itself", err)
		}
		if got := read(t, cs); len(got) != 1 {
			t.Fatalf("a refused change wrote %v", got)
		}
	})
	t.Run("update: a conflict is tried again", func(t *testing.T) {
		cs := seeded()
		conflicts := 1
		cs.PrependReactor("update", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
			if conflicts > 0 {
				conflicts--
				return true, nil, apierrors.NewConflict(secrets, CredentialSecret, errors.New("changed"))
			}
			return false, nil, nil
		})
		calls := 0
		_, err := CredentialsStore(cs, "rigel").Update(ctx, func(d map[string][]byte) error { calls++; return setToken(d) })
		if err != nil || calls != 2 || string(read(t, cs)[SecretKeyToken]) != "t" {
			t.Fatalf("Update = %v after %d changes", err, calls)
		}
	})
	t.Run("update: forbidden", func(t *testing.T) {
		for _, verb := range []string{"update", "create"} {
			cs := seeded()
			if verb == "create" {
				cs = k8sfake.NewSimpleClientset()
			}
			cs.PrependReactor(verb, "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, apierrors.NewForbidden(secrets, CredentialSecret, errors.New("RBAC"))
			})
			_, err := CredentialsStore(cs, "rigel").Update(ctx, setToken)
			var fe *SecretForbiddenError
			if !errors.As(err, &fe) || fe.Namespace != "rigel" || fe.Name != CredentialSecret || !apierrors.IsForbidden(err) {
				t.Fatalf("%s: Update = %v, want a *SecretForbiddenError", verb, err)
			}
		}
	})
	t.Run("update: a read that fails is a failure to write", func(t *testing.T) {
		cs := seeded()
		cs.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(secrets, CredentialSecret, errors.New("no"))
		})
		_, err := CredentialsStore(cs, "rigel").Update(ctx, setToken)
		var fe *SecretForbiddenError
		if errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "failed to write the Secret rigel/helmsman-github: failed to read the Secret rigel/helmsman-github: ") {
			t.Fatalf("Update = %v", err)
		}
	})
}
