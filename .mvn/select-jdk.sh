# Sourced by ./mvnw, ./quantrace and .ci/run: make JAVA_HOME point at a JDK >= 21.
# Tycho 5 runs only on Java 21+; many machines still default to 17, so we look for a newer
# JDK instead of failing with an UnsupportedClassVersionError deep inside Maven.
qr_java_major() { # $1 = java executable; prints its major version
  # the first line naming a version: a JVM prints "Picked up JAVA_TOOL_OPTIONS: ..." before it when that is set
  "$1" -version 2>&1 | sed -n '/ version "/{s/.*version "\([0-9]*\)\(\.[0-9]*\)*.*".*/\1/p;q;}'
}
qr_select_jdk() {
  local want=21 candidate major
  for candidate in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")" /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(qr_java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge "$want" ]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "quantrace: no JDK $want or newer found (JAVA_HOME='${JAVA_HOME:-}', java on PATH: $(java -version 2>&1 | grep -v '^Picked up' | head -n 1))." >&2
  echo "quantrace: install a JDK 21+ (e.g. Temurin 21 or 25) and set JAVA_HOME to it." >&2
  return 1
}
