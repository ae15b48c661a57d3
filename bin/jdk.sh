# Sourced by ./facestream and ./run-tests: exports JAVA_HOME as a JDK >= 21, or exits
# with a one-line reason. A fresh machine's PATH may give an older java, so look
# at JAVA_HOME first, then at the JDKs installed in the usual places.
FACESTREAM_MIN_JAVA=${FACESTREAM_MIN_JAVA:-21}

facestream_java_major() { # prints the major version of the JDK at $1, or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java\.specification\.version/ { sub(/^1\./, "", $2); print $2; exit }'
}

facestream_find_jdk() {
  local candidate major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(facestream_java_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge "$FACESTREAM_MIN_JAVA" ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  for candidate in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
                   /Library/Java/JavaVirtualMachines/*/Contents/Home \
                   "$(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent)")")")"; do
    major=$(facestream_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge "$FACESTREAM_MIN_JAVA" ] && [ "$major" -gt "$best_major" ]; then
      best="$candidate"; best_major="$major"
    fi
  done
  [ -n "$best" ] && echo "$best"
}

JAVA_HOME=$(facestream_find_jdk) || true
if [ -z "$JAVA_HOME" ]; then
  echo "facestream: no JDK $FACESTREAM_MIN_JAVA+ found (looked at JAVA_HOME, /usr/lib/jvm, /usr/java, /opt/java, ~/.sdkman); install one (e.g. apt-get install openjdk-21-jdk-headless) or set JAVA_HOME." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# JDK 24+ warns at every start that Kafka's clients use sun.misc.Unsafe; JDK 21 rejects the flag that allows it.
# jdk.incubator.vector: Lucene (the embedded vector store) scores with SIMD only where it is added.
FACESTREAM_JVM_FLAGS="--enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector"
[ "$(facestream_java_major "$JAVA_HOME")" -ge 24 ] && FACESTREAM_JVM_FLAGS="$FACESTREAM_JVM_FLAGS --sun-misc-unsafe-memory-access=allow"
