/* ward.h: the public interface of ward, a memory debugger for C and C++.
 *
 * This header is all a program needs: it compiles and links without ward,
 * and the calls it declares do nothing unless ward is present (under
 * `ward run`, or linked with `-lward`). */
#ifndef WARD_H
#define WARD_H

#define WARD_VERSION_MAJOR 0
#define WARD_VERSION_MINOR 1
#define WARD_VERSION_PATCH 0
#define WARD_VERSION "0.1.0"

#endif
