/* The library that tests/stress/dlopen.c loads and unloads (built with
 * cc -shared -fPIC): it allocates in its constructor and frees in its
 * destructor, allocates in lib_work (the caller frees the result) and in
 * lib_keep (it keeps the block and frees the previous one), and has a
 * thread-local counter, whose storage glibc allocates with malloc for each
 * thread that touches it, since the library is loaded with dlopen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct node { struct node *next; char name[24]; };

static char *ctor_block;
static struct node *list;
static void *kept;
static __thread unsigned long calls;

__attribute__((constructor)) static void lib_init(void)
{
    ctor_block = malloc(1000);
    memset(ctor_block, 'c', 999);
    ctor_block[999] = 0;
    for (int i = 0; i < 20; i++) {
        struct node *n = malloc(sizeof *n);
        snprintf(n->name, sizeof n->name, "node%d", i);
        n->next = list;
        list = n;
    }
}

__attribute__((destructor)) static void lib_fini(void)
{
    while (list) {
        struct node *n = list->next;
        free(list);
        list = n;
    }
    free(ctor_block);
    ctor_block = NULL;
    free(kept);
    kept = NULL;
}

/* A malloc'd string the caller frees: "work N: node19 ... node0 (len 999)". */
char *lib_work(int n)
{
    size_t cap = 16, len = 0;
    char *s = malloc(cap);
    len = (size_t)snprintf(s, cap, "work %d:", n);
    if (len >= cap) {
        cap = len + 1;
        s = realloc(s, cap);
        snprintf(s, cap, "work %d:", n);
    }
    for (struct node *p = list; p; p = p->next) {
        size_t need = len + strlen(p->name) + 2;
        if (need > cap) {
            cap = need * 2;
            s = realloc(s, cap);
        }
        len += (size_t)sprintf(s + len, " %s", p->name);
    }
    char tail[32];
    int t = snprintf(tail, sizeof tail, " (len %zu)", strlen(ctor_block));
    s = realloc(s, len + (size_t)t + 1);
    memcpy(s + len, tail, (size_t)t + 1);
    calls++;
    return s;
}

void lib_keep(size_t size)
{
    void *p = malloc(size);
    memset(p, 'k', size);
    void *old = __atomic_exchange_n(&kept, p, __ATOMIC_ACQ_REL);
    free(old);
}

unsigned long lib_calls(void)
{
    return calls;
}
