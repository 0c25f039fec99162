package config

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// SecretStore reads and writes the data of one Secret of Rigel's namespace: the credentials
// (CredentialSecret, helmsman-github) for the account operations (ops/account.go), the API
// token (APISecret, rigel-api) for the HTTP API. It hands the data to its caller and never logs it.
type SecretStore struct {
	Kube      kubernetes.Interface
	Namespace string
	Name      string
}

// CredentialsStore is the Secret helmsman-github in namespace.
func CredentialsStore(kube kubernetes.Interface, namespace string) *SecretStore {
	return &SecretStore{Kube: kube, Namespace: namespace, Name: CredentialSecret}
}

// APITokenStore is the Secret rigel-api in namespace.
func APITokenStore(kube kubernetes.Interface, namespace string) *SecretStore {
	return &SecretStore{Kube: kube, Namespace: namespace, Name: APISecret}
}

// SecretForbiddenError: the cluster does not let Rigel write the Secret (its Role lacks
// `update`, or `create` when there is none).
type SecretForbiddenError struct {
	Namespace, Name string
	Err             error
}

func (e *SecretForbiddenError) Error() string {
	return fmt.Sprintf("Rigel may not write the Secret %s/%s: %v", e.Namespace, e.Name, e.Err)
}

func (e *SecretForbiddenError) Unwrap() error { return e.Err }

// Get reads the Secret's data; exists is false (and data empty) when there is no Secret. A
// failure is the cluster's error as it is: the caller says what it was reading it for.
func (s *SecretStore) Get(ctx context.Context) (data map[string][]byte, exists bool, err error) {
	sec, err := s.Kube.CoreV1().Secrets(s.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return map[string][]byte{}, false, nil
	case err != nil:
		return nil, false, err
	}
	if sec.Data == nil {
		sec.Data = map[string][]byte{}
	}
	return sec.Data, true, nil
}

// Update changes the Secret's data with change and writes it back with its resourceVersion
// (again on a conflict), creating the Secret when there is none. An error of change aborts
// with nothing written and is returned as it is; a write the cluster forbids is a
// *SecretForbiddenError. It returns the data as written.
func (s *SecretStore) Update(ctx context.Context, change func(map[string][]byte) error) (map[string][]byte, error) {
	secrets := s.Kube.CoreV1().Secrets(s.Namespace)
	var out map[string][]byte
	var changeErr, forbidden error
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sec, err := secrets.Get(ctx, s.Name, metav1.GetOptions{})
		missing := apierrors.IsNotFound(err)
		if err != nil && !missing {
			return fmt.Errorf("failed to read the Secret %s/%s: %w", s.Namespace, s.Name, err)
		}
		if missing {
			sec = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace}, Type: corev1.SecretTypeOpaque}
		}
		data := map[string][]byte{}
		for k, v := range sec.Data {
			data[k] = v
		}
		if err := change(data); err != nil {
			changeErr = err
			return err
		}
		sec.Data = data
		if missing {
			_, err = secrets.Create(ctx, sec, metav1.CreateOptions{FieldManager: "rigel"})
		} else {
			_, err = secrets.Update(ctx, sec, metav1.UpdateOptions{FieldManager: "rigel"})
		}
		if apierrors.IsForbidden(err) {
			forbidden = &SecretForbiddenError{Namespace: s.Namespace, Name: s.Name, Err: err}
			return forbidden
		}
		if err != nil {
			return err // a conflict is retried
		}
		out = data
		return nil
	})
	switch {
	case err == nil:
		return out, nil
	case changeErr != nil && errors.Is(err, changeErr), forbidden != nil && errors.Is(err, forbidden):
		return nil, err
	}
	return nil, fmt.Errorf("failed to write the Secret %s/%s: %w", s.Namespace, s.Name, err)
}
