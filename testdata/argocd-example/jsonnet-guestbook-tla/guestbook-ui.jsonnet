// As argocd-example-apps' jsonnet-guestbook-tla: the name is a top-level argument with no
// default, so the folder renders only with --tla name=… (or the deployment's tlas).
local params = import 'params.libsonnet';
local k = import 'k.libsonnet'; // from the lib folder (--jsonnet-lib lib)
function(name, replicas=1)
  [
    k.deployment(name, replicas, params.image, params.containerPort),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: name },
      spec: { ports: [{ port: params.servicePort, targetPort: params.containerPort }], selector: { app: name } },
    },
  ]
