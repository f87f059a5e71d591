/* The stack of the current call, captured in the interposed function
 * itself (see stacks_capture), so that the interposer's frame is not in
 * it. Nested calls from ward's own libraries get none. Only for the
 * interposers' entry points: inlined, it must sit in the function whose
 * caller is the program. */
#ifndef WARD_PRELOAD_HERE_H
#define WARD_PRELOAD_HERE_H

#include "core.h"

#define CALLER __builtin_return_address(0)
#define HERE() (WD_UNLIKELY(wd_tls.in_ward) ? STACK_NONE : core_capture(CALLER))

#endif
