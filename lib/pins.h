/* Pinned blocks must never move: they hold pointers into themselves, as
 * Rust's Pin guarantees for self-referential futures. A pinned block is
 * flagged in its metadata; this table keeps the stack that pinned it, for
 * the report when something tries to move it. */
#ifndef WARD_PINS_H
#define WARD_PINS_H

#include "common.h"

void     pins_add(uintptr_t user, uint32_t stack);
void     pins_remove(uintptr_t user);
uint32_t pins_stack(uintptr_t user);

void pins_atfork_prepare(void);
void pins_atfork_parent(void);
void pins_atfork_child(void);

#endif
