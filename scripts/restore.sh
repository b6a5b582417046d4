#!/bin/sh
# Restore a backup made by scripts/backup.sh into the database DATABASE_URL names and the
# folder MEDIA_ROOT names.
#   scripts/restore.sh DIRECTORY       (make restore BACKUP_DIR=...)
# The database must exist (createdb) and should be empty; objects already in it that the
# dump has are replaced (--clean --if-exists). Stop the web servers, worker and beat first.
set -eu

source=${1:?usage: scripts/restore.sh DIRECTORY}
: "${DATABASE_URL:?set DATABASE_URL (postgres://user:password@host:5432/name)}"
test -f "$source/database.dump" || { echo "restore: $source/database.dump is missing" >&2; exit 1; }

pg_restore --no-owner --no-acl --clean --if-exists --exit-on-error \
    --dbname="$DATABASE_URL" "$source/database.dump"

if [ -f "$source/media.tar.gz" ]; then
    : "${MEDIA_ROOT:?set MEDIA_ROOT to restore the uploaded files}"
    mkdir -p "$MEDIA_ROOT"
    tar -C "$MEDIA_ROOT" -xzf "$source/media.tar.gz"
fi
echo "restore: $source restored"
