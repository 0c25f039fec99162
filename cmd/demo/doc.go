// Command demo (make demo) runs Rigel end to end on this machine: a real kube-apiserver and
// etcd, a git server over HTTP, and a stand-in for GitHub. It plays a conversation in an issue
// (add-deployment, diff, sync, apply, list) and in a pull request, prints each comment as a
// person reads it, then shows the applied objects and the registry ConfigMap.
package main
