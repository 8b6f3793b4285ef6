# Sourced (not run) by the scripts that call Maven or java: finds a JDK 25 the way ./llm does and
# exports JAVA_HOME and the MAVEN_OPTS ./llm uses. Fails (returns 1) with a message if there is none.
#   source "$root/scripts/jdk.sh"

java_major() { # prints the feature version of the java at $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n 1
}

find_jdk() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/*-2[5-9]* /usr/lib/jvm/*-[3-9][0-9]*; do
    if [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ]; then
      local major; major="$(java_major "$candidate/bin/java")"
      if [ -n "$major" ] && [ "$major" -ge 25 ]; then echo "$candidate"; return 0; fi
    fi
  done
  if command -v javac >/dev/null 2>&1; then
    candidate="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
    local major; major="$(java_major "$candidate/bin/java")"
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then echo "$candidate"; return 0; fi
  fi
  return 1
}

if ! JAVA_HOME="$(find_jdk)"; then
  echo "no JDK 25 found. Install one (e.g. Temurin 25) and set JAVA_HOME to it;" >&2
  echo "looked at \$JAVA_HOME, /usr/lib/jvm/*25* and the javac on PATH." >&2
  return 1
fi
export JAVA_HOME
if ! command -v mvn >/dev/null 2>&1; then
  echo "Maven (mvn) is not on PATH; install Maven 3.8 or newer." >&2
  return 1
fi
# Maven's own libraries touch sun.misc.Unsafe; keep JDK 25 from warning about it on every build
case " ${MAVEN_OPTS:-} " in
  *" --sun-misc-unsafe-memory-access=allow "*) ;;
  *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;;
esac
