#!/usr/bin/env bash
# `make securitycheck`: (1) Django's deployment checks on the production settings, with no warning allowed;
# (2) a bounded schemathesis run on the OpenAPI schema, as ministry staff and as an applicant, against a freshly
# seeded demo database served by gunicorn: no server error, and every answer as the schema documents it
# (status code, content type, body). Reports go to test-artifacts/securitycheck/; the exit status is 0 only
# when both parts pass.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=test-artifacts/securitycheck
PORT=${SECURITYCHECK_PORT:-8791}
MAX_EXAMPLES=${SECURITYCHECK_MAX_EXAMPLES:-5}
PY=.venv/bin/python
rm -rf "$OUT" && mkdir -p "$OUT" var
failed=0

echo "== 1. manage.py check --deploy (production settings)"
random_key() { echo "securitycheck-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
# Production requires signing keys that are not the demo's: a throwaway set of another name.
$PY manage.py make_signing_keys --dir "$PWD/var/securitycheck-signing" --ca-name "labportal securitycheck CA" --force >/dev/null
if env -u SITE_URL DJANGO_SETTINGS_MODULE=labportal.settings.production \
    SECRET_KEY="$(random_key)" PII_ENCRYPTION_KEY="$(random_key)" AUDIT_HMAC_KEY="$(random_key)" \
    DOCUMENT_SIGNING_DIR="$PWD/var/securitycheck-signing" \
    ALLOWED_HOSTS=portal.example.cn SITE_URL=https://portal.example.cn \
    $PY manage.py check --deploy --fail-level WARNING > "$OUT/check-deploy.txt" 2>&1; then
  echo "   passed: $(tail -n 1 "$OUT/check-deploy.txt")"
else
  echo "   FAILED:"; cat "$OUT/check-deploy.txt"; failed=1
fi

echo "== 2. schemathesis on /api/schema/ (at most $MAX_EXAMPLES examples per operation and phase)"
export DATABASE_URL="sqlite:///$PWD/var/securitycheck.sqlite3"
rm -f var/securitycheck.sqlite3
$PY manage.py migrate -v0 --noinput && $PY manage.py seed_demo > "$OUT/seed.log" 2>&1 || { echo "   the demo could not be seeded"; exit 1; }
DJANGO_SETTINGS_MODULE=labportal.settings.dev .venv/bin/gunicorn labportal.wsgi -b "127.0.0.1:$PORT" -w 2 --timeout 60 \
  --max-requests 1000 --max-requests-jitter 100 \
  > "$OUT/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 60); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/schema/" 2>/dev/null && break; sleep 1; done

for user in samr_staff applicant; do
  token=$($PY manage.py issue_api_token "$user" --name securitycheck 2>/dev/null)
  .venv/bin/schemathesis run "http://127.0.0.1:$PORT/api/schema/" \
      -H "Authorization: Token $token" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
      --max-examples "$MAX_EXAMPLES" --workers 1 --seed 20261203 --request-timeout 30 \
      --report junit --report-dir "$OUT/$user" > "$OUT/$user.txt" 2>&1
  status=$?
  summary=$(grep -A1 -E "^(Test cases:|Failures:)" "$OUT/$user.txt" | grep -vE "^(--|Test cases:|Failures:)"; \
            grep -E "^  (Selected|Tested):|  ❌ [A-Z]+[0-9]+ " "$OUT/$user.txt")
  if [ $status -eq 0 ]; then echo "   as $user: passed"; else echo "   as $user: FAILED (exit $status)"; failed=1; fi
  echo "$summary" | sed 's/^/     /'
done
if grep -q "Server error" "$OUT"/*.txt; then echo "   server errors found: see $OUT"; fi
echo "== reports in $OUT"
exit $failed
