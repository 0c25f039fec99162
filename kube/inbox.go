package kube

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The records of Inbox: ConfigMaps labelled InboxLabel=<owner>, the compressed deliveries in
// binaryData[InboxDataKey].
const (
	InboxLabel   = "rigel.dev/inbox" // the owner: the name of its replica's inbox Lease
	InboxDataKey = "deliveries.json.gz"
	inboxPrefix  = "rigel-inbox-"
)

// Inbox stores batches of deliveries a replica accepted and has not finished running, in
// Rigel's namespace, where the other replicas find them (package inbox).
type Inbox struct {
	Client    kubernetes.Interface
	Namespace string
}

// InboxBatch is one record: its name, owner, version as read, and data.
type InboxBatch struct {
	Name, Owner, ResourceVersion string
	Data                         []byte
}

// Create records data for owner under a new name.
func (b *Inbox) Create(ctx context.Context, owner string, data []byte) (InboxBatch, error) {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{GenerateName: inboxPrefix, Namespace: b.Namespace,
			Labels: map[string]string{InboxLabel: owner, "app.kubernetes.io/managed-by": "rigel"}},
		BinaryData: map[string][]byte{InboxDataKey: data},
	}
	got, err := b.Client.CoreV1().ConfigMaps(b.Namespace).Create(ctx, cm, metav1.CreateOptions{FieldManager: "rigel"})
	if err != nil {
		return InboxBatch{}, fmt.Errorf("failed to record %d bytes of deliveries in a ConfigMap in %s: %w", len(data), b.Namespace, err)
	}
	return batchOf(got), nil
}

// Delete deletes a batch unless it changed since it was read (another replica adopted it);
// one gone or changed is not an error.
func (b *Inbox) Delete(ctx context.Context, batch InboxBatch) error {
	rv := batch.ResourceVersion
	err := b.Client.CoreV1().ConfigMaps(b.Namespace).Delete(ctx, batch.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &rv}})
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return fmt.Errorf("failed to delete the record of deliveries ConfigMap %s/%s: %w", b.Namespace, batch.Name, err)
}

// Owned lists the batches of owner, with their data.
func (b *Inbox) Owned(ctx context.Context, owner string) ([]InboxBatch, error) {
	var out []InboxBatch
	opts := metav1.ListOptions{LabelSelector: InboxLabel + "=" + owner, Limit: 50}
	for {
		list, err := b.Client.CoreV1().ConfigMaps(b.Namespace).List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("failed to list the records of deliveries of %s in %s: %w", owner, b.Namespace, err)
		}
		for i := range list.Items {
			out = append(out, batchOf(&list.Items[i]))
		}
		if opts.Continue = list.Continue; opts.Continue == "" {
			return out, nil
		}
	}
}

// Adopt makes owner the owner of batch, unless it changed since it was read: then the
// error satisfies apierrors.IsConflict or IsNotFound (another replica adopted it). It copies
// the record under owner and deletes the original guarded by its version, so it needs no
// more rights than Create and Delete (create, list and delete of ConfigMaps); of replicas
// adopting at once, the one whose delete succeeds keeps its copy, the others delete theirs.
func (b *Inbox) Adopt(ctx context.Context, batch InboxBatch, owner string) (InboxBatch, error) {
	adopted, err := b.Create(ctx, owner, batch.Data)
	if err != nil {
		return InboxBatch{}, err
	}
	rv := batch.ResourceVersion
	err = b.Client.CoreV1().ConfigMaps(b.Namespace).Delete(ctx, batch.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &rv}})
	if err == nil {
		return adopted, nil
	}
	if derr := b.Delete(ctx, adopted); derr != nil {
		err = errors.Join(err, derr)
	}
	return InboxBatch{}, fmt.Errorf("failed to adopt the record of deliveries ConfigMap %s/%s: %w", b.Namespace, batch.Name, err)
}

func batchOf(cm *corev1.ConfigMap) InboxBatch {
	return InboxBatch{Name: cm.Name, Owner: cm.Labels[InboxLabel], ResourceVersion: cm.ResourceVersion, Data: cm.BinaryData[InboxDataKey]}
}
