package sync

import (
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Masks shown instead of Secret values, as kubectl diff does.
const (
	maskUnchanged = "*** (unchanged)"
	maskBefore    = "*** (before)"
	maskAfter     = "*** (after)"
)

// secretData returns a Secret's data as the apiserver stores it: the base64 values of data,
// with stringData merged in (stringData wins).
func secretData(obj map[string]interface{}) map[string]string {
	out := map[string]string{}
	if obj == nil {
		return out
	}
	if data, ok := obj["data"].(map[string]interface{}); ok {
		for k, v := range data {
			s, _ := v.(string)
			out[k] = s
		}
	}
	if sd, ok := obj["stringData"].(map[string]interface{}); ok {
		for k, v := range sd {
			s, _ := v.(string)
			out[k] = base64.StdEncoding.EncodeToString([]byte(s))
		}
	}
	return out
}

// asStored returns a copy of a Secret with stringData converted into data, as the apiserver
// stores it.
func asStored(obj map[string]interface{}) map[string]interface{} {
	if _, ok := obj["stringData"]; !ok {
		return obj
	}
	out := copyTop(obj)
	data := map[string]interface{}{}
	for k, v := range secretData(obj) {
		data[k] = v
	}
	delete(out, "stringData")
	out["data"] = data
	return out
}

// secretKeys compares the data of a live Secret (nil when absent) and of the Secret after apply.
func secretKeys(live, after map[string]interface{}) *SecretKeys {
	before, now := secretData(live), secretData(after)
	sk := &SecretKeys{}
	for k, v := range now {
		old, ok := before[k]
		switch {
		case !ok:
			sk.Added = append(sk.Added, k)
		case old != v:
			sk.Changed = append(sk.Changed, k)
		}
	}
	for k := range before {
		if _, ok := now[k]; !ok {
			sk.Removed = append(sk.Removed, k)
		}
	}
	sort.Strings(sk.Added)
	sort.Strings(sk.Removed)
	sort.Strings(sk.Changed)
	return sk
}

// maskSecrets returns copies of two versions of a Secret (either may be nil) whose data and
// stringData values are replaced by masks: "*** (unchanged)" where both hold the same value,
// "*** (before)" and "*** (after)" otherwise.
func maskSecrets(live, after map[string]interface{}) (map[string]interface{}, map[string]interface{}) {
	before, now := secretData(live), secretData(after)
	mask := func(obj map[string]interface{}, other map[string]string, self map[string]string, changed string) map[string]interface{} {
		if obj == nil {
			return nil
		}
		out := copyTop(obj)
		for _, field := range []string{"data", "stringData"} {
			m, ok := obj[field].(map[string]interface{})
			if !ok {
				if _, present := obj[field]; present {
					out[field] = "***"
				}
				continue
			}
			mm := make(map[string]interface{}, len(m))
			for k := range m {
				if o, ok := other[k]; ok && o == self[k] {
					mm[k] = maskUnchanged
				} else {
					mm[k] = changed
				}
			}
			out[field] = mm
		}
		return out
	}
	return mask(live, now, before, maskBefore), mask(after, before, now, maskAfter)
}

// secretValues returns the forms a Secret's values may take in a message: the plain values
// and their base64, for values long enough to be recognised.
func secretValues(obj map[string]interface{}) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 3 {
			out = append(out, s)
		}
	}
	for _, field := range []string{"data", "stringData"} {
		m, _ := obj[field].(map[string]interface{})
		for _, v := range m {
			s, _ := v.(string)
			add(s)
			if field == "data" {
				if dec, err := base64.StdEncoding.DecodeString(s); err == nil {
					add(string(dec))
				}
			} else {
				add(base64.StdEncoding.EncodeToString([]byte(s)))
			}
		}
	}
	return out
}

// secretErrMessage returns an apiserver error about a Secret in words that cannot carry its
// data: the message when it quotes no value, else one built from the fields the error names.
func secretErrMessage(err error, obj map[string]interface{}, r Ref) string {
	msg := err.Error()
	values := secretValues(obj)
	clean := func(s string) bool {
		for _, v := range values {
			if strings.Contains(s, v) {
				return false
			}
		}
		return true
	}
	if clean(msg) {
		return msg
	}
	name := r.Name
	if r.Namespace != "" {
		name = r.Namespace + "/" + r.Name
	}
	var se *apierrors.StatusError
	if errors.As(err, &se) && se.ErrStatus.Details != nil && len(se.ErrStatus.Details.Causes) > 0 {
		var parts []string
		for _, c := range se.ErrStatus.Details.Causes {
			part := c.Field
			if c.Type != "" {
				part += ": " + string(c.Type)
			}
			parts = append(parts, part)
		}
		return fmt.Sprintf("Secret %s was refused (%s): %s (the apiserver's message is hidden because it quotes Secret data)",
			name, se.ErrStatus.Reason, strings.Join(parts, "; "))
	}
	return fmt.Sprintf("Secret %s was refused: the apiserver's message is hidden because it quotes Secret data", name)
}
