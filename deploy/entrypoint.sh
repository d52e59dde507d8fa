#!/bin/sh
# Container start: purge expired rows, build the index when there is none (the embedding seed makes a
# first build quick), then run the command (serve, telegram, purge...). Errors are one readable line.
set -e
ouderwijzer purge || true
ouderwijzer ingest --quiet
exec "$@"
