/* A small LRU cache of strings, with the kind of bug that survives code
 * review: evict() frees the entry it drops, and cache_clear() frees the
 * same entry again when it was also the most recent one, which happens
 * whenever the cache holds a single entry. One lookup path also forgets to
 * free a copy. Run it under ward:
 *
 *     ward run -- ./lru_cache
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    struct entry *prev, *next;
    char *key, *value;
};

struct cache {
    struct entry *head, *tail;     /* most recent first */
    int count, cap;
};

static void unlink_entry(struct cache *c, struct entry *e)
{
    if (e->prev) e->prev->next = e->next; else c->head = e->next;
    if (e->next) e->next->prev = e->prev; else c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void free_entry(struct entry *e)
{
    free(e->key);
    free(e->value);
    free(e);
}

static void evict(struct cache *c)
{
    struct entry *old = c->tail;
    unlink_entry(c, old);
    c->count--;
    free_entry(old);
}

static void put(struct cache *c, const char *key, const char *value)
{
    struct entry *e = calloc(1, sizeof *e);
    e->key = strdup(key);
    e->value = strdup(value);
    e->next = c->head;
    if (c->head) c->head->prev = e; else c->tail = e;
    c->head = e;
    if (++c->count > c->cap)
        evict(c);
}

static char *get_copy(struct cache *c, const char *key)
{
    for (struct entry *e = c->head; e; e = e->next)
        if (!strcmp(e->key, key))
            return strdup(e->value);
    return NULL;
}

static void cache_clear(struct cache *c, struct entry *last_used)
{
    while (c->head) {
        struct entry *e = c->head;
        unlink_entry(c, e);
        free_entry(e);
    }
    /* Bug: the caller's "last used" entry was one of those just freed. */
    if (last_used)
        free_entry(last_used);
}

int main(void)
{
    struct cache c = { .cap = 1 };
    char key[32];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "user:%d", i);
        put(&c, key, "profile data");
    }
    char *v = get_copy(&c, "user:4");     /* never freed */
    printf("cached: %s\n", v ? v : "(none)");
    cache_clear(&c, c.head);
    return 0;
}
