/* glibc's own malloc family, for the calls ward hands to glibc while it is
 * inert. ward exports these names, and glibc's other names for them
 * (__libc_malloc and the rest), itself, so a reference by name from here
 * would come back to ward: libc's own are found in its symbol table. */
#ifndef WARD_PRELOAD_GLIBC_H
#define WARD_PRELOAD_GLIBC_H

#include <stddef.h>

void *glibc_malloc(size_t size);
void *glibc_calloc(size_t n, size_t size);
void *glibc_realloc(void *p, size_t size);
void *glibc_memalign(size_t align, size_t size);
void  glibc_free(void *p);
size_t glibc_usable_size(void *p);

#endif
