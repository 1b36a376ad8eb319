#!/bin/bash
# install.sh: turn a freshly flashed Raspberry Pi OS (64-bit, Bookworm or Trixie; Lite or
# Desktop) into a village fire-safety kiosk. Run as root from the project folder:
#
#   sudo deploy/raspberrypi/install.sh [--server URL --code CODE] [--wheels DIR]
#
# Running it again changes nothing unless something is missing or the project changed; that
# is also how an update is installed. See deploy/raspberrypi/README.md.
set -Eeuo pipefail

usage() {
    cat <<'EOF'
Usage: install.sh [options]

  --server URL     township server URL (written to /etc/village-kiosk/kiosk.env)
  --code CODE      one-time enrolment code from the township server (needs --server,
                   or a TOWNSHIP_URL already configured)
  --wheels DIR     install Python packages offline from this wheel folder
                   (prepare it with deploy/raspberrypi/make-wheelhouse.sh)
  --root DIR       install into a mounted image or chroot instead of this system
  --source DIR     project folder to install (default: two levels above this script)
  --skip-apt       do not install Debian packages (they must already be there)
  --skip-venv      do not create the virtual environment, nor compile translations,
                   migrate or enrol (for tests of the file-writing steps)
  --force-enrol    enrol again even if this device is already enrolled
  -h, --help       show this help
EOF
}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=/
SOURCE=$(cd "$SCRIPT_DIR/../.." && pwd)
WHEELS=""
SERVER=""
CODE=""
SKIP_APT=0
SKIP_VENV=0
FORCE_ENROL=0

KIOSK_USER=kiosk
PREFIX=/opt/village-kiosk
VENV=$PREFIX/venv
STATE=/var/lib/village-kiosk
CONF_DIR=/etc/village-kiosk
ENV_FILE=$CONF_DIR/kiosk.env
TIMEZONE=Asia/Shanghai
LOCALE=zh_CN.UTF-8
UNITS=(village-kiosk-web.service village-kiosk-sync.service village-kiosk-browser.service
       village-kiosk-watchdog.timer village-kiosk-usb-backup.timer village-kiosk-clock-save.timer)

STEP="start"
CHANGES=0

log() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
warn() { printf 'install.sh: warning: %s\n' "$*" >&2; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }
on_error() {
    local rc=$?
    printf 'install.sh: error: step "%s" failed (exit %s, line %s)\n' "$STEP" "$rc" "$1" >&2
    exit "$rc"
}
trap 'on_error $LINENO' ERR

need_arg() { if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value (see --help)"; fi; }
while [ $# -gt 0 ]; do
    case "$1" in
        --root) need_arg "$@"; ROOT=$2; shift 2 ;;
        --source) need_arg "$@"; SOURCE=$2; shift 2 ;;
        --wheels) need_arg "$@"; WHEELS=$2; shift 2 ;;
        --server) need_arg "$@"; SERVER=$2; shift 2 ;;
        --code) need_arg "$@"; CODE=$2; shift 2 ;;
        --skip-apt) SKIP_APT=1; shift ;;
        --skip-venv) SKIP_VENV=1; shift ;;
        --force-enrol) FORCE_ENROL=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

# ---------------------------------------------------------------------------- helpers
[ "$(id -u)" = 0 ] || die "run as root (sudo $0 ...)"
[ -d "$ROOT" ] || die "--root $ROOT is not a folder"
ROOT=$(cd "$ROOT" && pwd)
[ -f "$SOURCE/pyproject.toml" ] || [ "$SKIP_VENV" = 1 ] \
    || die "no pyproject.toml in $SOURCE: run this script from the project folder or pass --source"
if [ -n "$WHEELS" ]; then
    [ -d "$WHEELS" ] || die "--wheels $WHEELS is not a folder"
    WHEELS=$(cd "$WHEELS" && pwd)
fi
case "$SERVER" in
    ""|http://*|https://*) ;;
    *) die "--server must start with https:// (or http:// on a test network): $SERVER" ;;
esac

# Path of FILE inside the target root.
R() { if [ "$ROOT" = / ]; then printf '%s' "$1"; else printf '%s%s' "$ROOT" "$1"; fi; }
# Run a command inside the target root.
# Inside another root, start from a clean environment: nothing of the build machine (pip
# settings, PYTHONPATH, virtualenvs) may leak into the image.
in_root() {
    if [ "$ROOT" = / ]; then
        "$@"
    else
        chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
    fi
}

# Numeric ids from the target's own user database (never the host's, for --root).
uid_of() { awk -F: -v n="$1" '$1 == n { print $3 }' "$(R /etc/passwd)"; }
gid_of() { awk -F: -v n="$1" '$1 == n { print $3 }' "$(R /etc/group)"; }
owner_ids() { # USER:GROUP -> UID:GID
    local u=${1%%:*} g=${1##*:} ui gi
    ui=$(uid_of "$u"); gi=$(gid_of "$g")
    if [ -z "$ui" ] || [ -z "$gi" ]; then die "unknown user or group $1 in $(R /etc/passwd)"; fi
    printf '%s:%s' "$ui" "$gi"
}

changed() { CHANGES=$((CHANGES + 1)); note "$*"; }

# fix_meta PATH MODE USER:GROUP — set mode and owner only when they differ.
fix_meta() {
    local p=$1 mode=$2 ids cur
    ids=$(owner_ids "$3")
    cur=$(stat -c '%a %u:%g' "$p")
    if [ "$cur" != "${mode#0} $ids" ]; then
        chown -h "$ids" "$p"
        chmod "$mode" "$p"
        changed "set $(printf '%s' "$p" | sed "s|^$ROOT/*|/|") to $mode $3"
    fi
}

# ensure_dir DIR MODE USER:GROUP
ensure_dir() {
    local d
    d=$(R "$1")
    if [ ! -d "$d" ]; then
        mkdir -p "$d"
        changed "created $1"
    fi
    fix_meta "$d" "$2" "$3"
}

# put_file SRC DEST MODE USER:GROUP — copy only when the content differs.
put_file() {
    local src=$1 dest
    dest=$(R "$2")
    mkdir -p "$(dirname "$dest")"
    if ! cmp -s "$src" "$dest"; then
        local tmp="$dest.install-tmp"
        cp "$src" "$tmp"
        chmod "$3" "$tmp"
        chown "$(owner_ids "$4")" "$tmp"
        mv -f "$tmp" "$dest"
        changed "wrote $2"
    fi
    fix_meta "$dest" "$3" "$4"
}

# put_text DEST MODE USER:GROUP < content
put_text() {
    local tmp
    tmp=$(mktemp)
    cat > "$tmp"
    put_file "$tmp" "$1" "$2" "$3"
    rm -f "$tmp"
}

# put_symlink TARGET LINK
put_symlink() {
    local link
    link=$(R "$2")
    if [ "$(readlink "$link" 2>/dev/null || true)" != "$1" ]; then
        mkdir -p "$(dirname "$link")"
        ln -sfn "$1" "$link"
        changed "linked $2 -> $1"
    fi
}

FLASK_EXTRA_ENV=()
# Environment for running the app's CLI (values from kiosk.env).
kiosk_env() {
    local args=() line
    while IFS= read -r line; do
        case "$line" in ''|'#'*) continue ;; esac
        args+=("$line")
    done < "$(R "$ENV_FILE")"
    printf '%s\n' "${args[@]}"
}
# Run the app's CLI inside the target as USER with kiosk.env: flask_as USER ARGS...
flask_as() {
    local user=$1; shift
    local envs=()
    mapfile -t envs < <(kiosk_env)
    envs+=("${FLASK_EXTRA_ENV[@]}")
    # shellcheck disable=SC2016  # $1 and $@ belong to the inner sh
    in_root env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="$STATE" LANG=C.UTF-8 "${envs[@]}" \
        runuser -u "$user" -- sh -c 'cd "$1" && shift && exec "$@"' sh "$STATE" \
        "$VENV/bin/flask" --app kiosk "$@"
}

log "Village kiosk install into ${ROOT} (source: $SOURCE)"

# ---------------------------------------------------------------------------- packages
STEP="Debian packages"
if [ "$SKIP_APT" = 1 ]; then
    log "Debian packages: skipped (--skip-apt)"
else
    log "Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    in_root apt-get update -qq || die "apt-get update failed: is the network (or a local mirror) reachable?"
    browser_pkg=chromium
    if ! in_root apt-cache show chromium >/dev/null 2>&1; then
        browser_pkg=chromium-browser   # older Raspberry Pi OS images
    fi
    wanted=(cage "$browser_pkg" fonts-noto-cjk python3 python3-venv python3-pip curl sqlite3
            fake-hwclock locales tzdata dosfstools exfatprogs util-linux espeak-ng sox)
    missing=()
    for p in "${wanted[@]}"; do
        # shellcheck disable=SC2016  # ${Status} is dpkg-query's field, not a shell variable
        in_root dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        note "installing: ${missing[*]}"
        in_root apt-get install -y -qq --no-install-recommends "${missing[@]}" \
            || die "apt-get install failed for: ${missing[*]}"
        CHANGES=$((CHANGES + 1))
    else
        note "all present"
    fi
fi

# ---------------------------------------------------------------------------- user
STEP="system user"
log "System user '$KIOSK_USER'"
[ -f "$(R /etc/passwd)" ] || die "$(R /etc/passwd) is missing: is $ROOT a Debian root?"
if [ -z "$(uid_of "$KIOSK_USER")" ]; then
    root_opt=()
    [ "$ROOT" = / ] || root_opt=(--root "$ROOT")
    useradd "${root_opt[@]}" --system --user-group --home-dir "$STATE" --no-create-home \
        --shell /usr/sbin/nologin --comment "Village kiosk" "$KIOSK_USER" 2>&1 \
        | grep -v "missing or non-executable shell" || true
    [ -n "$(uid_of "$KIOSK_USER")" ] || die "could not create user $KIOSK_USER"
    changed "created user $KIOSK_USER"
fi
# Groups for the display, GPU and touchscreen (cage also gets them through the logind session).
for g in video render input; do
    [ -n "$(gid_of "$g")" ] || continue
    if ! awk -F: -v g="$g" -v u="$KIOSK_USER" '$1 == g { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) f = 1 } END { exit !f }' "$(R /etc/group)"; then
        root_opt=()
        [ "$ROOT" = / ] || root_opt=(--root "$ROOT")
        usermod "${root_opt[@]}" -a -G "$g" "$KIOSK_USER"
        changed "added $KIOSK_USER to group $g"
    fi
done

# ---------------------------------------------------------------------------- files
STEP="folders and files"
log "Folders, scripts, units"
ensure_dir "$PREFIX" 0755 root:root
ensure_dir "$PREFIX/bin" 0755 root:root
ensure_dir "$CONF_DIR" 0750 "root:$KIOSK_USER"
ensure_dir "$STATE" 0750 "$KIOSK_USER:$KIOSK_USER"
for f in village-kiosk kiosk-browser kiosk-wait-healthy kiosk-watchdog kiosk-usb-backup; do
    put_file "$SCRIPT_DIR/bin/$f" "$PREFIX/bin/$f" 0755 root:root
done
put_file "$SCRIPT_DIR/chromium-kiosk.flags" "$PREFIX/chromium-kiosk.flags" 0644 root:root
put_file "$SCRIPT_DIR/README.md" "$PREFIX/README.md" 0644 root:root
put_symlink "$PREFIX/bin/village-kiosk" /usr/local/bin/village-kiosk
for f in "$SCRIPT_DIR"/systemd/*.service "$SCRIPT_DIR"/systemd/*.timer; do
    put_file "$f" "/etc/systemd/system/$(basename "$f")" 0644 root:root
done
put_file "$SCRIPT_DIR/udev/90-village-kiosk-usb-backup.rules" \
    /etc/udev/rules.d/90-village-kiosk-usb-backup.rules 0644 root:root
# NetworkManager runs only root-owned hooks that others cannot write.
put_file "$SCRIPT_DIR/networkmanager/90-village-kiosk-sync" \
    /etc/NetworkManager/dispatcher.d/90-village-kiosk-sync 0755 root:root

# ---------------------------------------------------------------------------- config
STEP="configuration"
log "Configuration $ENV_FILE"
# Existing values win (a technician may have edited them); --server overrides TOWNSHIP_URL.
existing() {
    [ -f "$(R "$ENV_FILE")" ] || return 0
    sed -n "s/^$1=//p" "$(R "$ENV_FILE")" | tail -n 1
}
with_default() { if [ -n "$1" ]; then printf '%s' "$1"; else printf '%s' "$2"; fi; }
optional() { if [ -n "$2" ]; then printf '%s=%s' "$1" "$2"; else printf '#%s=' "$1"; fi; }
township=${SERVER:-$(existing TOWNSHIP_URL)}
put_text "$ENV_FILE" 0640 "root:$KIOSK_USER" <<EOF
# Village kiosk configuration (systemd EnvironmentFile and shell syntax: KEY=value, no quotes).
# install.sh keeps the values found here; edit, then: systemctl restart village-kiosk-web village-kiosk-sync
KIOSK_ROLE=$(with_default "$(existing KIOSK_ROLE)" village)
KIOSK_DATA_DIR=$(with_default "$(existing KIOSK_DATA_DIR)" "$STATE")
PORT=$(with_default "$(existing PORT)" 5000)
SYNC_INTERVAL=$(with_default "$(existing SYNC_INTERVAL)" 300)
$(optional TOWNSHIP_URL "$township")
$(optional VILLAGE_CODE "$(existing VILLAGE_CODE)")
EOF

# ---------------------------------------------------------------------------- locale, time
STEP="locale and time zone"
log "Locale $LOCALE, time zone $TIMEZONE"
locale_gen=$(R /etc/locale.gen)
if [ -f "$locale_gen" ] && grep -q "^# *$LOCALE UTF-8" "$locale_gen"; then
    sed -i "s/^# *$LOCALE UTF-8/$LOCALE UTF-8/" "$locale_gen"
    changed "enabled $LOCALE in /etc/locale.gen"
elif ! grep -q "^$LOCALE UTF-8" "$locale_gen" 2>/dev/null; then
    echo "$LOCALE UTF-8" >> "$locale_gen"
    changed "added $LOCALE to /etc/locale.gen"
fi
if [ -x "$(R /usr/sbin/locale-gen)" ]; then
    if ! in_root localedef --list-archive 2>/dev/null | grep -qix 'zh_CN.utf8'; then
        in_root locale-gen >/dev/null || die "locale-gen failed"
        changed "generated locale $LOCALE"
    fi
else
    warn "locale-gen not found in the target (package 'locales'); $LOCALE not generated"
fi
put_text /etc/default/locale 0644 root:root <<EOF
LANG=$LOCALE
EOF
if [ ! -e "$(R "/usr/share/zoneinfo/$TIMEZONE")" ]; then
    warn "/usr/share/zoneinfo/$TIMEZONE is missing in the target (package 'tzdata')"
fi
put_symlink "/usr/share/zoneinfo/$TIMEZONE" /etc/localtime
put_text /etc/timezone 0644 root:root <<EOF
$TIMEZONE
EOF

# ---------------------------------------------------------------------------- Python app
if [ "$SKIP_VENV" = 1 ]; then
    log "Python environment: skipped (--skip-venv); translations, migrations, enrolment skipped"
    [ -z "$CODE" ] || warn "--code ignored with --skip-venv: the device is NOT enrolled"
else
    STEP="Python environment"
    log "Python environment $VENV"
    in_root python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "Python 3.11 or newer is needed in the target (Raspberry Pi OS Bookworm or later)"
    # Stage the project (and wheels) inside the target so chroot installs see them.
    stage=$(R "$PREFIX/src")
    rm -rf "$stage.new"
    mkdir -p "$stage.new"
    (cd "$SOURCE" && tar --exclude=.git --exclude='__pycache__' --exclude='*.pyc' \
        --exclude=node_modules --exclude='.venv' --exclude=tests --exclude=bench \
        -cf - .) | tar -C "$stage.new" -xf -
    if [ -n "$WHEELS" ]; then
        mkdir -p "$stage.new/.wheels"
        cp "$WHEELS"/*.whl "$stage.new/.wheels/" 2>/dev/null || die "no .whl files in $WHEELS"
    fi
    stamp_new=$(cd "$stage.new" && find . -type f -print0 | LC_ALL=C sort -z \
        | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
    stamp_file=$(R "$PREFIX/.installed-source")
    if [ -x "$(R "$VENV/bin/python")" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp_new" ]; then
        rm -rf "$stage.new"
        note "up to date (same project files as the last install)"
    else
        rm -rf "$stage"
        mv "$stage.new" "$stage"
        if [ ! -x "$(R "$VENV/bin/python")" ]; then
            in_root python3 -m venv "$VENV" || die "python3 -m venv failed (is python3-venv installed?)"
            changed "created $VENV"
        fi
        pip_opts=(--disable-pip-version-check --no-input --quiet)
        if [ -n "$WHEELS" ]; then
            pip_opts+=(--no-index --find-links "$PREFIX/src/.wheels")
        fi
        name=$(in_root "$VENV/bin/python" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["name"])' "$PREFIX/src/pyproject.toml")
        norm=$(printf '%s' "$name" | tr 'A-Z.-' 'a-z__')
        target="$PREFIX/src"
        if [ -n "$WHEELS" ]; then
            whl=$(cd "$(R "$PREFIX/src/.wheels")" && find . -maxdepth 1 -iname "${norm}-*.whl" | sort | tail -n 1)
            [ -z "$whl" ] || target="$PREFIX/src/.wheels/${whl#./}"
        fi
        note "pip install $name from ${WHEELS:+the wheel folder, }$(basename "$target")"
        in_root "$VENV/bin/pip" install "${pip_opts[@]}" "$target" \
            || die "pip install failed (offline: is every dependency in the wheel folder, built for this Python?)"
        if [ "$target" != "$PREFIX/src" ]; then
            # Same version number, new build: make sure the new files are the ones installed.
            in_root "$VENV/bin/pip" install "${pip_opts[@]}" --force-reinstall --no-deps "$target"
        fi
        changed "installed $name into $VENV"

        STEP="compile translations"
        log "Translations"
        # Catalogs go into the root-owned venv, so this runs as root, with a throwaway data
        # folder: the app must not leave root-owned files (secret key, db) in $STATE.
        scratch=$(in_root mktemp -d)
        FLASK_EXTRA_ENV=("KIOSK_DATA_DIR=$scratch")
        flask_as root i18n compile || die "flask i18n compile failed"
        flask_as root keyboard build || die "flask keyboard build (the on-screen keyboard's pinyin table) failed"
        FLASK_EXTRA_ENV=()
        rm -rf "$(R "$scratch")"
        printf '%s\n' "$stamp_new" > "$stamp_file"
    fi

    # Everything in the state folder belongs to the kiosk user (repairs earlier mistakes).
    wrong=$(find "$(R "$STATE")" \( ! -uid "$(uid_of "$KIOSK_USER")" -o ! -gid "$(gid_of "$KIOSK_USER")" \) -print | wc -l)
    if [ "$wrong" -gt 0 ]; then
        chown -R "$(owner_ids "$KIOSK_USER:$KIOSK_USER")" "$(R "$STATE")"
        changed "gave $wrong file(s) in $STATE back to $KIOSK_USER"
    fi

    STEP="database migration"
    log "Database (flask db upgrade in $STATE)"
    flask_as "$KIOSK_USER" db upgrade || die "flask db upgrade failed"

    if [ -n "$CODE" ]; then
        STEP="enrolment"
        log "Enrolment with the township server"
        township=$(existing TOWNSHIP_URL)
        [ -n "$township" ] || die "--code needs --server URL (or TOWNSHIP_URL in $ENV_FILE)"
        enrolled=$(R "$STATE/.enrolled")
        if [ -f "$enrolled" ] && [ "$FORCE_ENROL" = 0 ]; then
            note "already enrolled with $(cat "$enrolled"); use --force-enrol to enrol again"
        else
            flask_as "$KIOSK_USER" sync enroll --server "$township" --code "$CODE" \
                || die "enrolment failed: check the code (one use only, it may have expired) and that $township is reachable"
            printf '%s\n' "$township" > "$enrolled"
            chown "$(owner_ids "$KIOSK_USER:$KIOSK_USER")" "$enrolled"
            chmod 0640 "$enrolled"
            changed "enrolled with $township"
        fi
    fi
fi

# ---------------------------------------------------------------------------- services
STEP="enable services"
log "Services"
sctl=(systemctl)
[ "$ROOT" = / ] || sctl=(systemctl --root="$ROOT")
if [ "$ROOT" = / ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    if command -v udevadm >/dev/null; then udevadm control --reload || true; fi
fi
for u in "${UNITS[@]}"; do
    if ! "${sctl[@]}" is-enabled --quiet "$u" 2>/dev/null; then
        "${sctl[@]}" enable --quiet "$u"
        changed "enabled $u"
    fi
done
if [ -f "$(R /lib/systemd/system/fake-hwclock.service)" ] || [ -f "$(R /usr/lib/systemd/system/fake-hwclock.service)" ]; then
    if ! "${sctl[@]}" is-enabled --quiet fake-hwclock.service 2>/dev/null; then
        "${sctl[@]}" enable --quiet fake-hwclock.service
        changed "enabled fake-hwclock.service"
    fi
fi
# The screen (cage on tty1) belongs to graphical.target. On a Desktop image the display
# manager would fight cage for the screen: turn it off (see the README for labwc instead).
if [ "$(readlink "$(R /etc/systemd/system/default.target)" 2>/dev/null || true)" != /lib/systemd/system/graphical.target ] \
    && [ "$(readlink "$(R /etc/systemd/system/default.target)" 2>/dev/null || true)" != /usr/lib/systemd/system/graphical.target ]; then
    "${sctl[@]}" set-default --quiet graphical.target 2>/dev/null \
        || ln -sfn /lib/systemd/system/graphical.target "$(R /etc/systemd/system/default.target)"
    changed "default target: graphical.target"
fi
dm=$(readlink "$(R /etc/systemd/system/display-manager.service)" 2>/dev/null || true)
if [ -n "$dm" ]; then
    dm_unit=$(basename "$dm")
    warn "disabling the display manager of the desktop ($dm_unit) so the kiosk owns the screen"
    "${sctl[@]}" disable --quiet "$dm_unit" || true
    rm -f "$(R /etc/systemd/system/display-manager.service)"
    changed "disabled $dm_unit"
fi

STEP="done"
if [ "$CHANGES" = 0 ]; then
    log "Done: nothing to change, the kiosk was already installed."
else
    log "Done: $CHANGES change(s)."
fi
if [ "$ROOT" = / ]; then
    note "Reboot to start the kiosk: sudo reboot"
fi
