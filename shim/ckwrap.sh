# shellcheck shell=sh
# ckwrap.sh: the ckwrap protocol for shell jobs (POSIX sh: bash, dash, busybox sh).
#
#   . "$(ckwrap --shim sh)"            # or the installed path, see ckwrap(1)
#   eval "set -- $(ck_args "$@")"      # optional: "$@" without --resume-from POS
#   start=$(ck_resume_from 0)
#   i=$start; while [ "$i" -lt 1000 ]; do process "$i"; i=$((i + 1)); ck_checkpoint "$i"; done
#
# Functions (records in man/ckwrap-protocol.7):
#   ck_checkpoint POS       CKPT POS       everything before POS is finished
#   ck_checkpoint_with_state POS KEY VALUE [KEY VALUE]...
#                           STATE KEY VALUE... then CKPT POS, in one write:
#                           committed together (keep state and position in step)
#   ck_done ID              DONE ID        item ID is finished
#   ck_fail ID [REASON]     FAIL ID REASON item ID failed (kept in the error list)
#   ck_state KEY VALUE      STATE KEY VALUE
#   ck_progress N [TOTAL]   PROGRESS N [TOTAL]
#   ck_complete             COMPLETE
#   ck_resume_from [DEFAULT]  prints $CKWRAP_RESUME_FROM, else DEFAULT
#   ck_attempt              prints $CKWRAP_ATTEMPT, else 1
#   ck_args "$@"            prints the arguments, quoted for eval, without the
#                           trailing "$CKWRAP_RESUME_FLAG $CKWRAP_RESUME_FROM"
#                           that ckwrap appended on a resume
#   ck_active               true when running under ckwrap
#
# Outside ckwrap (no CKWRAP_FD) every record function writes nothing and
# returns 0, so the script runs bare, unchanged. Under ckwrap each record is
# written with one printf, i.e. one write(2) of at most PIPE_BUF (4096) bytes:
# records from parallel workers sharing fd 3 never interleave. A record that
# could not be written intact (longer than PIPE_BUF, a newline in it, an empty
# id, a space in a FAIL id or STATE key) is refused, bare or not, with a
# message on stderr and status 2, so a bare run shows the same mistakes.
# Names starting with _ck_ are private.

ck_active() {
  [ -n "${CKWRAP_FD:-}" ]
}

_ck_nl='
'

# _ck_refuse WHAT: the message for a record the shim will not write.
_ck_refuse() {
  echo "ckwrap.sh: record refused: $1" >&2
  return 2
}

# _ck_emit RECORD: writes RECORD and a newline to $CKWRAP_FD in one write.
_ck_emit() {
  _ck_one_line "$1" || return
  _ck_write "$1"
}

# _ck_one_line RECORD: refuses a record with a newline in it.
_ck_one_line() {
  case $1 in
    *'
'*) _ck_refuse "it contains a newline" ;;
  esac
}

# _ck_write LINES [PRINTF]: LINES and a newline in one write of at most
# PIPE_BUF bytes, with printf (or the command PRINTF).
_ck_write() {
  # ${#} counts characters; a character is at most 4 bytes, so only a long
  # record needs its bytes counted (a fork, rare).
  if [ "${#1}" -gt 1023 ] && [ "$(printf '%s\n' "$1" | wc -c)" -gt 4096 ]; then
    _ck_refuse "${1%% *} longer than PIPE_BUF (4096 bytes)" || return
  fi
  [ -n "${CKWRAP_FD:-}" ] || return 0
  # shellcheck disable=SC2086 # "env printf" is two words
  ${2:-printf} '%s\n' "$1" >&"$CKWRAP_FD"
}

# _ck_word WHAT VALUE: VALUE must be non-empty and without spaces (FAIL id, STATE key).
_ck_word() {
  case $2 in
    '' | *' '*) _ck_refuse "$1 must be non-empty without spaces: '$2'" ;;
  esac
}

ck_checkpoint() {
  if [ "${1-}" = "--sync" ]; then
    shift
    [ -n "${1-}" ] || _ck_refuse "CKPT needs a position" || return
    _ck_emit "CKPT $1" || return
    ck_sync
    return
  fi
  [ -n "${1-}" ] || _ck_refuse "CKPT needs a position" || return
  _ck_emit "CKPT $1"
}

# ck_checkpoint_with_state POS KEY VALUE [KEY VALUE]...: the STATE records,
# then CKPT POS, in one write: ckwrap commits the records of one write
# together, so a value and the position it belongs to are never saved apart,
# whenever the job is killed (man/ckwrap-protocol.7).
ck_checkpoint_with_state() {
  [ -n "${1-}" ] || _ck_refuse "CKPT needs a position" || return
  _ck_batch=
  _ck_pos=$1
  shift
  [ $# -ge 2 ] && [ $(($# % 2)) -eq 0 ] ||
    _ck_refuse "ck_checkpoint_with_state POS needs KEY VALUE pairs" || return
  while [ $# -ge 2 ]; do
    _ck_word "a STATE key" "$1" || return
    _ck_one_line "STATE $1 $2" || return
    _ck_batch="${_ck_batch}STATE $1 $2
"
    shift 2
  done
  _ck_one_line "CKPT $_ck_pos" || return
  # bash's printf writes line by line; the printf program writes once.
  _ck_write "${_ck_batch}CKPT $_ck_pos" "${BASH_VERSION:+env printf}"
}

# OUTPUT path: declare a file the job appends to (like --output). The path
# is made absolute (in $PWD) and, under ckwrap, added to $CKWRAP_OUTPUTS
# (exported), for the Python and C workers the script starts. This shim sends
# no SIZE records (a stat would be a fork per record, slower than a round
# trip): for exactly-once output, ck_checkpoint --sync (man/ckwrap.1, --output).
ck_output() {
  [ -n "${1-}" ] || _ck_refuse "OUTPUT needs a path" || return
  case $1 in
    /*) _ck_out=$1 ;;
    *) _ck_out=$PWD/$1 ;;
  esac
  _ck_emit "OUTPUT $_ck_out" || return
  [ -n "${CKWRAP_FD:-}" ] || return 0
  case "$_ck_nl${CKWRAP_OUTPUTS:-}$_ck_nl" in
    *"$_ck_nl$_ck_out$_ck_nl"*) ;;
    *)
      CKWRAP_OUTPUTS=${CKWRAP_OUTPUTS:+$CKWRAP_OUTPUTS$_ck_nl}$_ck_out
      export CKWRAP_OUTPUTS
      ;;
  esac
}

# SYNC: returns 0 once every record sent before it is in a durable commit;
# 4 when no acknowledgement came within ${CKWRAP_SYNC_TIMEOUT:-60} seconds,
# 5 when ckwrap is gone. One waiter at a time per job (man/ckwrap-protocol.7).
_ck_seq=0
ck_sync() {
  [ -n "${CKWRAP_FD:-}" ] || return 0
  if [ -z "${CKWRAP_ACK_FD:-}" ]; then
    echo "ckwrap.sh: ck_sync: no acknowledgement channel (CKWRAP_ACK_FD unset)" >&2
    return 5
  fi
  _ck_seq=$((_ck_seq + 1))
  # shellcheck disable=SC3028 # bash's subshell pid when there is one
  _ck_token="sh${BASHPID:-$$}.$_ck_seq"
  if ! _ck_emit "SYNC $_ck_token"; then
    echo "ckwrap.sh: ckwrap is gone: cannot send SYNC $_ck_token" >&2
    return 5
  fi
  _ck_timeout=${CKWRAP_SYNC_TIMEOUT:-60}
  while :; do
    _ck_ack=
    if [ -n "${BASH_VERSION:-}" ]; then
      # shellcheck disable=SC3045 # bash only: a timeout without a fork
      IFS= read -r -t "$_ck_timeout" -u "$CKWRAP_ACK_FD" _ck_ack
      _ck_rc=$?
      [ "$_ck_rc" -gt 128 ] && _ck_rc=124
    else
      # read(1) takes one byte at a time from a pipe: nothing after the line is consumed.
      # shellcheck disable=SC2016 # $l is the inner shell's
      _ck_ack=$(timeout "$_ck_timeout" sh -c \
        'IFS= read -r l <&'"$CKWRAP_ACK_FD"' && printf "%s" "$l"')
      _ck_rc=$?
    fi
    if [ "$_ck_rc" -eq 124 ]; then
      echo "ckwrap.sh: no acknowledgement of SYNC $_ck_token within ${_ck_timeout}s" >&2
      return 4
    fi
    if [ "$_ck_rc" -ne 0 ]; then
      echo "ckwrap.sh: ckwrap is gone: the acknowledgement channel closed before SYNC $_ck_token" >&2
      return 5
    fi
    # An older token is a SYNC that timed out: skip it.
    [ "$_ck_ack" = "$_ck_token" ] && return 0
  done
}
ck_done() {
  [ -n "${1-}" ] || _ck_refuse "DONE needs an id" || return
  _ck_emit "DONE $1"
}
ck_fail() {
  _ck_word "a FAIL id" "${1-}" || return
  if [ $# -ge 2 ]; then _ck_emit "FAIL $1 $2"; else _ck_emit "FAIL $1"; fi
}
ck_state() {
  _ck_word "a STATE key" "${1-}" || return
  _ck_emit "STATE $1 ${2-}"
}
ck_progress() {
  if [ $# -ge 2 ]; then _ck_emit "PROGRESS $1 $2"; else _ck_emit "PROGRESS ${1-}"; fi
}
ck_complete() { _ck_emit "COMPLETE"; }

ck_resume_from() {
  if [ -n "${CKWRAP_RESUME_FROM+set}" ]; then
    printf '%s\n' "$CKWRAP_RESUME_FROM"
  else
    printf '%s\n' "${1-}"
  fi
}

ck_attempt() {
  printf '%s\n' "${CKWRAP_ATTEMPT:-1}"
}

# _ck_quote ARG: ARG in single quotes, safe for eval (each ' becomes '\'');
# no command substitution, so trailing newlines are kept.
_ck_quote() {
  _ck_rest=$1
  _ck_out=
  while :; do
    case $_ck_rest in
      *"'"*)
        _ck_out="$_ck_out${_ck_rest%%"'"*}'\\''"
        _ck_rest=${_ck_rest#*"'"}
        ;;
      *) break ;;
    esac
  done
  printf "'%s'" "$_ck_out$_ck_rest"
}

ck_args() {
  _ck_keep=$#
  if [ -n "${CKWRAP_RESUME_FROM+set}" ] && [ $# -ge 2 ]; then
    _ck_flag=
    _ck_pos=
    eval "_ck_flag=\${$(($# - 1))} _ck_pos=\${$#}"
    if [ "$_ck_flag" = "${CKWRAP_RESUME_FLAG:---resume-from}" ] &&
      [ "$_ck_pos" = "$CKWRAP_RESUME_FROM" ]; then
      _ck_keep=$(($# - 2))
    fi
  fi
  _ck_i=0
  for _ck_arg in "$@"; do
    [ "$_ck_i" -lt "$_ck_keep" ] || break
    [ "$_ck_i" -eq 0 ] || printf ' '
    _ck_quote "$_ck_arg"
    _ck_i=$((_ck_i + 1))
  done
}
