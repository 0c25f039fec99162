package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rigel-gitops/rigel/words"
)

// maxBody bounds request bodies: the largest is a GitHub App private key, a few KiB.
const maxBody = 64 << 10

// decode reads the request's JSON body into v, strictly: one object, known fields, right
// types. example is a valid body, quoted in refusals.
func decode(c echo.Context, v any, example string) error {
	body := http.MaxBytesReader(c.Response(), c.Request().Body, maxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil && dec.More():
		return fail(http.StatusBadRequest, "the body holds more than one JSON object. Send one, e.g. %s", example)
	case err == nil:
		return nil
	case errors.As(err, &tooLarge):
		return fail(http.StatusRequestEntityTooLarge, "the body is larger than %d KiB. Send one JSON object, e.g. %s", maxBody>>10, example)
	case errors.Is(err, io.EOF):
		return fail(http.StatusBadRequest, "the request has no body. Send a JSON object, e.g. %s", example)
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return fail(http.StatusBadRequest, "the body is not valid JSON (%v). Send a JSON object, e.g. %s", err, example)
	case errors.As(err, &typ):
		return fail(http.StatusBadRequest, "the field %q must be a %s, not a JSON %s. For example: %s", typ.Field, typ.Type, typ.Value, example)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fail(http.StatusBadRequest, "%s is not a field of this request. It takes %s, e.g. %s", strings.TrimPrefix(err.Error(), "json: unknown field "), fieldsOf(v), example)
	}
	return fail(http.StatusBadRequest, "the body cannot be read as JSON (%v). Send a JSON object, e.g. %s", err, example)
}

// fieldsOf lists the JSON fields of the struct v points to: "repo, path, name".
func fieldsOf(v any) string {
	t := reflect.TypeOf(v).Elem()
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// required refuses an empty field.
func required(field, value, example string) error {
	if strings.TrimSpace(value) == "" {
		return fail(http.StatusBadRequest, "the field %q is missing. For example: %s", field, example)
	}
	return nil
}

// hints word the refusals of the shared operations in the API's terms.
var hints = words.Hints{
	Folders:     "`GET /api/git/repo-tree?repo=OWNER/NAME`",
	Deployments: "`GET /api/git/sources`",
	Add:         "`POST /api/git/sources/deployment`",
	Named: func(folder, name string) string {
		return fmt.Sprintf("`POST /api/git/sources/deployment` with `\"path\": %q, \"name\": %q`", folder, name)
	},
	Preview: func(name string) string {
		return fmt.Sprintf("`POST /api/git/sync` with `{\"deployment\": %q}` (without `apply`)", name)
	},
	Policy: func(string) string { return "`GET /api/git/sources` (its `policy`)" },
	Force: func(string) string {
		return "send the same apply again with `\"force\": true`"
	},
	ForceWord: "`\"force\": true`",
	// rollback (issue 12): api/rollback.go
	Rollback: func(name, commit string) string {
		if commit == "" {
			return fmt.Sprintf("`POST /api/git/sync` with `{\"deployment\": %q, \"rollback\": true}`", name)
		}
		return fmt.Sprintf("`POST /api/git/sync` with `{\"deployment\": %q, \"rollback\": true, \"commit\": %q}`", name, commit)
	},
	History: func(string) string { return "`GET /api/git/sources` (the deployment's `lastSync` and `history`)" },
}
