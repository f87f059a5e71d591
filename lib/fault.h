/* The SIGSEGV path: a fault on a page ward keeps inaccessible (a guard
 * page, a freed guarded block) is reported as the access it was, with the
 * stack of the faulting instruction, and the process exits with exitcode.
 * Other faults go to the program's own handler, or its default action,
 * unchanged. The handler runs on a signal stack of ward's, so a fault that
 * comes from a stack overflow can be reported too. */
#ifndef WARD_FAULT_H
#define WARD_FAULT_H

#include <signal.h>

#include "common.h"

/* Installs ward's SIGSEGV handler, keeping what was there as the
 * program's. Called once, from ward's constructor. */
void fault_init(void);

/* While tracing: fatal signals left at their default flush the trace
 * first. */
void fault_trace_signals(void);

/* Gives the calling thread an alternate signal stack, unless it has one;
 * and takes it back when the thread ends. */
void fault_thread_start(void);
void fault_thread_end(void);

/* The program's view of SIGSEGV: what sigaction() and signal() set and
 * return while ward's handler stays installed. Returns 0 or -1/errno. */
int fault_program_action(const struct sigaction *act, struct sigaction *old);

/* Whether a is the handler ward put on a fatal signal to write the trace
 * out: the program must read back SIG_DFL, its default, instead. */
bool fault_is_own_handler(const struct sigaction *a);
bool fault_installed(void);

#endif
