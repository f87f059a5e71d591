/* Stopping the world: every other thread ward knows is sent a signal whose
 * handler saves its registers and waits, so that the leak scan sees stacks
 * and registers that hold still. A thread that does not answer in time
 * (signals blocked) is left running and has its whole stack scanned. */
#ifndef WARD_WORLD_H
#define WARD_WORLD_H

#include "common.h"

void world_stop(void);
void world_resume(void);
/* world_resume in two steps: the threads run again, but no other thread
 * may stop the world until world_release (a report that reads what the
 * stop found, which another stop would overwrite). */
void world_resume_threads(void);
void world_release(void);
/* Stops the world unless another thread is stopping it; false then. */
bool world_try_stop(void);

/* A thread that starts while the world is stopped parks here. */
void world_check_in(void);

void world_atfork_child(void);

#endif
