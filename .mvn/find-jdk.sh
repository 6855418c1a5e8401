# shellcheck shell=sh
# ----------------------------------------------------------------------------
# Rollgate: locate a JDK >= 21.  Sourced by ./mvnw, ./rollgate and .ci/run.
#
#   . .mvn/find-jdk.sh
#   JAVA_HOME="$(rollgate_find_jdk)" || exit 1
#
# rollgate_find_jdk [MIN_MAJOR]   (default: $ROLLGATE_MIN_JAVA or 21)
#   Prints the home of a JDK whose major version is >= MIN_MAJOR and returns 0.
#   Order of preference:
#     1. $JAVA_HOME, if it is such a JDK (an explicit choice is respected);
#     2. the JDK that owns `java` on PATH, if it is such a JDK;
#     3. the newest such JDK found under the directories in $ROLLGATE_JDK_DIRS
#        (colon-separated; default /usr/lib/jvm and other usual places).
#   A "JDK" is a directory with executable bin/java and bin/javac; its version
#   comes from the `release` file (JAVA_VERSION="...") or else `java -version`.
#   If none qualifies, prints one line to stderr,
#     "Rollgate needs a JDK 21 or newer; set JAVA_HOME or install one (looked in: ...)"
#   and returns 1.
#
# Plain POSIX sh; safe under `set -euf` (mvnw) and `set -euo pipefail` (bash).
# Only variables prefixed _rg_ are touched, and they are unset afterwards.
# ----------------------------------------------------------------------------

# _rg_jdk_version HOME -> prints "MAJOR KEY" (KEY sorts versions numerically),
# returns 1 if HOME is not a JDK or its version cannot be read.
_rg_jdk_version() {
  [ -n "${1-}" ] && [ -d "$1" ] && [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  _rg_v=''
  if [ -r "$1/release" ]; then
    _rg_v="$(sed -n 's/^JAVA_VERSION="*\([^"]*\)"*.*$/\1/p;/^JAVA_VERSION=/q' "$1/release" 2>/dev/null)" || _rg_v=''
  fi
  if [ -z "$_rg_v" ]; then
    _rg_v="$("$1/bin/java" -version 2>&1 | sed -n 's/^.* version "\([^"]*\)".*$/\1/p')" || _rg_v=''
  fi
  case "$_rg_v" in 1.*) _rg_v="${_rg_v#1.}" ;; esac   # 1.8.0_392 -> 8.0_392
  _rg_major="${_rg_v%%[!0-9]*}"
  [ -n "$_rg_major" ] || return 1
  _rg_rest="${_rg_v#"$_rg_major"}"; _rg_rest="${_rg_rest#.}"
  _rg_minor="${_rg_rest%%[!0-9]*}"
  _rg_rest="${_rg_rest#"$_rg_minor"}"; _rg_rest="${_rg_rest#.}"
  _rg_patch="${_rg_rest%%[!0-9]*}"
  _rg_major="$(_rg_num "$_rg_major")"
  printf '%s %s\n' "$_rg_major" \
    "$(( _rg_major * 100000000 + $(_rg_num "$_rg_minor") * 10000 + $(_rg_num "$_rg_patch") ))"
}

# _rg_num STR -> STR without leading zeros (so $(( )) does not read it as octal), "0" if empty
_rg_num() {
  _rg_n="${1:-0}"
  while [ "${_rg_n#0}" != "$_rg_n" ] && [ -n "${_rg_n#0}" ]; do _rg_n="${_rg_n#0}"; done
  case "$_rg_n" in ?????*) _rg_n=9999 ;; esac   # absurdly long: clamp
  printf '%s\n' "$_rg_n"
}

rollgate_find_jdk() {
  _rg_min="${1:-${ROLLGATE_MIN_JAVA:-21}}"
  _rg_dirs="${ROLLGATE_JDK_DIRS-/usr/lib/jvm:/usr/java:/opt/java:/opt/jdk:/Library/Java/JavaVirtualMachines${HOME:+:$HOME/.sdkman/candidates/java:$HOME/.jdks}}"
  _rg_found='' _rg_looked=''
  _rg_noglob=''
  case "$-" in *f*) _rg_noglob=1; set +f ;; esac

  # 1. JAVA_HOME
  if [ -n "${JAVA_HOME-}" ]; then
    if _rg_out="$(_rg_jdk_version "$JAVA_HOME")"; then
      _rg_looked="JAVA_HOME=$JAVA_HOME (Java ${_rg_out%% *})"
      [ "${_rg_out%% *}" -lt "$_rg_min" ] || _rg_found="$JAVA_HOME"
    else
      _rg_looked="JAVA_HOME=$JAVA_HOME (not a JDK)"
    fi
  else
    _rg_looked="JAVA_HOME (unset)"
  fi

  # 2. java on PATH
  if [ -z "$_rg_found" ]; then
    if _rg_java="$(command -v java 2>/dev/null)" && [ -n "$_rg_java" ]; then
      _rg_real="$(readlink -f "$_rg_java" 2>/dev/null)" || _rg_real=''
      [ -n "$_rg_real" ] || _rg_real="$_rg_java"
      _rg_home="$(dirname "$(dirname "$_rg_real")")"
      if _rg_out="$(_rg_jdk_version "$_rg_home")"; then
        _rg_looked="$_rg_looked, java on PATH=$_rg_java (Java ${_rg_out%% *})"
        [ "${_rg_out%% *}" -lt "$_rg_min" ] || _rg_found="$_rg_home"
      else
        _rg_looked="$_rg_looked, java on PATH=$_rg_java (not in a JDK)"
      fi
    else
      _rg_looked="$_rg_looked, java on PATH (none)"
    fi
  fi

  # 3. newest JDK in the usual install directories
  if [ -z "$_rg_found" ]; then
    _rg_best_key=-1
    _rg_cands=''
    if [ -x /usr/libexec/java_home ]; then   # macOS
      _rg_cands="$(/usr/libexec/java_home -v "$_rg_min+" 2>/dev/null)" || _rg_cands=''
      _rg_looked="$_rg_looked, /usr/libexec/java_home"
    fi
    _rg_ifs="$IFS"; IFS=:
    for _rg_d in $_rg_dirs; do
      IFS="$_rg_ifs"
      [ -n "$_rg_d" ] || continue
      _rg_looked="$_rg_looked, $_rg_d/*"
      for _rg_c in "$_rg_d"/*; do
        [ -d "$_rg_c/Contents/Home" ] && _rg_c="$_rg_c/Contents/Home"   # macOS bundle layout
        _rg_cands="$_rg_cands
$_rg_c"
      done
    done
    IFS="$_rg_ifs"
    _rg_seen=''
    while IFS= read -r _rg_c; do
      [ -n "$_rg_c" ] || continue
      _rg_out="$(_rg_jdk_version "$_rg_c")" || continue
      _rg_seen="$_rg_seen ${_rg_out%% *}"
      [ "${_rg_out%% *}" -ge "$_rg_min" ] || continue
      if [ "${_rg_out#* }" -gt "$_rg_best_key" ]; then
        _rg_best_key="${_rg_out#* }"
        _rg_found="$_rg_c"
      fi
    done <<_RG_EOF
$_rg_cands
_RG_EOF
    [ -z "$_rg_seen" ] || _rg_looked="$_rg_looked (found Java:$_rg_seen)"
  fi

  if [ -n "$_rg_noglob" ]; then set -f; fi
  if [ -n "$_rg_found" ]; then
    printf '%s\n' "$_rg_found"
    _rg_status=0
  else
    printf '%s\n' "Rollgate needs a JDK $_rg_min or newer; set JAVA_HOME or install one (looked in: $_rg_looked)" >&2
    _rg_status=1
  fi
  set -- "$_rg_status"
  unset _rg_status _rg_min _rg_dirs _rg_found _rg_looked _rg_noglob _rg_out _rg_java _rg_real _rg_home \
    _rg_best_key _rg_cands _rg_ifs _rg_d _rg_c _rg_seen _rg_v _rg_major _rg_minor _rg_patch _rg_rest _rg_n
  return "$1"
}
