#!/usr/bin/env bash
# Sets BMNN up on a fresh Debian machine with Python 3.11, then runs it or its tests.
#   bash scripts/bmnn.sh run    # web app on embedded SQLite with a demo agency, http://127.0.0.1:8000
#   bash scripts/bmnn.sh test   # lint + the whole test suite on SQLite, then again on PostgreSQL
# Everything it needs comes from Debian's packages and PyPI; nothing is assumed installed by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;34m==> %s\033[0m\n' "$*"; }
die() { printf '\033[1;31mLỗi: %s\033[0m\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "cần quyền root để cài gói hệ thống: $*"; fi
}

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "thiếu gói ${missing[*]} và không có apt-get để cài"
  say "Cài gói hệ thống: ${missing[*]}"
  if [ "$APT_UPDATED" -eq 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

find_python() {
  for py in python3.11 python3; do
    if command -v "$py" >/dev/null && "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$py"; return 0
    fi
  done
  return 1
}

setup_python() {
  local py
  py=$(find_python) || { apt_install python3.11; py=$(find_python) || die "cần Python 3.11"; }
  if [ ! -x .venv/bin/python ]; then
    say "Tạo môi trường ảo .venv"
    "$py" -m venv .venv 2>/dev/null || { rm -rf .venv; apt_install python3.11-venv; "$py" -m venv .venv; }
  fi
  # Reinstall only when the dependency list changed, so a second run starts at once.
  local stamp=.venv/.bmnn-installed want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)-$1
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Cài thư viện Python vào .venv"
    .venv/bin/python -m pip install -q --upgrade pip
    if [ "$1" = test ]; then .venv/bin/python -m pip install -q -e ".[test]"
    else .venv/bin/python -m pip install -q -e .; fi
    echo "$want" > "$stamp"
  fi
}

# PostgreSQL for the LAN-mode tests: use the one at 127.0.0.1:5432 if it answers, else install one.
setup_postgres() {
  local url=${BMNN_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
  if .venv/bin/python - "$url" <<'PY' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=5).close()
PY
  then echo "$url"; return 0; fi
  say "Không thấy PostgreSQL tại 127.0.0.1:5432 — cài và khởi động một máy chủ cục bộ" >&2
  apt_install postgresql >&2
  local ver; ver=$(ls /etc/postgresql | sort -V | tail -n1)
  as_root pg_ctlcluster "$ver" main start >&2 2>/dev/null || true
  as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'bmnn-test'\"" >&2
  as_root su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname='test'\" | grep -q 1 || createdb test" >&2
  echo "postgresql://postgres:bmnn-test@127.0.0.1:5432/test"
}

# What runs at run time: the scanner's OCR with the Vietnamese model and legacy Word/Excel
# readers; fonts with Vietnamese glyphs for the auditor's PDF reports.
RUNTIME_PACKAGES=(tesseract-ocr tesseract-ocr-vie antiword catdoc fonts-croscore)

cmd=${1:-}
case "$cmd" in
  run)
    apt_install "${RUNTIME_PACKAGES[@]}"
    setup_python run
    export BMNN_DATA_DIR=${BMNN_DATA_DIR:-$PWD/var}
    exec .venv/bin/bmnn serve --demo --port "${BMNN_PORT:-8000}"
    ;;
  test)
    shift
    # chromium for the UI tests; LibreOffice makes the legacy .doc/.xls/.ppt fixtures; hivexsh
    # cross-checks the registry hives the auditor tests write.
    apt_install "${RUNTIME_PACKAGES[@]}" chromium libhivex-bin \
      libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui
    setup_python test
    say "Kiểm tra mã (ruff)"
    .venv/bin/ruff check src tests
    .venv/bin/ruff format --check src tests
    say "Bộ kiểm thử trên SQLite"
    .venv/bin/python -m pytest "$@"
    pg_url=$(setup_postgres)
    say "Bộ kiểm thử trên PostgreSQL ($pg_url)"
    # The scanner and the auditor are plain libraries that never open the database: they ran
    # above, and a second run would only repeat them. Every test that touches the database runs.
    pg_args=("$@")
    [ ${#pg_args[@]} -eq 0 ] && pg_args=(--ignore=tests/scan --ignore=tests/hostaudit)
    BMNN_DATABASE_URL="$pg_url" .venv/bin/python -m pytest "${pg_args[@]}"
    ;;
  *)
    echo "Cách dùng: bash scripts/bmnn.sh run|test [tham số pytest]" >&2
    exit 2
    ;;
esac
