#!/usr/bin/env bash
# Builds examples/consumer, a project of its own that imports llm-bom and depends on jvmllm the way an
# application does, runs it on stories260K and checks its greedy text. It resolves jvmllm from ~/.m2:
# install the project first (mvn install -DskipTests; .ci/run does it).
#   scripts/consumer-check.sh [MODEL.gguf]   default: $LLM_TEST_MODEL, else ../shared/models/stories260K.gguf
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/jdk.sh"

model="${1:-${LLM_TEST_MODEL:-$root/../shared/models/stories260K.gguf}}"
if [ ! -f "$model" ]; then
  echo "consumer-check: no model at $model (./llm fetch models, or pass one)" >&2
  exit 1
fi
# stories260K, greedy, 12 tokens from "Once upon a time" (what ./llm generate --temperature 0 prints)
expected=", there was a little girl named Lily. She"

# the consumer builds against this checkout's version (the one just installed)
version="$(sed -n '0,/<artifactId>jvmllm-parent<\/artifactId>/d; s/.*<version>\(.*\)<\/version>.*/\1/p' "$root/pom.xml" | head -n 1)"
consumer="$root/examples/consumer"
mvn -B -q -Dstyle.color=never -f "$consumer/pom.xml" -Djvmllm.version="$version" package

# slf4j.internal.verbosity: no "no SLF4J providers" warning (the consumer adds no binding)
actual="$("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dslf4j.internal.verbosity=ERROR \
  -cp "$consumer/target/consumer.jar:$consumer/target/lib/*" dev.jvmllm.consumer.Main "$model")"
printf 'consumer: %s\n' "$actual"
if [ "$actual" != "$expected" ]; then
  printf 'consumer-check: expected %s\n' "$expected" >&2
  exit 1
fi
echo "consumer-check: ok"
