/* The quarantine: freed blocks wait here, poisoned, before their memory is
 * reused, so that a late free is a recognised double free and a late write
 * a detectable use after free. FIFO by bytes (option quarantine=SIZE).
 * Each thread fills a batch of its own without locking; full batches join
 * one global queue, whose oldest batches are evicted past the limit. */
#ifndef WARD_QUARANTINE_H
#define WARD_QUARANTINE_H

#include "heap.h"

/* Hold a freed block (already marked BS_QUAR). */
void quarantine_push(const struct wd_block *b, uint64_t bytes);

/* Hand this thread's batch to the global queue (thread exit). */
void quarantine_flush_thread(void);

/* Bytes waiting: the queue's and the calling thread's batch. */
uint64_t quarantine_bytes(void);

void quarantine_atfork_prepare(void);
void quarantine_atfork_parent(void);
void quarantine_atfork_child(void);

#endif
