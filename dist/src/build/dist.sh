#!/usr/bin/env bash
# ----------------------------------------------------------------------------
# Builds the Rollgate distribution; run by dist/pom.xml (./mvnw -Pdist package).
#
#   dist.sh tarball JAVA_HOME VERSION MODULES TARGET
#       TARGET/rollgate-VERSION-linux-x64/      the unpacked layout (also the .deb's input)
#       TARGET/rollgate-VERSION-linux-x64.tar.gz
#   dist.sh deb JAVA_HOME VERSION MODULES TARGET
#       TARGET/rollgate_DEBVERSION_amd64.deb from jpackage, needing Debian's fakeroot and dpkg-deb:
#       without them it says so and skips, except under CI (CI set), where it fails.
#   dist.sh modules JAVA_HOME VERSION MODULES TARGET
#       prints what jdeps finds the jars need (to refresh dist.modules in dist/pom.xml; about 45 s).
#
# JAVA_HOME is the JDK running Maven, so jlink's runtime has its version (>= 21).
# ----------------------------------------------------------------------------
set -euo pipefail

cmd="$1" jdk="$2" version="$3" modules="$4" target="$5"
here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/../dist"
name="rollgate-$version-linux-x64"
stage="$target/$name"

case "$(uname -m)" in
  x86_64 | amd64) ;;
  *) echo "dist: the distribution is built for linux-x64; this is $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

tarball() {
  local t0=$SECONDS
  rm -rf "$stage" "$target/$name.tar.gz"
  mkdir -p "$stage/bin" "$stage/lib" "$stage/etc" "$stage/systemd"
  # java.desktop stays for java.beans (Jackson, Jdbi and logback use it); its display, sound, font and
  # image libraries go, so the runtime (and the .deb's Depends) needs no X11 or ALSA.
  "$jdk/bin/jlink" --add-modules "$modules" --output "$stage/runtime" \
    --strip-debug --no-header-files --no-man-pages --compress zip-6 \
    --exclude-files '**/libawt_xawt.so,**/libjawt.so,**/libsplashscreen.so,**/libjsound.so,**/libfontmanager.so,**/libfreetype.so,**/libjavajpeg.so,**/liblcms.so,**/libmlib_image.so'
  cp "$target"/app-lib/*.jar "$stage/lib/"
  install -m 755 "$src/bin/rollgate" "$stage/bin/rollgate"
  install -m 644 "$src/etc/rollgate.yaml" "$src/etc/rollgate.env" "$stage/etc/"
  install -m 644 "$src/systemd/rollgate.service" "$stage/systemd/"
  printf '%s\n' "$version" >"$stage/VERSION"
  tar -C "$target" --sort=name --owner=0 --group=0 --numeric-owner -czf "$target/$name.tar.gz" "$name"
  echo "dist: $target/$name.tar.gz ($(du -m "$target/$name.tar.gz" | cut -f1) MB; runtime $(du -sm "$stage/runtime" | cut -f1) MB, Java $("$stage/runtime/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p'); $((SECONDS - t0)) s)"
}

deb() {
  local missing=""
  command -v fakeroot >/dev/null || missing="$missing fakeroot"
  command -v dpkg-deb >/dev/null || missing="$missing dpkg-deb(dpkg-dev)"
  if [[ -n "$missing" ]]; then
    if [[ -n "${CI:-}" ]]; then
      echo "dist: cannot build the .deb, missing:$missing (.ci/run installs them)" >&2
      exit 1
    fi
    echo "dist: skipping the .deb, missing:$missing (apt-get install fakeroot dpkg-dev)" >&2
    return 0
  fi
  [[ -x "$stage/runtime/bin/java" ]] || { echo "dist: $stage is missing; the tarball step runs first" >&2; exit 1; }
  local t0=$SECONDS out="$target/jpackage" debver="${version%%-*}"
  rm -rf "$out" "$target"/rollgate_*.deb
  # jpackage puts the launcher in /opt/rollgate/bin, the jars in /opt/rollgate/lib/app, the runtime in
  # /opt/rollgate/lib/runtime and --app-content (etc/, systemd/) in /opt/rollgate/lib; the maintainer
  # scripts in src/deb replace jpackage's and install the unit, the user and /var/lib/rollgate.
  # gzip, not dpkg-deb's default xz: the jlink image is compressed already, so xz saves 3 MB of 66 for
  # about 90 s more on two cores (dpkg >= 1.21.10 reads this variable; older ones use xz)
  DPKG_DEB_COMPRESSOR_TYPE=gzip "$jdk/bin/jpackage" --type deb --dest "$out" \
    --name rollgate --app-version "$debver" --vendor "Rollgate" \
    --description "Rollgate: a control plane for changing running systems safely" \
    --input "$stage/lib" --main-jar "$(basename "$(ls "$stage"/lib/rollgate-server-*.jar)")" --main-class io.rollgate.cli.Main \
    --runtime-image "$stage/runtime" --install-dir /opt \
    --java-options '--enable-native-access=ALL-UNNAMED' --java-options '-Djava.awt.headless=true' \
    --app-content "$stage/etc" --app-content "$stage/systemd" \
    --resource-dir "$here/../deb" \
    --linux-package-name rollgate --linux-deb-maintainer "rollgate@localhost" \
    --linux-app-category admin --linux-app-release 1
  mv "$out"/rollgate_*.deb "$target/"
  rm -rf "$out"
  echo "dist: $(ls "$target"/rollgate_*.deb) ($(du -m "$target"/rollgate_*.deb | cut -f1) MB; $((SECONDS - t0)) s)"
}

modules() {
  local server="$here/../../../server/target"
  "$jdk/bin/jdeps" --ignore-missing-deps --multi-release 21 --print-module-deps \
    --class-path "$server/lib/*" "$server/rollgate.jar" "$server"/lib/*.jar 2>/dev/null | tail -1
}

"$cmd"
