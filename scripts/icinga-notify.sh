#!/usr/bin/env bash
# Icinga 2 NotificationCommand → Palisade: posts one notification as the JSON documented in docs/icinga.md.
# JSON is built with `jq -n --arg` (never by string interpolation), so plugin output with quotes, backslashes or
# newlines stays valid JSON. The token is read from $PALISADE_INGEST_TOKEN or a file (-T), never from argv, and is
# handed to curl on stdin, so it does not show in `ps`.
#
# Flags follow Icinga's mail-*-notification.sh commands, plus:
#   -U <url>      Palisade webhook, e.g. https://palisade.example/webhook/icinga   (or $PALISADE_ICINGA_URL)
#   -T <file>     file holding the ingest token                                 (or $PALISADE_INGEST_TOKEN)
#   -V key=value  a custom variable, e.g. -V src_ip=$host.vars.attacker$ (repeatable)
#   -m <seconds>  curl timeout (default 10)
# Exit status: 0 delivered; 2 usage error; 3 missing tool; 4 Palisade refused the payload (4xx); 5 transient failure.
set -euo pipefail

usage() {
  echo "usage: $0 -t TYPE -l HOST [-e SERVICE] [-n HOSTDISPLAY] [-u SERVICEDISPLAY] [-s STATE] [-o OUTPUT] [-d DATETIME]" >&2
  echo "          [-4 ADDRESS] [-6 ADDRESS6] [-b AUTHOR] [-c COMMENT] [-i ICINGAWEB_URL] [-V key=value]... [-U URL] [-T TOKENFILE] [-m SECONDS]" >&2
  exit 2
}

for tool in jq curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is required" >&2; exit 3; }
done

type="" host="" service="" hostdisplay="" servicedisplay="" state="" output="" datetime="" address="" address6=""
author="" comment="" icingaweb="" url="${PALISADE_ICINGA_URL:-}" tokenfile="" timeout=10
vars=()
while getopts ":t:l:e:n:u:s:o:d:4:6:b:c:i:r:U:T:V:m:h" opt; do
  case "$opt" in
    t) type="$OPTARG" ;; l) host="$OPTARG" ;; e) service="$OPTARG" ;; n) hostdisplay="$OPTARG" ;;
    u) servicedisplay="$OPTARG" ;; s) state="$OPTARG" ;; o) output="$OPTARG" ;; d) datetime="$OPTARG" ;;
    4) address="$OPTARG" ;; 6) address6="$OPTARG" ;; b) author="$OPTARG" ;; c) comment="$OPTARG" ;;
    i) icingaweb="$OPTARG" ;; r) : ;; U) url="$OPTARG" ;; T) tokenfile="$OPTARG" ;; m) timeout="$OPTARG" ;;
    V) [[ "$OPTARG" == *=* ]] || { echo "$0: -V needs key=value" >&2; exit 2; }; vars+=("$OPTARG") ;;
    h) usage ;;
    :) echo "$0: -$OPTARG needs a value" >&2; usage ;;
    \?) echo "$0: unknown flag -$OPTARG" >&2; usage ;;
  esac
done
[[ -n "$type" && -n "$host" ]] || { echo "$0: -t TYPE and -l HOST are required" >&2; usage; }
[[ -n "$url" ]] || { echo "$0: no webhook URL (-U or PALISADE_ICINGA_URL)" >&2; exit 2; }
[[ "$timeout" =~ ^[0-9]+$ ]] || { echo "$0: -m must be whole seconds" >&2; exit 2; }

token="${PALISADE_INGEST_TOKEN:-}"
if [[ -n "$tokenfile" ]]; then
  [[ -r "$tokenfile" ]] || { echo "$0: cannot read token file $tokenfile" >&2; exit 2; }
  token="$(tr -d '\r\n' < "$tokenfile")"
fi
[[ -n "$token" ]] || { echo "$0: no ingest token (PALISADE_INGEST_TOKEN or -T)" >&2; exit 2; }

# Custom variables as a JSON object (values stay strings).
vars_json='{}'
for kv in "${vars[@]+"${vars[@]}"}"; do
  vars_json="$(jq -c --arg k "${kv%%=*}" --arg v "${kv#*=}" '. + {($k): $v}' <<<"$vars_json")"
done

# Empty values are dropped: an unset macro is "absent", not an empty string.
body="$(jq -n -c \
  --arg notification_type "$type" --arg host "$host" --arg service "$service" \
  --arg host_display "$hostdisplay" --arg service_display "$servicedisplay" --arg state "$state" \
  --arg output "$output" --arg datetime "$datetime" --arg address "$address" --arg address6 "$address6" \
  --arg author "$author" --arg comment "$comment" --arg icinga_url "$icingaweb" --argjson vars "$vars_json" \
  '{notification_type: $notification_type, host: $host, service: $service, host_display: $host_display,
    service_display: $service_display, state: $state, output: $output, datetime: $datetime, address: $address,
    address6: $address6, author: $author, comment: $comment, icinga_url: $icinga_url, vars: $vars}
   | with_entries(select(.value != "" and .value != {}))')"

bodyfile="$(mktemp)"
respfile="$(mktemp)"
trap 'rm -f "$bodyfile" "$respfile"' EXIT
printf '%s' "$body" > "$bodyfile"

status="$(printf 'Authorization: Bearer %s\n' "$token" | curl -sS -o "$respfile" -w '%{http_code}' --max-time "$timeout" \
  -X POST -H @- -H 'Content-Type: application/json' --data-binary @"$bodyfile" "$url")" || { echo "$0: delivery failed" >&2; exit 5; }
# Palisade's answer (which workflow, or why it refused) goes to the notification log.
cat "$respfile" >&2 && echo >&2
case "$status" in
  2??) exit 0 ;;
  4??) echo "$0: Palisade refused the notification (HTTP $status)" >&2; exit 4 ;;
  *) echo "$0: Palisade unavailable (HTTP $status)" >&2; exit 5 ;;
esac
