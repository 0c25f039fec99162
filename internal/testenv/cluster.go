package testenv

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

type proc struct {
	cmd    *exec.Cmd
	exited <-chan struct{}
}

// Cluster is a real etcd + kube-apiserver pair on loopback. There is no controller-manager
// or scheduler: objects are stored and validated, but nothing reconciles them (deleted
// namespaces stay Terminating, Deployments never get pods).
type Cluster struct {
	Config     *rest.Config // admin (system:masters) credentials
	Kubeconfig string       // path of a kubeconfig file with the same credentials
	URL        string       // https://127.0.0.1:port
	Token      string       // admin bearer token
	CAData     []byte       // PEM of the CA that signed the serving certificate
	LogDir     string       // holds etcd.log and kube-apiserver.log

	dir      string
	etcdURL  string
	procs    []proc
	stopOnce sync.Once

	apiserverBin string // for StartAPIServer
}

const startTimeout = 3 * time.Minute

// StartCluster starts etcd and kube-apiserver on free loopback ports, building the
// binaries first (testbed/build.sh) when they are missing, and waits until /readyz is ok.
func StartCluster() (*Cluster, error) {
	bins, err := findBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rigel-cluster-")
	if err != nil {
		return nil, fmt.Errorf("failed to create cluster temp dir: %w", err)
	}
	c := &Cluster{dir: dir, LogDir: dir}
	if err := c.start(bins); err != nil {
		logs := c.logTail()
		c.Stop()
		return nil, fmt.Errorf("failed to start test cluster: %w\n%s", err, logs)
	}
	return c, nil
}

func (c *Cluster) start(bins binaries) error {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free port can be taken before we bind it
		lastErr = c.startEtcd(bins.Etcd)
		if lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		return lastErr
	}
	if err := c.writeAuth(); err != nil {
		return err
	}
	for attempt := 0; attempt < 3; attempt++ {
		lastErr = c.startAPIServer(bins.APIServer)
		if lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		return lastErr
	}
	return c.writeKubeconfig()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("failed to find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch starts a server process with its output in LogDir/name.log; exited is closed when it ends.
func (c *Cluster) launch(name, bin string, args []string) (*exec.Cmd, <-chan struct{}, error) {
	logf, err := os.OpenFile(filepath.Join(c.dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to create %s log: %w", name, err)
	}
	fmt.Fprintf(logf, "=== %s %s\n", bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.Dir = c.dir
	if err := startChild(cmd); err != nil {
		logf.Close()
		return nil, nil, fmt.Errorf("failed to start %s: %w", name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(exited)
	}()
	c.procs = append(c.procs, proc{cmd: cmd, exited: exited})
	return cmd, exited, nil
}

func (c *Cluster) startEtcd(bin string) error {
	clientPort, err := freePort()
	if err != nil {
		return err
	}
	peerPort, err := freePort()
	if err != nil {
		return err
	}
	clientURL := "http://127.0.0.1:" + strconv.Itoa(clientPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	data := filepath.Join(c.dir, "etcd-data")
	_ = os.RemoveAll(data)
	_, exited, err := c.launch("etcd", bin, []string{
		"--name=testenv",
		"--data-dir=" + data,
		"--listen-client-urls=" + clientURL,
		"--advertise-client-urls=" + clientURL,
		"--listen-peer-urls=" + peerURL,
		"--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=testenv=" + peerURL,
		"--unsafe-no-fsync=true",
		"--log-level=warn",
	})
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 2 * time.Second}
	err = waitFor(exited, "etcd", func() bool {
		resp, err := client.Get(clientURL + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if err != nil {
		return err
	}
	c.etcdURL = clientURL
	return nil
}

// writeAuth writes the admin token file, the service-account key pair and the serving certificate.
func (c *Cluster) writeAuth() error {
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return fmt.Errorf("failed to generate admin token: %w", err)
	}
	c.Token = hex.EncodeToString(tok)
	line := c.Token + `,admin,admin-uid,"system:masters"` + "\n"
	if err := os.WriteFile(filepath.Join(c.dir, "tokens.csv"), []byte(line), 0o600); err != nil {
		return fmt.Errorf("failed to write token file: %w", err)
	}
	_, priv, pub, err := rsaKeyPEM(2048)
	if err != nil {
		return fmt.Errorf("failed to create service-account key: %w", err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, "sa.key"), priv, 0o600); err != nil {
		return fmt.Errorf("failed to write service-account key: %w", err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, "sa.pub"), pub, 0o600); err != nil {
		return fmt.Errorf("failed to write service-account public key: %w", err)
	}
	ca, err := servingCert(filepath.Join(c.dir, "serving.crt"), filepath.Join(c.dir, "serving.key"))
	if err != nil {
		return err
	}
	c.CAData = ca
	return nil
}

func (c *Cluster) startAPIServer(bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	return c.runAPIServer(bin, port)
}

// runAPIServer starts kube-apiserver on port and waits until it is ready (cluster_restart.go
// starts it again on the same port).
func (c *Cluster) runAPIServer(bin string, port int) error {
	c.URL = "https://127.0.0.1:" + strconv.Itoa(port)
	c.apiserverBin = bin
	_, exited, err := c.launch("kube-apiserver", bin, []string{
		"--etcd-servers=" + c.etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		// No endpoint reconciler: 1.37 refuses a loopback advertise address with one, and no
		// pod here reaches the apiserver through the kubernetes Service.
		"--endpoint-reconciler-type=none",
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + filepath.Join(c.dir, "serving.crt"),
		"--tls-private-key-file=" + filepath.Join(c.dir, "serving.key"),
		"--cert-dir=" + filepath.Join(c.dir, "certs"),
		"--token-auth-file=" + filepath.Join(c.dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + filepath.Join(c.dir, "sa.pub"),
		"--service-account-signing-key-file=" + filepath.Join(c.dir, "sa.key"),
		"--api-audiences=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--disable-admission-plugins=ServiceAccount",
		"--allow-privileged=true",
		"--profiling=false",
		"--v=1",
	})
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.CAData)
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
	err = waitFor(exited, "kube-apiserver", func() bool {
		req, _ := http.NewRequest(http.MethodGet, c.URL+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+c.Token)
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if err != nil {
		return err
	}
	c.Config = &rest.Config{
		Host:            c.URL,
		BearerToken:     c.Token,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.CAData},
		QPS:             1000,
		Burst:           2000,
	}
	return nil
}

// waitFor polls ready until it is true, the process exits, or the start timeout passes.
func waitFor(exited <-chan struct{}, name string, ready func() bool) error {
	deadline := time.Now().Add(startTimeout)
	for {
		if ready() {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("%s exited before it was ready", name)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s was not ready after %s", name, startTimeout)
		}
	}
}

func (c *Cluster) writeKubeconfig() error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["testenv"] = &clientcmdapi.Cluster{Server: c.URL, CertificateAuthorityData: c.CAData}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: c.Token}
	cfg.Contexts["testenv"] = &clientcmdapi.Context{Cluster: "testenv", AuthInfo: "admin", Namespace: "default"}
	cfg.CurrentContext = "testenv"
	c.Kubeconfig = filepath.Join(c.dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, c.Kubeconfig); err != nil {
		return fmt.Errorf("failed to write kubeconfig: %w", err)
	}
	return nil
}

// logTail returns the last lines of both server logs, for failure messages.
func (c *Cluster) logTail() string {
	var b strings.Builder
	for _, name := range []string{"etcd", "kube-apiserver"} {
		data, err := os.ReadFile(filepath.Join(c.dir, name+".log"))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		fmt.Fprintf(&b, "--- last lines of %s.log:\n%s\n", name, strings.Join(lines, "\n"))
	}
	return b.String()
}

// Stop kills kube-apiserver and etcd and removes the temp dir (logs included). It is safe to
// call more than once.
func (c *Cluster) Stop() {
	c.stopOnce.Do(func() {
		for i := len(c.procs) - 1; i >= 0; i-- { // apiserver first, then etcd
			p := c.procs[i]
			_ = p.cmd.Process.Kill()
			select {
			case <-p.exited:
			case <-time.After(10 * time.Second):
			}
		}
		_ = os.RemoveAll(c.dir)
	})
}

// CreateNamespace creates namespace name; it is not an error if it exists already.
func (c *Cluster) CreateNamespace(name string) error {
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return fmt.Errorf("failed to build client for namespace %s: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	_, err = cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("failed to create namespace %s: %w", name, err)
	}
	return nil
}
