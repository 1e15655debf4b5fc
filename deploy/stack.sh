#!/usr/bin/env bash
# The production layout of deploy/ (compose.yaml, systemd/) started natively on this machine, because
# container images cannot be pulled here: Prefect server on the local PostgreSQL, a process work pool
# with N workers, `intake serve`, and moto's S3 server on loopback standing in for the object store.
#
#   deploy/stack.sh up      start everything; writes $STACK_DIR/env (source it to talk to the stack)
#   deploy/stack.sh down    stop what `up` started (by the PIDs it recorded)
#   deploy/stack.sh status
#
# Knobs: STACK_DIR (build/stack), STACK_WORKERS (2), STACK_PG (postgresql://postgres@127.0.0.1:5432),
# STACK_DB (intake_prefect_stack), PYTHON (.venv/bin/python), INTAKE_ENROLLMENT_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STACK_DIR=${STACK_DIR:-$ROOT/build/stack}
STACK_WORKERS=${STACK_WORKERS:-2}
STACK_PG=${STACK_PG:-postgresql://postgres@127.0.0.1:5432}
STACK_DB=${STACK_DB:-intake_prefect_stack}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
BIN=$(dirname "$PYTHON")
PIDS=$STACK_DIR/pids

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() {  # url seconds
  local deadline=$((SECONDS + $2))
  until "$PYTHON" -c "import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)" "$1" 2>/dev/null; do
    if ((SECONDS > deadline)); then echo "stack: $1 did not answer within $2 s (logs: $STACK_DIR/*.log)" >&2; return 1; fi
    sleep 1
  done
}

start() {  # name command...
  local name=$1; shift
  setsid "$@" >"$STACK_DIR/$name.log" 2>&1 < /dev/null &
  echo "$! $name" >>"$PIDS"
}

down() {
  [[ -f $PIDS ]] || { echo "stack: nothing recorded in $PIDS"; return 0; }
  # newest first: workers and the API before the servers they talk to
  tac "$PIDS" | while read -r pid name; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; fi
  done
  sleep 2
  tac "$PIDS" | while read -r pid name; do
    kill -0 "$pid" 2>/dev/null && { kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; }
  done
  rm -f "$PIDS"
  echo "stack: stopped"
}

up() {
  [[ -f $PIDS ]] && { echo "stack: already up ($PIDS); run 'deploy/stack.sh down' first" >&2; exit 1; }
  mkdir -p "$STACK_DIR"/home
  chmod 700 "$STACK_DIR"
  local s3_port prefect_port api_port
  s3_port=$(free_port); prefect_port=$(free_port); api_port=$(free_port)

  # PostgreSQL for Prefect: a database of its own, fresh each time
  psql "$STACK_PG/postgres" -qAt -c "DROP DATABASE IF EXISTS $STACK_DB WITH (FORCE)" -c "CREATE DATABASE $STACK_DB" >/dev/null

  cat >"$STACK_DIR/env" <<ENV
export PYTHONPATH=$ROOT\${PYTHONPATH:+:\$PYTHONPATH}
export PREFECT_API_URL=http://127.0.0.1:$prefect_port/api
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_SERVER_LOGGING_LEVEL=WARNING
export INTAKE_HOME=$STACK_DIR/home
export INTAKE_STORAGE=s3
export AWS_ENDPOINT_URL_S3=http://127.0.0.1:$s3_port
export AWS_ACCESS_KEY_ID=stack-key
export AWS_SECRET_ACCESS_KEY=stack-secret
export AWS_REGION=us-east-1
export INTAKE_S3_BUCKET=intake
export INTAKE_WORKERS=${INTAKE_WORKERS:-1}
export INTAKE_OCR_CACHE=${INTAKE_OCR_CACHE:-true}
export INTAKE_ENROLLMENT_URL=${INTAKE_ENROLLMENT_URL:-$ROOT/samples/enrollment.csv}
export INTAKE_API_URL=http://127.0.0.1:$api_port
ENV
  chmod 600 "$STACK_DIR/env"
  # shellcheck disable=SC1091
  source "$STACK_DIR/env"

  start s3 "$PYTHON" -m moto.server -H 127.0.0.1 -p "$s3_port"
  start prefect-server env PREFECT_API_DATABASE_CONNECTION_URL="postgresql+asyncpg://${STACK_PG#postgresql://}/$STACK_DB" \
    "$BIN/prefect" server start --host 127.0.0.1 --port "$prefect_port" --no-ui
  wait_http "$AWS_ENDPOINT_URL_S3" 60
  "$PYTHON" -m pipeline.app.cli -q storage check >/dev/null 2>&1 || \
    "$PYTHON" -c "from flows.storage import get_storage; get_storage().ensure_bucket()"
  "$PYTHON" -m pipeline.app.cli storage check
  wait_http "$PREFECT_API_URL/health" 180

  "$BIN/prefect" work-pool create intake --type process --overwrite >"$STACK_DIR/pool.log" 2>&1
  "$PYTHON" -m pipeline.app.cli flows deploy --pool intake
  for i in $(seq 1 "$STACK_WORKERS"); do
    start "worker-$i" "$BIN/prefect" worker start --pool intake --type process --limit 1 --name "intake-worker-$i"
  done
  start api "$PYTHON" -m pipeline.app.cli serve --host 127.0.0.1 --port "$api_port"
  wait_http "$INTAKE_API_URL/healthz" 120
  echo "stack: up in $STACK_DIR (source $STACK_DIR/env): Prefect $PREFECT_API_URL, S3 $AWS_ENDPOINT_URL_S3, API $INTAKE_API_URL, $STACK_WORKERS workers"
}

status() {
  [[ -f $PIDS ]] || { echo "stack: down"; return 0; }
  while read -r pid name; do
    if kill -0 "$pid" 2>/dev/null; then echo "up    $name ($pid)"; else echo "DOWN  $name ($pid)"; fi
  done <"$PIDS"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: deploy/stack.sh up|down|status" >&2; exit 2 ;;
esac
