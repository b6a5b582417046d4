#!/bin/sh
# Back up Rapport: the PostgreSQL database (pg_dump, custom format) and the uploaded files.
#   scripts/backup.sh DIRECTORY        (make backup BACKUP_DIR=...)
# Reads DATABASE_URL and MEDIA_ROOT from the environment. Writes DIRECTORY/database.dump and
# DIRECTORY/media.tar.gz; restore them with scripts/restore.sh (docs/operations.md, Backups).
# With MEDIA_STORAGE=s3 the files are in the bucket: back it up with its own versioning.
set -eu

target=${1:?usage: scripts/backup.sh DIRECTORY}
: "${DATABASE_URL:?set DATABASE_URL (postgres://user:password@host:5432/name)}"
mkdir -p "$target"

# --no-owner / --no-acl: the dump restores under whichever role restores it.
pg_dump --format=custom --no-owner --no-acl --file="$target/database.dump" "$DATABASE_URL"

if [ -n "${MEDIA_ROOT:-}" ] && [ -d "$MEDIA_ROOT" ]; then
    tar -C "$MEDIA_ROOT" -czf "$target/media.tar.gz" .
else
    echo "backup: no MEDIA_ROOT folder; only the database was saved" >&2
fi
echo "backup: written to $target"
