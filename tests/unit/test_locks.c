/* ward's locks: a thread that asks for a lock it already holds (a signal
 * handler allocating while its thread was inside ward) is caught instead
 * of waiting for itself forever; a lock another thread holds is waited
 * for as before; a lock given back no longer counts as the thread's. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "prim.h"

static wd_lock lock, others[3];
static wd_lock *target = &lock;    /* what the handler asks for */
static sigjmp_buf back;
static volatile sig_atomic_t caught;

/* ward exits there; the test goes back to before the signal, giving
 * back the count prim_lock took for the handler. */
static void caught_deadlock(void)
{
    caught++;
    prim_release();
    siglongjmp(back, 1);
}

static void relock(int sig)
{
    (void)sig;
    prim_lock(target);              /* as an allocating handler would */
    prim_unlock(target);
}

static int setup(void **state)
{
    (void)state;
    prim_self_deadlock_hook = caught_deadlock;
    struct sigaction sa = { .sa_handler = relock };
    sigaction(SIGUSR1, &sa, NULL);
    return 0;
}

/* Raises SIGUSR1 with the lock held; true if the handler was caught. */
static bool handler_caught(void)
{
    int before = caught;
    prim_lock(&lock);
    if (sigsetjmp(back, 1) == 0)
        raise(SIGUSR1);
    /* Caught: the handler never got the lock; the thread still holds it. */
    prim_unlock(&lock);
    return caught == before + 1;
}

static void test_handler_asking_for_a_held_lock(void **state)
{
    (void)state;
    assert_true(handler_caught());
    /* Not held: the handler takes and gives back the lock as usual. */
    raise(SIGUSR1);
    assert_true(handler_caught());
}

static atomic_int holding;

static void *hold_a_while(void *arg)
{
    struct timespec t = { 0, 50 * 1000 * 1000 };
    (void)arg;
    prim_lock(&lock);
    atomic_store(&holding, 1);
    nanosleep(&t, NULL);
    prim_unlock(&lock);
    return NULL;
}

static void test_lock_held_by_another_thread_is_waited_for(void **state)
{
    pthread_t t;
    (void)state;
    int before = caught;
    assert_int_equal(pthread_create(&t, NULL, hold_a_while, NULL), 0);
    while (!atomic_load(&holding))
        ;
    prim_lock(&lock);                   /* found taken: waits, no claim */
    prim_unlock(&lock);
    pthread_join(t, NULL);
    assert_int_equal(caught, before);
}

static void test_several_locks_given_back_out_of_order(void **state)
{
    (void)state;
    prim_lock(&others[0]);
    prim_lock(&others[1]);
    prim_lock(&others[2]);
    prim_unlock(&others[1]);
    target = &others[2];
    assert_true(handler_caught());
    target = &others[0];
    assert_true(handler_caught());
    target = &others[1];                /* given back: the handler takes it */
    int before = caught;
    raise(SIGUSR1);
    assert_int_equal(caught, before);
    target = &lock;
    prim_unlock(&others[2]);
    prim_unlock(&others[0]);
    assert_false(prim_holds_locks());
}

int main(void)
{
    alarm(30);                          /* a lock waited for forever fails */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handler_asking_for_a_held_lock),
        cmocka_unit_test(test_lock_held_by_another_thread_is_waited_for),
        cmocka_unit_test(test_several_locks_given_back_out_of_order),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
