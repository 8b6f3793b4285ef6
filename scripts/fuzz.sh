#!/usr/bin/env bash
# Fuzzes the HTTP server against its own OpenAPI document with schemathesis: starts `llm serve` on
# stories260K (and all-MiniLM-L6-v2 for /v1/embeddings where $LLM_TEST_MINILM names it) with an API
# key, lets schemathesis generate requests for every operation of GET /openapi.json (valid ones and
# invalid ones), and fails on any 5xx, an answer its schema rejects, an undocumented status, content
# type or header, an endpoint that ignores the key, or a wrong 405; then checks that the server
# still answers /health. Needs python3 (3.9+) and the CLI jar: mvn package (or install) first.
#   scripts/fuzz.sh [MODEL.gguf]   default: $LLM_TEST_MODEL, else ../shared/models/stories260K.gguf
# FUZZ_EXAMPLES (default 200): test cases per operation and phase; FUZZ_SEED: repeat a run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/jdk.sh"

schemathesis_version=4.32.5
spec_validator_version=0.8.4
examples="${FUZZ_EXAMPLES:-200}"
model="${1:-${LLM_TEST_MODEL:-$root/../shared/models/stories260K.gguf}}"
jar="$root/examples/target/llm.jar"
if [ ! -f "$model" ]; then
  echo "fuzz: no model at $model (./llm fetch models, or pass one)" >&2
  exit 1
fi
if [ ! -f "$jar" ]; then
  echo "fuzz: no $jar: build it first (mvn -pl examples -am package -DskipTests)" >&2
  exit 1
fi

# schemathesis in a venv of its own, pinned, installed once
venv="${XDG_CACHE_HOME:-$HOME/.cache}/jvmllm/python/schemathesis-venv"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "version $schemathesis_version" ||
   ! "$venv/bin/python" -c "import openapi_spec_validator" 2>/dev/null; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version" \
    "openapi-spec-validator==$spec_validator_version"
fi

work="$(mktemp -d)"
port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
key="fuzz-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
base="http://127.0.0.1:$port"
server_args=(serve --model "$model" --port "$port" --parallel 4 --queue 32 --api-key "$key")
# 512 tokens per sequence: a chat without max_tokens generates until its context is full, and fuzzed
# requests ask for up to 2^31 - 1 tokens; 512 keeps each under a second on 2 cores
server_args+=(--context 512)
# without an embedding model /v1/embeddings is always a 501, which not_a_server_error counts as a failure
exclude=()
if [ -n "${LLM_TEST_MINILM:-}" ] && [ -e "$LLM_TEST_MINILM" ]; then
  server_args+=(--embedding-model "$LLM_TEST_MINILM")
else
  echo "fuzz: \$LLM_TEST_MINILM names no embedding model: /v1/embeddings is not fuzzed" >&2
  exclude=(--exclude-path /v1/embeddings)
fi
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$jar" "${server_args[@]}" >"$work/server.log" 2>&1 &
server=$!
stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap stop_server EXIT
fail() {
  echo "fuzz: $*" >&2
  echo "fuzz: the server's log:" >&2
  tail -n 50 "$work/server.log" >&2
  exit 1
}

probe() { # prints the HTTP status of GET $1 (000 while nothing listens)
  curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" "$base$1" || true
}
for _ in $(seq 1 120); do
  [ "$(probe /ready)" = 200 ] && break
  kill -0 "$server" 2>/dev/null || fail "the server exited before it was ready"
  sleep 0.5
done
[ "$(probe /ready)" = 200 ] || fail "the server was not ready within 60 s"

# the document as the server sends it: valid OpenAPI 3.1, then the fuzzer's input
curl -sf -H "Authorization: Bearer $key" "$base/openapi.json" -o "$work/openapi.json" || fail "GET /openapi.json failed"
"$venv/bin/openapi-spec-validator" "$work/openapi.json" || fail "GET /openapi.json is not valid OpenAPI 3.1"

started=$SECONDS
# the 4 workers match --parallel 4: every fuzzed generation gets a sequence, none waits in the queue
(cd "$work" && "$venv/bin/schemathesis" run "$work/openapi.json" --url "$base" \
  -H "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,ignored_auth,unsupported_method,allow_header_conformance \
  "${exclude[@]}" --max-examples "$examples" --workers 4 --request-timeout 30 --generation-database none \
  ${FUZZ_SEED:+--seed "$FUZZ_SEED"} --no-color) || fail "schemathesis found failures (above)"
echo "fuzz: schemathesis took $((SECONDS - started)) s"

[ "$(probe /health)" = 200 ] || fail "GET /health does not answer 200 after the fuzzing"
if grep -n 'ERROR' "$work/server.log" >&2; then
  fail "the server logged errors while fuzzed"
fi
echo "fuzz: ok"
