/* Two hundred thousand live blocks of many sizes, resized and freed: a
 * program that makes ward place a lot of metadata. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
int main(void) { char *keep[200000]; long total = 0; for (int i = 0; i < 200000; i++) { keep[i] = malloc(16 + i % 5000); memset(keep[i], 1, 16); total += 16 + i % 5000; } for (int i = 0; i < 200000; i++) { keep[i] = realloc(keep[i], 32); } for (int i = 0; i < 200000; i++) free(keep[i]); printf("ok %ld\n", total); return 0; }
