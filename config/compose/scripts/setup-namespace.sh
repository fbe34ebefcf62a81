#!/bin/sh
# Creates Palisade's namespace and registers its search attributes (domain/search-attributes.ts), so that
# "all pending reviews" is a visibility query from the first workflow on. Idempotent.
set -eu
NAMESPACE="${PALISADE_NAMESPACE:-palisade}"
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"

attempt=0
until temporal operator cluster health --address "$ADDRESS" >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  [ "$attempt" -ge 60 ] && { echo "Temporal at $ADDRESS did not become healthy"; exit 1; }
  sleep 2
done

temporal operator namespace describe --address "$ADDRESS" -n "$NAMESPACE" >/dev/null 2>&1 \
  || temporal operator namespace create --address "$ADDRESS" -n "$NAMESPACE" --retention 30d

existing="$(temporal operator search-attribute list --address "$ADDRESS" -n "$NAMESPACE")"
for pair in PalisadeIp:Keyword PalisadeStatus:Keyword PalisadeScore:Int PalisadeSource:Keyword \
            PalisadeTarget:Keyword PalisadeMode:Keyword PalisadeOutcome:Keyword PalisadeEnforcer:Keyword \
            PalisadeOutcomeAt:Datetime; do
  name="${pair%%:*}"; type="${pair#*:}"
  if echo "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --address "$ADDRESS" -n "$NAMESPACE" --name "$name" --type "$type"
  fi
done
echo "namespace $NAMESPACE ready"
