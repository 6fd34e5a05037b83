/* ckwrap_slot.h: the checkpoint slot's memory, for ckwrap.h (which includes
 * it; nothing here writes to fd 3). The slot is a memfd ckwrap hands each
 * launch as $CKWRAP_SLOT_FD (fd 5); ckwrap.h's ck_checkpoint writes its
 * position here with no system call (man/ckwrap-protocol.7, "The checkpoint
 * slot"). C99 or C++11, POSIX, GCC/Clang __atomic builtins. */
#ifndef CKWRAP_SLOT_SHIM_H_
#define CKWRAP_SLOT_SHIM_H_

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The checkpoint slot (ckwrap's sidecar/intake/checkpoint_slot.h has the
 * layout): 64-bit words magic, published ticket, tickets handed out (bit 63:
 * closed), then 16 entries of 4096 bytes: seq (2 * ticket - 1 while written,
 * 2 * ticket once whole), a 4-byte length, the position. */
#define CK__SLOT_MAGIC 0x31544f4c53574b43ULL /* "CKWSLOT1" */
#define CK__SLOT_ENTRIES 16
#define CK__SLOT_ENTRY 4096
#define CK__SLOT_HEADER 64
#define CK__SLOT_POSITION (CK__SLOT_ENTRY - 16)
#define CK__SLOT_BYTES (CK__SLOT_HEADER + CK__SLOT_ENTRIES * CK__SLOT_ENTRY)
#define CK__SLOT_CLOSED (1ULL << 63)

typedef unsigned long long ck__u64;

/* Maps $CKWRAP_SLOT_FD if it is ckwrap's slot; NULL otherwise. */
static inline unsigned char* ck__map_slot(void) {
  const char* fd3 = getenv("CKWRAP_FD"); /* outside ckwrap: none */
  const char* value = fd3 != NULL && *fd3 != '\0' ? getenv("CKWRAP_SLOT_FD") : NULL;
  struct stat st;
  void* memory;
  int fd;
  if (value == NULL || *value < '0' || *value > '9') return NULL;
  fd = atoi(value);
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)CK__SLOT_BYTES)
    return NULL;
  memory = mmap(NULL, CK__SLOT_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (memory == MAP_FAILED) return NULL;
  if (__atomic_load_n((ck__u64*)memory, __ATOMIC_ACQUIRE) != CK__SLOT_MAGIC) {
    munmap(memory, CK__SLOT_BYTES);
    return NULL;
  }
  return (unsigned char*)memory;
}

/* The slot, mapped on first use (once per process and source file: a forked
 * child shares its parent's), or NULL. */
static inline unsigned char* ck__slot(void) {
  static unsigned char none;
  static unsigned char* slot = NULL;
  unsigned char* s = __atomic_load_n(&slot, __ATOMIC_ACQUIRE);
  unsigned char* expected = NULL;
  if (s == NULL) {
    s = ck__map_slot();
    if (s == NULL) s = &none;
    if (!__atomic_compare_exchange_n(&slot, &expected, s, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      if (s != &none) munmap(s, CK__SLOT_BYTES); /* another thread mapped it first */
      s = expected;
    }
  }
  return s == &none ? NULL : s;
}

/* Writes position[0, n) as the slot's newest entry: 1, or 0 when the slot is
 * closed, it does not fit, or its entry is taken (the caller then uses fd 3).
 * Lock-free: a ticket picks the entry; a writer killed half way never
 * published its ticket. */
static inline int ck__slot_write(unsigned char* s, const char* position, size_t n) {
  ck__u64* published = (ck__u64*)(s + 8);
  ck__u64* tickets = (ck__u64*)(s + 16);
  ck__u64 ticket, seen, seq;
  unsigned char* entry;
  unsigned int length = (unsigned int)n;
  if (n > CK__SLOT_POSITION || (__atomic_load_n(tickets, __ATOMIC_RELAXED) & CK__SLOT_CLOSED)) {
    return 0;
  }
  ticket = __atomic_add_fetch(tickets, 1, __ATOMIC_ACQ_REL);
  if (ticket & CK__SLOT_CLOSED) return 0;
  entry = s + CK__SLOT_HEADER + CK__SLOT_ENTRY * (ticket % CK__SLOT_ENTRIES);
  /* Claimed from a whole, older entry: a writer 16 tickets behind still in
   * it (or one ahead already done) sends this position through fd 3. */
  seq = __atomic_load_n((ck__u64*)entry, __ATOMIC_RELAXED);
  if ((seq & 1) != 0 || seq >= 2 * ticket - 1 ||
      !__atomic_compare_exchange_n((ck__u64*)entry, &seq, 2 * ticket - 1, 0, __ATOMIC_ACQ_REL,
                                   __ATOMIC_RELAXED)) {
    return 0;
  }
  __atomic_thread_fence(__ATOMIC_RELEASE);
  memcpy(entry + 8, &length, sizeof length);
  memcpy(entry + 16, position, n);
  __atomic_store_n((ck__u64*)entry, 2 * ticket, __ATOMIC_RELEASE);
  seen = __atomic_load_n(published, __ATOMIC_RELAXED);
  while (seen < ticket && !__atomic_compare_exchange_n(published, &seen, ticket, 1,
                                                       __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
  }
  /* Closed meanwhile by another thread or process, which may have read the
   * slot before this publish: the position goes through fd 3 as well. */
  return (__atomic_load_n(tickets, __ATOMIC_SEQ_CST) & CK__SLOT_CLOSED) == 0;
}

/* The slot's newest position into out[CK__SLOT_POSITION + 1]: 1, or 0 if none. */
static inline int ck__slot_read(unsigned char* s, char* out) {
  int tries;
  for (tries = 0; tries < 8; tries++) {
    ck__u64 ticket = __atomic_load_n((ck__u64*)(s + 8), __ATOMIC_SEQ_CST);
    unsigned char* entry = s + CK__SLOT_HEADER + CK__SLOT_ENTRY * (ticket % CK__SLOT_ENTRIES);
    unsigned int length;
    if (ticket == 0) return 0;
    if (__atomic_load_n((ck__u64*)entry, __ATOMIC_ACQUIRE) != 2 * ticket) continue;
    memcpy(&length, entry + 8, sizeof length);
    if (length > CK__SLOT_POSITION) continue;
    memcpy(out, entry + 16, length);
    out[length] = '\0';
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n((ck__u64*)entry, __ATOMIC_RELAXED) == 2 * ticket) return 1;
  }
  return 0;
}

#endif /* CKWRAP_SLOT_SHIM_H_ */
