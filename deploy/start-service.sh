#!/bin/sh
# The image's command (deploy/Dockerfile): apply this service's migrations, then run its HTTP API
# with its consumer and relay, as `cch-<service> migrate && exec cch-<service> serve`.
# Listens on every interface unless <SERVICE>_HTTP_HOST says otherwise (the settings' own
# default, 127.0.0.1, would be unreachable from outside the container).
set -eu

service="${CCH_SERVICE:?CCH_SERVICE names the service this image runs}"
case "${service}" in
  *[!a-z0-9_]*) echo "CCH_SERVICE=${service} is not a service name" >&2; exit 64 ;;
esac
host_var="$(printf '%s' "${service}" | tr '[:lower:]' '[:upper:]')_HTTP_HOST"
host="$(printenv "${host_var}" || true)"
export "${host_var}=${host:-0.0.0.0}"

"cch-${service}" migrate
exec "cch-${service}" serve "$@"
