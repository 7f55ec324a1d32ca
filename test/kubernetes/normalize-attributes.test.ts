import { test } from "uvu";
import * as assert from "uvu/assert";
import { attributes, normalize, unreadable } from "./normalize-support.js";

// The request attributes are the apiserver's RequestInfo: what RBAC and the audit log see. Each case
// states what the apiserver (k8s.io/apiserver requestinfo.go, v0.37) derives for the same request.

test("core and grouped resources: get, create, update, patch, delete", () => {
  assert.is(attributes("GET /api/v1/namespaces/team-a/pods/web-1"), "get /v1 pods team-a/web-1");
  assert.is(attributes("POST /api/v1/namespaces/team-a/pods"), "create /v1 pods team-a/");
  assert.is(attributes("GET /apis/apps/v1/namespaces/team-a/deployments/web"), "get apps/v1 deployments team-a/web");
  assert.is(attributes("HEAD /apis/apps/v1/namespaces/team-a/deployments/web"), "get apps/v1 deployments team-a/web");
  assert.is(attributes("DELETE /apis/apps/v1/namespaces/team-a/deployments/web"), "delete apps/v1 deployments team-a/web");
  assert.is(attributes("GET /apis/rbac.authorization.k8s.io/v1/clusterrolebindings/x"), "get rbac.authorization.k8s.io/v1 clusterrolebindings /x");
});

test("a namespace is a cluster resource named by the path: /api/v1/namespaces/x is a get of namespace x", () => {
  assert.is(attributes("GET /api/v1/namespaces/x"), "get /v1 namespaces x/x");
  assert.is(attributes("GET /api/v1/namespaces"), "list /v1 namespaces /");
  assert.is(attributes("DELETE /api/v1/namespaces/x"), "delete /v1 namespaces x/x");
  // status and finalize are the namespace's own subresources, not resources inside it
  assert.is(attributes("PUT /api/v1/namespaces/x/finalize"), "update /v1 namespaces/finalize x/x");
  assert.is(attributes("GET /api/v1/namespaces/x/status"), "get /v1 namespaces/status x/x");
});

test("subresources: scale, status, log, eviction", () => {
  assert.is(attributes("PATCH /apis/apps/v1/namespaces/x/deployments/y/scale"), "patch apps/v1 deployments/scale x/y");
  assert.is(attributes("PUT /apis/apps/v1/namespaces/x/deployments/y/status"), "update apps/v1 deployments/status x/y");
  assert.is(attributes("GET /api/v1/namespaces/x/pods/p/log?follow=true&container=c"), "get /v1 pods/log x/p");
  assert.is(attributes("POST /api/v1/namespaces/x/pods/p/eviction"), "create /v1 pods/eviction x/p");
});

test("a collection GET is a list, or a watch with watch=true (or any value but 0 or false)", () => {
  assert.is(attributes("GET /api/v1/namespaces/x/pods"), "list /v1 pods x/");
  assert.is(attributes("GET /api/v1/namespaces/x/pods?watch=true"), "watch /v1 pods x/");
  assert.is(attributes("GET /api/v1/namespaces/x/pods?watch=1&resourceVersion=5"), "watch /v1 pods x/");
  assert.is(attributes("GET /api/v1/namespaces/x/pods?watch="), "watch /v1 pods x/");
  assert.is(attributes("GET /api/v1/namespaces/x/pods?watch=FALSE"), "list /v1 pods x/");
  assert.is(attributes("GET /api/v1/namespaces/x/pods?watch=0"), "list /v1 pods x/");
  assert.is(attributes("GET /api/v1/pods"), "list /v1 pods /");
  // watch on a named object is still a get: the apiserver only looks at watch for collections
  assert.is(attributes("GET /api/v1/namespaces/x/pods/p?watch=true"), "get /v1 pods x/p");
});

test("the watch and proxy path prefixes set the verb", () => {
  assert.is(attributes("GET /api/v1/watch/namespaces/x/pods"), "watch /v1 pods x/");
  assert.is(attributes("GET /api/v1/watch/namespaces/x/pods/p"), "watch /v1 pods x/p");
  assert.is(attributes("GET /api/v1/watch/pods"), "watch /v1 pods /");
  // proxy keeps no subresource: the rest of the path is what it proxies to
  assert.is(attributes("GET /api/v1/proxy/namespaces/x/services/s/some/path"), "proxy /v1 services x/s");
  assert.is(attributes("GET /api/v1/namespaces/x/services/s/proxy/some/path"), "get /v1 services/proxy x/s");
  assert.is(attributes("GET /api/v1/namespaces/x/pods/p:8080/proxy/"), "get /v1 pods/proxy x/p:8080");
  assert.is(attributes("GET /api/v1/nodes/n/proxy/metrics"), "get /v1 nodes/proxy /n");
  unreadable("GET /api/v1/watch", /unable to determine kind/);
});

test("a metadata.name field selector names the object of a list or watch, which stays a list", () => {
  const list = normalize("GET /api/v1/namespaces/x/secrets?fieldSelector=metadata.name%3Ddb");
  assert.equal([list.verb, list.name, list.field_selector], ["list", "db", "metadata.name=db"]);
  assert.is(normalize("GET /api/v1/namespaces/x/secrets?fieldSelector=metadata.name==db&watch=1").name, "db");
  assert.is(normalize("GET /api/v1/namespaces/x/secrets?fieldSelector=metadata.name!=db").name, "");
  assert.is(normalize("GET /api/v1/namespaces/x/secrets?fieldSelector=status.phase=Running,metadata.name=db").name, "db");
  // two name terms: the apiserver sorts the terms and takes the first
  assert.is(normalize("GET /api/v1/namespaces/x/secrets?fieldSelector=metadata.name=zz,metadata.name=aa").name, "aa");
  // a name that is no path segment, or a selector that does not parse, names nothing
  assert.is(normalize("GET /api/v1/namespaces/x/secrets?fieldSelector=metadata.name=..").name, "");
  assert.is(normalize("GET /api/v1/namespaces/x/secrets?fieldSelector=metadata.name=a%25b").name, "");
  assert.is(normalize("GET /api/v1/namespaces/x/secrets?fieldSelector=metadata.name=a\\qb").name, "");
  assert.is(normalize("GET /api/v1/namespaces/x/secrets?fieldSelector=garbage").name, "");
  assert.is(normalize("GET /api/v1/namespaces/x/secrets?fieldSelector=metadata.name=a%5C,b").name, "a,b");
});

test("selectors are kept for list, watch and deletecollection only, and not for a verb from the path", () => {
  const a = normalize("GET /api/v1/namespaces/x/pods?labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dn");
  assert.equal([a.label_selector, a.field_selector], ["app=web", "spec.nodeName=n"]);
  assert.is(normalize("DELETE /api/v1/namespaces/x/pods?labelSelector=app%3Dweb").label_selector, "app=web");
  assert.is(normalize("GET /api/v1/namespaces/x/pods/p?labelSelector=app%3Dweb").label_selector, "");
  assert.is(normalize("GET /api/v1/watch/namespaces/x/pods?labelSelector=a").label_selector, "");
});

test("a DELETE without a name is deletecollection", () => {
  assert.is(attributes("DELETE /api/v1/namespaces/x/pods"), "deletecollection /v1 pods x/");
  assert.is(attributes("DELETE /apis/apps/v1/namespaces/x/deployments?labelSelector=a"), "deletecollection apps/v1 deployments x/");
  assert.is(attributes("DELETE /api/v1/namespaces/x/pods?fieldSelector=metadata.name%3Dp"), "deletecollection /v1 pods x/");
});

test("non-resource URLs: the verb is the method, the path kept", () => {
  assert.is(attributes("GET /healthz"), "get /healthz");
  assert.is(attributes("GET /version"), "get /version");
  assert.is(attributes("GET /openapi/v3"), "get /openapi/v3");
  assert.is(attributes("GET /openapi/v3/apis/apps/v1?hash=abc"), "get /openapi/v3/apis/apps/v1");
  assert.is(attributes("GET /api"), "get /api");
  assert.is(attributes("GET /api/v1"), "get /api/v1");
  assert.is(attributes("GET /apis/apps"), "get /apis/apps");
  assert.is(attributes("GET /apis/apps/v1"), "get /apis/apps/v1");
  assert.is(attributes("POST /logs/x"), "post /logs/x");
  const root = normalize("GET /");
  assert.equal([root.resource_request, root.verb, root.path], [false, "get", "/"]);
});

test("an unknown method has no verb on a resource, its own name elsewhere", () => {
  assert.is(normalize("OPTIONS /api/v1/pods").verb, "");
  assert.is(normalize("OPTIONS /healthz").verb, "options");
});

test("dry runs are marked", () => {
  assert.is(normalize("DELETE /api/v1/namespaces/x/pods/p?dryRun=All").dry_run, true);
  assert.is(normalize("DELETE /api/v1/namespaces/x/pods/p").dry_run, false);
});

test("percent escapes are decoded as the apiserver decodes them; + stays in the path", () => {
  assert.is(attributes("GET /api/v1/namespaces/te%61m-a/pods/p"), "get /v1 pods team-a/p");
  assert.is(attributes("GET /api/v1/namespaces/x/configmaps/a+b"), "get /v1 configmaps x/a+b");
  // in the query + is a space, and pairs with ';' are dropped as Go drops them
  assert.is(normalize("GET /api/v1/pods?labelSelector=a+in+(x)").label_selector, "a in (x)");
  assert.is(normalize("GET /api/v1/pods?watch=1;x=2").verb, "list");
});

test("paths the gateway cannot be sure the apiserver reads the same way are refused", () => {
  unreadable("GET /api/v1/namespaces/x%2Fy/pods", /encoded '\/'/);
  unreadable("GET /api/v1/namespaces/team-a/../kube-system/secrets", /"\.\." segment/);
  unreadable("GET /api/v1/namespaces/team-a/%2E%2E/kube-system/secrets", /"\.\." segment/);
  unreadable("GET /api/v1/namespaces/./x/pods", /"\." segment/);
  unreadable("GET /api//v1/pods", /empty segment/);
  unreadable("GET /api/v1/pods/%zz", /malformed percent escape/);
  unreadable("GET /api/v1/namespaces/x/pods/a%00b", /control character/);
  unreadable("GET /api/v1/pods#frag", /'#'/);
  // a trailing slash is fine: the apiserver trims it
  assert.is(attributes("GET /api/v1/namespaces/x/pods/"), "list /v1 pods x/");
});

test("a request text that is not a request is refused", () => {
  unreadable("", /HTTP method/);
  unreadable("get /api/v1/pods", /HTTP method/);
  unreadable("GET api/v1/pods", /must be a path/);
  unreadable("GET /api/v1/pods\nno header here\n\n", /header line has no name/);
});

test.run();
