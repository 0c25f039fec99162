package main

import "fmt"

// shopFiles is the demo repo: a web app folder with plain manifests and an api folder built
// with kustomize.
func shopFiles(replicas int, password string) map[string]string {
	return map[string]string{
		"README.md":                   "# shop\n",
		"apps/web/k8s/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
		"apps/web/k8s/config.yaml": fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: shop
data:
  LOG_LEVEL: info
---
apiVersion: v1
kind: Secret
metadata:
  name: web-db
  namespace: shop
stringData:
  password: %s
  user: web
`, password),
		"apps/web/k8s/deployment.yaml": fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: %d
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
`, replicas),
		"apps/web/k8s/service.yaml": `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 80
`,
		"apps/api/k8s/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\nresources:\n- deployment.yaml\nlabels:\n- pairs:\n    team: api\n",
		"apps/api/k8s/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: ghcr.io/acme/api:1.4.2
        resources:
          limits:
            memory: 64Mi # enough for 1.3
`,
	}
}
