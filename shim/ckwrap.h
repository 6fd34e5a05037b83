/* ckwrap.h: the ckwrap protocol for C and C++ jobs. A header (with
 * ckwrap_slot.h beside it), C99 or C++11, POSIX; nothing to link.
 *
 *     #include "ckwrap.h"        // cc -I"$(dirname "$(ckwrap --shim c)")"
 *     int main(int argc, char** argv) {
 *       ck_strip_resume_args(&argc, argv);   // drop "--resume-from POS"
 *       long start = atol(ck_resume_from("0"));
 *       for (long i = start; i < 1000; i++) { process(i); ck_checkpoint_u64(i + 1); }
 *     }
 *
 * Records are described in man/ckwrap-protocol.7. Each call formats its record
 * in a stack buffer of PIPE_BUF (4096) bytes and writes it with one write(2):
 * no allocation, no lock (the checkpoint slot below is lock-free), so any
 * thread may call any function (but
 * ck_output, which sets an environment variable), and records from threads or
 * parallel processes sharing the pipe never interleave.
 *
 * With declared outputs (ckwrap --output, or ck_output here) every CKPT and
 * DONE goes with a SIZE record per output, its size now (one stat(2) each),
 * in the same write: a relaunch cuts each file back to the size it had at the
 * last committed record, so a row is never written twice. Write (and fflush)
 * an item's rows before its checkpoint or done.
 *
 * Under ckwrap, ck_checkpoint and ck_checkpoint_sync write the position into
 * the checkpoint slot ($CKWRAP_SLOT_FD: memory shared with ckwrap) instead of
 * fd 3: no system call, where a write(2) per item costs a job of 100 k items/s
 * 13% of its time, and nothing lost if the job is killed right after (the
 * memory is ckwrap's). Not with declared outputs (the sizes go with the record
 * through fd 3). Once it has been written, any other record but PROGRESS and
 * SYNC closes the slot for the whole job first, sending its last position
 * through fd 3 ahead of the record: the shim's records reach ckwrap in the
 * order they were written. CKWRAP_SLOT_FD= (empty) turns the slot off.
 *
 * Every record function returns 0 when the record was written, or when not
 * under ckwrap (no CKWRAP_FD: nothing is written and the program runs bare,
 * unchanged); -1 with errno set otherwise: EMSGSIZE (longer than PIPE_BUF),
 * EINVAL (a newline in it, an empty id, a space in a FAIL id or STATE key;
 * checked bare too), or the error of write(2). Functions starting with ck__ are
 * private.
 */
#ifndef CKWRAP_SHIM_H_
#define CKWRAP_SHIM_H_

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckwrap_slot.h" /* the checkpoint slot's memory: beside this file */

#define CK_PIPE_BUF 4096 /* POSIX minimum and Linux's value of PIPE_BUF */

#ifdef __cplusplus
extern "C" {
#else
/* POSIX.1-2001, hidden by a strict -std=c99 (C++ compilers show it). */
extern int setenv(const char* name, const char* value, int overwrite);
#endif

/* The protocol descriptor, or -1 outside ckwrap. */
static inline int ck_fd(void) {
  const char* value = getenv("CKWRAP_FD");
  char* end = NULL;
  long fd;
  if (value == NULL || *value == '\0') return -1;
  fd = strtol(value, &end, 10);
  return (*end == '\0' && fd >= 0 && fd < 1 << 20) ? (int)fd : -1;
}

static inline int ck_active(void) { return ck_fd() >= 0; }

/* Appends text to buf at *len; 0, or -1 with errno EMSGSIZE/EINVAL. */
static inline int ck__append(char* buf, size_t* len, const char* text, int allow_space) {
  size_t n = strlen(text);
  if (memchr(text, '\n', n) != NULL || (!allow_space && memchr(text, ' ', n) != NULL)) {
    errno = EINVAL;
    return -1;
  }
  if (*len + n + 1 > CK_PIPE_BUF) { /* +1: the record's '\n' */
    errno = EMSGSIZE;
    return -1;
  }
  memcpy(buf + *len, text, n);
  *len += n;
  return 0;
}

/* Appends "VERB[ A[ B]]\n" to buf at *len. a_is_word: A may not contain a
 * space (FAIL id, STATE key). */
static inline int ck__format(char* buf, size_t* len, const char* verb, const char* a, int a_is_word,
                             const char* b) {
  if (ck__append(buf, len, verb, 0) != 0) return -1;
  if (a != NULL) {
    if (*a == '\0') {
      errno = EINVAL;
      return -1;
    }
    if (ck__append(buf, len, " ", 1) != 0 || ck__append(buf, len, a, !a_is_word) != 0) return -1;
  }
  if (b != NULL && (ck__append(buf, len, " ", 1) != 0 || ck__append(buf, len, b, 1) != 0)) {
    return -1;
  }
  buf[(*len)++] = '\n';
  return 0;
}

/* Writes buf[0, len) with one write(2). Through ck__send, but for SYNC and
 * PROGRESS, which do not close the checkpoint slot. */
static inline int ck__write(const char* buf, size_t len) {
  int fd = ck_fd();
  ssize_t written;
  if (fd < 0) return 0;
  do {
    written = write(fd, buf, len);
  } while (written < 0 && errno == EINTR);
  if (written < 0) return -1;
  if ((size_t)written != len) { /* cannot happen on a pipe for <= PIPE_BUF bytes */
    errno = EIO;
    return -1;
  }
  return 0;
}

/* Once the slot has been written, closes it for the whole job and sends its
 * last position through fd 3 (ckwrap no longer reads a closed slot): what
 * follows goes through fd 3 after it, in order. A slot never written stays
 * open: ckwrap reads it only after the SLOT record that follows its first
 * write, so it cannot be read ahead of records sent before. */
static inline int ck__close_slot(void) {
  unsigned char* s = ck__slot();
  char position[CK__SLOT_POSITION + 1];
  char buf[CK_PIPE_BUF];
  size_t len = 0;
  ck__u64 tickets = s != NULL ? __atomic_load_n((ck__u64*)(s + 16), __ATOMIC_ACQUIRE) : 0;
  if (tickets == 0 || (tickets & CK__SLOT_CLOSED) != 0) return 0; /* unused, or closed before */
  if (__atomic_fetch_or((ck__u64*)(s + 16), CK__SLOT_CLOSED, __ATOMIC_SEQ_CST) & CK__SLOT_CLOSED) {
    return 0; /* closed before */
  }
  if (!ck__slot_read(s, position)) return 0;
  if (ck__format(buf, &len, "CKPT", position, 0, NULL) != 0) return -1;
  return ck__write(buf, len);
}

/* Writes buf[0, len) after closing the slot. */
static inline int ck__send(const char* buf, size_t len) {
  if (ck__close_slot() != 0) return -1;
  return ck__write(buf, len);
}

/* CKPT position into the slot: 1 when written there, 0 when it goes through
 * fd 3 instead (no slot, declared outputs, closed, too long, or invalid: fd
 * 3's path reports why). The first slot write of a process sends SLOT, which
 * tells ckwrap to read the slot. */
static inline int ck__slot_checkpoint(const char* position) {
  static int announced = 0;
  unsigned char* s = ck__slot();
  const char* outputs;
  size_t n;
  if (s == NULL) return 0;
  outputs = getenv("CKWRAP_OUTPUTS");
  if (outputs != NULL && *outputs != '\0') return 0;
  n = strlen(position);
  if (n == 0 || memchr(position, '\n', n) != NULL || !ck__slot_write(s, position, n)) return 0;
  if (!__atomic_exchange_n(&announced, 1, __ATOMIC_RELAXED)) ck__write("SLOT\n", 5);
  return 1;
}

static inline int ck__record(const char* verb, const char* a, int a_is_word, const char* b) {
  char buf[CK_PIPE_BUF];
  size_t len = 0;
  if (ck__format(buf, &len, verb, a, a_is_word, b) != 0) return -1;
  return ck__send(buf, len);
}

/* Appends "SIZE bytes path" for each declared output ($CKWRAP_OUTPUTS,
 * absolute paths one a line), its size now, to buf: written with the CKPT or
 * DONE they belong to, the sizes ckwrap commits hold no row written after. */
static inline int ck__sizes(char* buf, size_t* len) {
  const char* list = ck_fd() >= 0 ? getenv("CKWRAP_OUTPUTS") : NULL; /* bare: none */
  char path[CK_PIPE_BUF], bytes[24];
  struct stat st;
  while (list != NULL && *list != '\0') {
    const char* end = strchr(list, '\n');
    size_t n = end != NULL ? (size_t)(end - list) : strlen(list);
    if (n >= sizeof path) {
      errno = EMSGSIZE;
      return -1;
    }
    memcpy(path, list, n);
    path[n] = '\0';
    list += end != NULL ? n + 1 : n;
    if (n == 0) continue;
    if (stat(path, &st) == 0) {
      snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)st.st_size);
    } else if (errno == ENOENT) {
      strcpy(bytes, "0"); /* not created yet: nothing written */
    } else {
      continue; /* ckwrap takes the size it sees itself */
    }
    if (ck__format(buf, len, "SIZE", bytes, 1, path) != 0) return -1;
  }
  return 0;
}

/* The SIZE records, then "VERB a" (CKPT or DONE), in one write(2). */
static inline int ck__sized_record(const char* verb, const char* a) {
  char buf[CK_PIPE_BUF];
  size_t len = 0;
  if (ck__sizes(buf, &len) != 0 || ck__format(buf, &len, verb, a, 0, NULL) != 0) return -1;
  return ck__send(buf, len);
}

/* CKPT position: everything before position is finished. */
static inline int ck_checkpoint(const char* position) {
  if (position != NULL && ck__slot_checkpoint(position)) return 0;
  return ck__sized_record("CKPT", position);
}
static inline int ck_checkpoint_u64(unsigned long long position) {
  char text[24];
  snprintf(text, sizeof text, "%llu", position);
  return ck_checkpoint(text);
}
/* STATE key value and CKPT position in one write(2): ckwrap commits the
 * records of one write together, so the value and the position it belongs to
 * are never saved apart, whenever the job is killed (ckwrap-protocol(7)). */
static inline int ck_checkpoint_with_state(const char* position, const char* key,
                                           const char* value) {
  char buf[CK_PIPE_BUF];
  size_t len = 0;
  if (ck__sizes(buf, &len) != 0 ||
      ck__format(buf, &len, "STATE", key, 1, value != NULL ? value : "") != 0 ||
      ck__format(buf, &len, "CKPT", position, 0, NULL) != 0) {
    return -1;
  }
  return ck__send(buf, len);
}
/* path made absolute in the current directory, into out[CK_PIPE_BUF]. */
static inline int ck__absolute(const char* path, char* out) {
  size_t n = 0;
  if (*path != '/') {
    if (getcwd(out, CK_PIPE_BUF) == NULL) return -1;
    n = strlen(out);
    if (memchr(out, '\n', n) != NULL) { /* CKWRAP_OUTPUTS could not list it */
      errno = EINVAL;
      return -1;
    }
    if (ck__append(out, &n, "/", 1) != 0) return -1;
  }
  if (ck__append(out, &n, path, 1) != 0) return -1;
  out[n] = '\0';
  return 0;
}

/* Whether the list (paths one a line) holds path as a whole line. */
static inline int ck__listed(const char* list, const char* path) {
  size_t n = strlen(path);
  const char* at = list;
  while ((at = strstr(at, path)) != NULL) {
    if ((at == list || at[-1] == '\n') && (at[n] == '\0' || at[n] == '\n')) return 1;
    at += n;
  }
  return 0;
}

/* OUTPUT path: declare a file the job appends to (like ckwrap --output).
 * The path is made absolute (in the current directory) and, under ckwrap,
 * added to $CKWRAP_OUTPUTS with setenv(3), for this process and those it
 * starts, so that every CKPT and DONE after it carries the file's size: like
 * any setenv, call it before starting threads. */
static inline int ck_output(const char* path) {
  char absolute[CK_PIPE_BUF];
  const char* old = getenv("CKWRAP_OUTPUTS");
  char* listed;
  int rc;
  if (path == NULL || *path == '\0') {
    errno = EINVAL;
    return -1;
  }
  if (ck__absolute(path, absolute) != 0 || ck__record("OUTPUT", absolute, 0, NULL) != 0) return -1;
  if (ck_fd() < 0 || (old != NULL && ck__listed(old, absolute))) return 0;
  listed = (char*)malloc((old != NULL ? strlen(old) : 0) + strlen(absolute) + 2);
  if (listed == NULL) return -1;
  sprintf(listed, "%s%s%s", old != NULL ? old : "", old != NULL && *old != '\0' ? "\n" : "",
          absolute);
  rc = setenv("CKWRAP_OUTPUTS", listed, 1);
  free(listed);
  return rc;
}

/* Reads acknowledgement lines from fd until token's. They come in commit
 * order and one waiter waits at a time, so nothing follows our line: whole
 * reads are safe, and one read is one wake-up. */
static inline int ck__await_ack(int fd, const char* token, long timeout_ms) {
  char buf[CK_PIPE_BUF], line[64];
  size_t len = 0;
  for (;;) { /* the deadline restarts per read; older lines are rare */
    struct pollfd p;
    ssize_t n, i;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    n = poll(&p, 1, timeout_ms > 2147483647L ? 2147483647 : (int)timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) {
      errno = EPIPE;
      return -1;
    }
    for (i = 0; i < n; i++) {
      if (buf[i] != '\n') {
        if (len + 1 < sizeof line) line[len++] = buf[i];
        continue;
      }
      line[len] = '\0';
      len = 0;
      if (strcmp(line, token) == 0) return 0;
    }
  }
}

/* Sends buf[0, len) and a SYNC in one write(2) (two if they do not fit in
 * PIPE_BUF), then waits for its acknowledgement. */
static inline int ck__sync_after(char* buf, size_t len, long timeout_ms) {
  static unsigned long seq = 0; /* one waiter at a time: no lock */
  char token[64];
  const char* ack = getenv("CKWRAP_ACK_FD");
  if (ck_fd() < 0) return 0;
  if (ack == NULL || *ack == '\0') {
    errno = ENOTSUP;
    return -1;
  }
  if (timeout_ms < 0) {
    const char* t = getenv("CKWRAP_SYNC_TIMEOUT");
    timeout_ms = (t != NULL && *t != '\0' ? atol(t) : 60) * 1000;
  }
  snprintf(token, sizeof token, "c%ld.%lu", (long)getpid(), ++seq);
  if (len > 0 && ck__close_slot() != 0) return -1; /* records besides the SYNC */
  if (len + strlen(token) + 6 > CK_PIPE_BUF) {
    if (ck__write(buf, len) != 0) return -1;
    len = 0;
  }
  if (ck__format(buf, &len, "SYNC", token, 1, NULL) != 0 || ck__write(buf, len) != 0) return -1;
  return ck__await_ack(atoi(ack), token, timeout_ms);
}

/* SYNC: returns 0 once every record written before it is in a durable commit;
 * -1 with errno ETIMEDOUT (no acknowledgement within timeout_ms; a negative
 * timeout_ms means $CKWRAP_SYNC_TIMEOUT seconds, else 60 s), EPIPE (ckwrap is
 * gone) or ENOTSUP (no CKWRAP_ACK_FD). One waiter at a time per job. */
static inline int ck_sync(long timeout_ms) {
  char buf[CK_PIPE_BUF];
  return ck__sync_after(buf, 0, timeout_ms);
}
/* The outputs' sizes, CKPT position and a SYNC in one write(2), then waits as
 * ck_sync does. */
static inline int ck_checkpoint_sync(const char* position, long timeout_ms) {
  char buf[CK_PIPE_BUF];
  size_t len = 0;
  if (position != NULL && ck__slot_checkpoint(position)) return ck__sync_after(buf, 0, timeout_ms);
  if (ck__sizes(buf, &len) != 0 || ck__format(buf, &len, "CKPT", position, 0, NULL) != 0) {
    return -1;
  }
  return ck__sync_after(buf, len, timeout_ms);
}

/* DONE id: item id is finished. */
static inline int ck_done(const char* id) { return ck__sized_record("DONE", id); }
/* FAIL id [reason]: item id failed; reason may be NULL. */
static inline int ck_fail(const char* id, const char* reason) {
  return ck__record("FAIL", id, 1, reason != NULL && *reason != '\0' ? reason : NULL);
}
/* STATE key value: a small key/value handed back on resume. */
static inline int ck_state(const char* key, const char* value) {
  return ck__record("STATE", key, 1, value != NULL ? value : "");
}
/* PROGRESS n [total]: for display only; total 0 means unknown. */
static inline int ck_progress(unsigned long long n, unsigned long long total) {
  char count[24], all[24];
  char buf[CK_PIPE_BUF];
  size_t len = 0;
  snprintf(count, sizeof count, "%llu", n);
  snprintf(all, sizeof all, "%llu", total);
  if (ck__format(buf, &len, "PROGRESS", count, 1, total != 0 ? all : NULL) != 0) return -1;
  return ck__write(buf, len); /* for display only: the slot stays open */
}
/* COMPLETE: the job declares all work finished. */
static inline int ck_complete(void) { return ck__record("COMPLETE", NULL, 0, NULL); }

/* $CKWRAP_RESUME_FROM, else fallback. */
static inline const char* ck_resume_from(const char* fallback) {
  const char* position = getenv("CKWRAP_RESUME_FROM");
  return position != NULL ? position : fallback;
}
/* Which launch this is: 1, 2, ... (1 outside ckwrap). */
static inline unsigned long ck_attempt(void) {
  const char* value = getenv("CKWRAP_ATTEMPT");
  return value != NULL && *value != '\0' ? strtoul(value, NULL, 10) : 1;
}
/* Drops the trailing "$CKWRAP_RESUME_FLAG $CKWRAP_RESUME_FROM" ckwrap appended. */
static inline void ck_strip_resume_args(int* argc, char** argv) {
  const char* position = getenv("CKWRAP_RESUME_FROM");
  const char* flag = getenv("CKWRAP_RESUME_FLAG");
  if (flag == NULL) flag = "--resume-from";
  if (position == NULL || *argc < 3) return;
  if (strcmp(argv[*argc - 2], flag) == 0 && strcmp(argv[*argc - 1], position) == 0) {
    *argc -= 2;
    argv[*argc] = NULL;
  }
}

#ifdef __cplusplus
}
#endif

#endif /* CKWRAP_SHIM_H_ */
