/* A coroutine's stack after the coroutine: argv[1] says what the program
 * does with it. All of it is correct C; only "rerun" has a bug, a write
 * after free in the second run of a context.
 *   exit-on-coroutine  the coroutine returns with uc_link NULL, so the
 *                      process exits on its 16 KiB stack
 *   regrow             the stack of a finished coroutine is grown with
 *                      realloc and a new coroutine made on it
 *   rerun              a finished context is switched to again: glibc runs
 *                      its function from the start
 *   remake             a coroutine is left suspended, a new one made over
 *                      its stack finishes, and the stack is grown */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

static ucontext_t main_ctx, task;
static char *held;
static int runs;

static ucontext_t other;

static void yield_once(void)
{
    swapcontext(&task, &main_ctx);
}

static void say_done(void)
{
    puts("job ran");
}

__attribute__((noinline)) static void write_after_free(char *p) { p[5] = 'X'; }

static void rerun_job(void)
{
    if (++runs == 1)
        return;                         /* the first run ends at once */
    held = malloc(32);
    swapcontext(&task, &main_ctx);      /* main frees it meanwhile */
    write_after_free(held);
    swapcontext(&task, &main_ctx);
}

static void make(size_t size, void (*fn)(void), ucontext_t *link)
{
    getcontext(&task);
    task.uc_stack.ss_sp = malloc(size);
    task.uc_stack.ss_size = size;
    task.uc_link = link;
    makecontext(&task, fn, 0);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IOFBF, 4096);    /* lost if exit goes wrong */
    if (!strcmp(mode, "exit-on-coroutine")) {
        char *volatile kept = strdup("still held by main");
        make(16384, say_done, NULL);
        swapcontext(&main_ctx, &task);
        puts(kept);                         /* never reached */
    } else if (!strcmp(mode, "regrow")) {
        make(65536, say_done, &main_ctx);
        swapcontext(&main_ctx, &task);
        char *grown = realloc(task.uc_stack.ss_sp, 2 * 65536);
        if (!grown) {
            puts("realloc failed");
            return 1;
        }
        getcontext(&task);
        task.uc_stack.ss_sp = grown;
        task.uc_stack.ss_size = 2 * 65536;
        task.uc_link = &main_ctx;
        makecontext(&task, say_done, 0);
        swapcontext(&main_ctx, &task);
        free(grown);
    } else if (!strcmp(mode, "remake")) {
        make(65536, yield_once, &main_ctx);
        swapcontext(&main_ctx, &task);      /* suspended, never resumed */
        getcontext(&other);
        other.uc_stack.ss_sp = task.uc_stack.ss_sp;
        other.uc_stack.ss_size = 65536;
        other.uc_link = &main_ctx;
        makecontext(&other, say_done, 0);
        swapcontext(&main_ctx, &other);
        char *grown = realloc(other.uc_stack.ss_sp, 4 * 65536);
        if (!grown) {
            puts("realloc failed");
            return 1;
        }
        free(grown);
    } else if (!strcmp(mode, "rerun")) {
        make(65536, rerun_job, &main_ctx);
        swapcontext(&main_ctx, &task);      /* run 1 returns to main_ctx */
        swapcontext(&main_ctx, &task);      /* run 2 */
        free(held);
        swapcontext(&main_ctx, &task);
        free(task.uc_stack.ss_sp);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    puts("done");
    return 0;
}
