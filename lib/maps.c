/* A /proc/self/maps reader that works inside malloc and signal handlers
 * (see maps.h): it reads with read(2) into a stack buffer and parses each
 * line in place. */
#include "maps.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static uintptr_t parse_hex(const char **s)
{
    uintptr_t v = 0;
    for (;; (*s)++) {
        char c = **s;
        if (c >= '0' && c <= '9')
            v = v * 16 + (uintptr_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (uintptr_t)(c - 'a' + 10);
        else
            return v;
    }
}

/* "lo-hi perms offset dev inode   path" */
static bool parse_line(char *line, struct map_ent *e)
{
    const char *s = line;
    e->lo = parse_hex(&s);
    if (*s++ != '-')
        return false;
    e->hi = parse_hex(&s);
    if (*s++ != ' ' || !s[0] || !s[1] || !s[2] || !s[3])
        return false;
    e->r = s[0] == 'r';
    e->w = s[1] == 'w';
    e->x = s[2] == 'x';
    e->priv = s[3] == 'p';
    for (int field = 0; field < 4 && *s; field++) {   /* perms offset dev inode */
        while (*s && *s != ' ')
            s++;
        while (*s == ' ')
            s++;
    }
    e->path = s;
    return true;
}

bool maps_foreach(bool (*fn)(const struct map_ent *e, void *arg), void *arg)
{
    char buf[8192];
    size_t have = 0;
    /* The thread's view first: once the main thread has called
     * pthread_exit, /proc/self/maps (the leader's) reads as empty. */
    int fd = open("/proc/thread-self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
        if (n <= 0 && have == 0)
            break;
        if (n > 0)
            have += (size_t)n;
        char *start = buf, *nl;
        buf[have] = '\0';
        while ((nl = memchr(start, '\n', (size_t)(buf + have - start))) != NULL) {
            struct map_ent e;
            *nl = '\0';
            if (parse_line(start, &e) && !fn(&e, arg)) {
                close(fd);
                return true;
            }
            start = nl + 1;
        }
        have -= (size_t)(start - buf);
        for (size_t i = 0; i < have; i++)
            buf[i] = start[i];
        if (n <= 0 || have == sizeof buf - 1)   /* a line longer than the buffer */
            break;
    }
    close(fd);
    return true;
}

struct path_at {
    uintptr_t addr;
    char *out;
    size_t n;
    bool found;
};

static bool path_of_mapping(const struct map_ent *e, void *arg)
{
    struct path_at *pa = arg;
    if (pa->addr < e->lo || pa->addr >= e->hi)
        return true;
    size_t len = strlen(e->path);
    if (e->path[0] == '/' && len < pa->n) {
        memcpy(pa->out, e->path, len + 1);
        pa->found = true;
    }
    return false;
}

bool maps_path_at(uintptr_t addr, char *out, size_t n)
{
    struct path_at pa = { addr, out, n, false };
    maps_foreach(path_of_mapping, &pa);
    return pa.found;
}
