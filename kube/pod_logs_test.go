package kube

import (
	"encoding/base64"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestMaskLogSecrets(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJlLWJ5dGVz"
	tests := []struct {
		name, text string
		values     []string
		want       string
	}{
		{"a value", "password is hunter22\n", secretForms([]byte("hunter22")), "password is ***\n"},
		{"its base64", "dump: " + base64.StdEncoding.EncodeToString([]byte("hunter22")) + "\n", secretForms([]byte("hunter22")), "dump: ***\n"},
		{"each line of a key", "line -----BEGIN KEY-----\nMIIEpAIBAAKCAQEA\n", secretForms([]byte("-----BEGIN KEY-----\nMIIEpAIBAAKCAQEA\n-----END KEY-----")), "line ***\n***\n"},
		{"longest first", "token abcdef-long\n", []string{"abcd", "abcdef-long"}, "token ***\n"},
		{"short values stay", "ok on 1\n", []string{"on", "1"}, "ok on 1\n"},
		{"a service account token", "token=" + jwt + "\n", nil, "token=***\n"},
		{"nothing to mask", "migrated 3 tables\n", secretForms([]byte("zzzz")), "migrated 3 tables\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maskLogSecrets(tt.text, tt.values); got != tt.want {
				t.Errorf("maskLogSecrets = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPodSecretNames(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{{EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "init-env"}}}}}},
		Containers: []corev1.Container{{Env: []corev1.EnvVar{
			{Name: "A", Value: "plain"},
			{Name: "B", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"}}},
			{Name: "C", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "k"}}},
		}}},
		Volumes: []corev1.Volume{
			{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "tls"}}},
			{Name: "p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "projected"}}}}}}},
			{Name: "db-again", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "db"}}},
		},
	}}
	if got, want := strings.Join(podSecretNames(pod), ","), "db,init-env,projected,tls"; got != want {
		t.Errorf("podSecretNames = %s, want %s", got, want)
	}
}

func TestCleanLogs(t *testing.T) {
	got := cleanLogs([]byte("ok\tdone\n\x1b[31mred\x1b[0m\r\nbad \xff byte\u009b\n"))
	if want := "ok\tdone\n[31mred[0m\nbad \uFFFD byte\n"; got != want {
		t.Fatalf("cleanLogs = %q, want %q", got, want)
	}
}

func TestCrashLooped(t *testing.T) {
	waiting := corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
	exited := func(code int32, reason string) corev1.ContainerState {
		return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason}}
	}
	tests := []struct {
		name string
		cs   corev1.ContainerStatus
		want bool
	}{
		{"back-off after an error", corev1.ContainerStatus{State: waiting, LastTerminationState: exited(1, "Error")}, true},
		{"back-off, no last state yet", corev1.ContainerStatus{State: waiting}, true},
		{"running again after an error", corev1.ContainerStatus{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}, LastTerminationState: exited(2, "Error")}, true},
		{"OOMKilled is the memory rule's", corev1.ContainerStatus{State: waiting, LastTerminationState: exited(137, "OOMKilled")}, false},
		{"completed", corev1.ContainerStatus{LastTerminationState: exited(0, "Completed")}, false},
		{"running", corev1.ContainerStatus{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}, false},
	}
	for _, tt := range tests {
		if got := CrashLooped(tt.cs); got != tt.want {
			t.Errorf("%s: CrashLooped = %v, want %v", tt.name, got, tt.want)
		}
	}
}
