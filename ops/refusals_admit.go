package ops

import (
	"fmt"

	"github.com/rigel-gitops/rigel/config"
)

// AdmitFault is why a delivery is not admitted (admit.go).
type AdmitFault int

// Why a delivery is not admitted.
const (
	AdmitCloneURL          AdmitFault = iota + 1 // its clone URL is not on the git host, or holds credentials (Cause)
	AdmitNotInstalled                            // GitHub says the app is not installed on the repository (Cause)
	AdmitOtherInstallation                       // it names installation Named, GitHub says Installed
	AdmitUnregistered                            // token mode: the repository is not registered
)

// NotAdmitted refuses a delivery for a repository Rigel does not act for as the delivery
// describes it: nothing runs, and the refusal is only logged (no one asked in a way that can
// be answered).
type NotAdmitted struct {
	Repo             Repo // as the delivery names it (untrusted)
	Why              AdmitFault
	Named, Installed int64 // AdmitOtherInstallation: the payload's installation, and GitHub's
	Cause            error // AdmitCloneURL, AdmitNotInstalled: what the check said
}

func (e *NotAdmitted) Error() string {
	return fmt.Sprintf("refused a delivery for %s: %s", e.Repo.FullName(), e.why())
}

func (e *NotAdmitted) why() string {
	switch e.Why {
	case AdmitOtherInstallation:
		return fmt.Sprintf("the payload names installation %d, but GitHub says the app's installation on %s is %d", e.Named, e.Repo.FullName(), e.Installed)
	case AdmitUnregistered:
		return fmt.Sprintf("in token mode Rigel acts only for registered repositories; register it with POST /api/git/sources or in ConfigMap %s, and give it its own webhook secret (key %s%s.%s of Secret %s)",
			config.SourcesConfigMap, config.SecretKeyRepoWebhookSecretPrefix, e.Repo.Owner, e.Repo.Name, config.CredentialSecret)
	}
	return fmt.Sprint(e.Cause)
}

// Unwrap is what the check said, if anything.
func (e *NotAdmitted) Unwrap() error { return e.Cause }

// Refused marks NotAdmitted as a refusal.
func (e *NotAdmitted) Refused() {}
