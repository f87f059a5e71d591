/* A coroutine's byte counts follow its blocks through a pinned block's
 * resize in place: it allocates 20 bytes, pins them and grows them to 24;
 * main frees them after the coroutine has finished. */
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>
#include <ward.h>

static ucontext_t main_ctx, task;
static char *kept;

static void grower(void)
{
    ward_coro_name("grower");
    char *p = malloc(20);
    ward_pin(p);
    kept = realloc(p, 24);
}

int main(void)
{
    getcontext(&task);
    task.uc_stack.ss_sp = malloc(65536);
    task.uc_stack.ss_size = 65536;
    task.uc_link = &main_ctx;
    makecontext(&task, grower, 0);
    swapcontext(&main_ctx, &task);
    free(kept);
    free(task.uc_stack.ss_sp);
    puts("done");
    return 0;
}
