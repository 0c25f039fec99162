package fix

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/rigel-gitops/rigel/fault"
	"github.com/rigel-gitops/rigel/internal/untrusted"
)

// Fields an Edit can change.
const (
	FieldImage    = "image"    // the container's image
	FieldMemory   = "memory"   // the container's memory limit (and request when above it)
	FieldCPU      = "cpu"      // the container's CPU limit (and request when above it)
	FieldReplicas = "replicas" // the workload's spec.replicas
	FieldEnv      = "env"      // the container's environment variable Key
	FieldProbe    = "probe"    // the port of the container's Key probe ("liveness", "readiness", "startup")
	FieldRef      = "ref"      // the ConfigMap or Secret name or key a reference Key reads (ref.go); proposed by Diagnose only
)

// Edit is one change to a workload's manifest.
type Edit struct {
	Field     string // FieldImage, FieldMemory, FieldCPU, FieldReplicas, FieldEnv or FieldProbe
	Key       string // the variable name for FieldEnv; the probe ("liveness", "readiness", "startup") for FieldProbe
	Value     string
	Container string // "" = the only container (Plan refuses when there are several)
}

// String is how people read an edit: "memory=512Mi (container app)", "env.LOG_LEVEL=debug",
// "probe.liveness.port=8080 (container app)", "replicas=3".
func (e Edit) String() string {
	var s string
	switch e.Field {
	case FieldEnv:
		s = "env." + e.Key + "=" + e.Value
	case FieldProbe:
		s = "probe." + e.Key + ".port=" + e.Value
	case FieldRef, FieldPatch:
		s = e.Key + "=" + e.Value
	default:
		s = e.Field + "=" + e.Value
	}
	if e.Container != "" && e.Field != FieldReplicas {
		s += " (container " + e.Container + ")"
	}
	return s
}

// userErrorf is a mistake in what someone asked for (a *fault.Invalid): the message says what
// was wrong and how to fix it.
func userErrorf(format string, args ...any) *fault.Invalid {
	return &fault.Invalid{Msg: fmt.Sprintf(format, args...)}
}

// typedErrorf is userErrorf for what someone typed: its string arguments stand in code spans
// of format ("`%s`") and go in as untrusted.MarkdownCodeText; errors as untrusted.MarkdownText.
func typedErrorf(format string, args ...any) *fault.Invalid {
	for i, a := range args {
		switch v := a.(type) {
		case string:
			args[i] = untrusted.MarkdownCodeText(v)
		case error:
			args[i] = untrusted.MarkdownText(v.Error())
		}
	}
	return userErrorf(format, args...)
}

const setUsage = "use `image=nginx:1.27`, `memory=512Mi`, `cpu=500m`, `replicas=3` or `env.NAME=value`"

// ParseSet turns the arguments of `set` ("image=nginx:1.27", "env.LOG_LEVEL=debug", …) into
// Edits with no Container (the caller sets it from --container). It validates every value and
// refuses the same field given twice; errors are *fault.Invalid.
func ParseSet(args []string) ([]Edit, error) {
	if len(args) == 0 {
		return nil, typedErrorf("nothing to set: " + setUsage)
	}
	var out []Edit
	seen := map[string]bool{}
	for _, arg := range args {
		e, err := parseOne(arg)
		if err != nil {
			return nil, err
		}
		id := e.Field + "." + e.Key
		if seen[id] {
			return nil, typedErrorf("`%s` is set twice: give each field once", strings.SplitN(arg, "=", 2)[0])
		}
		seen[id] = true
		out = append(out, e)
	}
	return out, nil
}

var probeKinds = []string{"liveness", "readiness", "startup"}

func parseOne(arg string) (Edit, error) {
	name, value, ok := strings.Cut(arg, "=")
	if !ok || name == "" {
		return Edit{}, typedErrorf("`%s` is not a field=value pair: "+setUsage, arg)
	}
	var e Edit
	lower := strings.ToLower(name)
	switch {
	case lower == FieldImage, lower == FieldMemory, lower == FieldCPU, lower == FieldReplicas:
		e = Edit{Field: lower, Value: value}
	case strings.HasPrefix(lower, "env."):
		e = Edit{Field: FieldEnv, Key: name[len("env."):], Value: value}
	case strings.HasPrefix(lower, "probe.") && strings.HasSuffix(lower, ".port"):
		e = Edit{Field: FieldProbe, Key: strings.TrimSuffix(strings.TrimPrefix(lower, "probe."), ".port"), Value: value}
	default:
		return Edit{}, typedErrorf("Rigel cannot set `%s`: "+setUsage, name)
	}
	if err := e.Validate(); err != nil {
		return Edit{}, err
	}
	return e, nil
}

// Validate checks an edit's value; errors are *fault.Invalid.
func (e Edit) Validate() error {
	switch e.Field {
	case FieldImage:
		if err := ValidateImage(e.Value); err != nil {
			return typedErrorf("`image=%s`: %v", e.Value, err)
		}
	case FieldMemory, FieldCPU:
		q, err := resource.ParseQuantity(e.Value)
		if err != nil {
			example := map[string]string{FieldMemory: "512Mi", FieldCPU: "500m"}[e.Field]
			return typedErrorf("`%s=%s` is not a quantity: write it like `%s=%s`", e.Field, e.Value, e.Field, example)
		}
		if q.Sign() <= 0 {
			return typedErrorf("`%s=%s`: a limit must be more than zero", e.Field, e.Value)
		}
	case FieldReplicas:
		n, err := strconv.ParseInt(e.Value, 10, 32)
		if err != nil || n < 0 {
			return typedErrorf("`replicas=%s`: give a whole number, 0 or more, like `replicas=3`", e.Value)
		}
	case FieldEnv:
		if msgs := validation.IsEnvVarName(e.Key); len(msgs) > 0 || e.Key == "" {
			return typedErrorf("`env.%s`: not a valid environment variable name (use letters, digits, `_`, `-` and `.`, not starting with a digit), like `env.LOG_LEVEL=debug`", e.Key)
		}
		if strings.ContainsAny(e.Value, "\n\r") {
			return typedErrorf("`env.%s`: the value has a line break; give a one-line value", e.Key)
		}
	case FieldProbe:
		known := false
		for _, k := range probeKinds {
			known = known || e.Key == k
		}
		if !known {
			return typedErrorf("`probe.%s.port`: the probe is one of liveness, readiness and startup", e.Key)
		}
		if n, err := strconv.Atoi(e.Value); err == nil {
			if msgs := validation.IsValidPortNum(n); len(msgs) > 0 {
				return typedErrorf("`probe.%s.port=%s`: a port number is between 1 and 65535", e.Key, e.Value)
			}
		} else if msgs := validation.IsValidPortName(e.Value); len(msgs) > 0 {
			return typedErrorf("`probe.%s.port=%s`: give a port number or the name of a declared port", e.Key, e.Value)
		}
	case FieldRef:
		return validateRef(e)
	default:
		return typedErrorf("Rigel cannot set `%s`: "+setUsage, e.Field)
	}
	return nil
}

// Image references, after the grammar of github.com/distribution/reference:
// [domain[:port]/]path-component(/path-component)*[:tag][@algorithm:hex].
var (
	imageComponent = `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
	imageDomain    = `(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?`
	imageRE        = regexp.MustCompile(`^(?:` + imageDomain + `/)?` + imageComponent + `(?:/` + imageComponent + `)*` +
		`(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`)
)

// ValidateImage checks that s is a container image reference such as nginx:1.27,
// ghcr.io/acme/web:v2 or registry:5000/web@sha256:….
func ValidateImage(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("the image is empty: give one like nginx:1.27")
	case len(s) > 4096:
		return fmt.Errorf("the image reference is longer than 4096 characters")
	case strings.ContainsAny(s, " \t\r\n"):
		return fmt.Errorf("an image reference has no spaces: give one like nginx:1.27")
	case !imageRE.MatchString(s):
		return fmt.Errorf("not an image reference: the repository is lowercase letters, digits and `._-/`, the tag follows `:` and a digest follows `@`, like nginx:1.27 or ghcr.io/acme/web:v2")
	}
	return nil
}
