/* Minimal test harness: each check prints "ok - name" or "not ok - name"
 * (TAP-like) and t_done() exits non-zero if anything failed.  ./dev test
 * counts these lines. */
#ifndef WH_T_H
#define WH_T_H

#include <stdio.h>
#include <stdlib.h>

static int t_failed, t_passed;

#define T_CHECK(cond, ...) do {						\
	if (cond) {							\
		t_passed++;						\
		printf("ok - ");					\
	} else {							\
		t_failed++;						\
		printf("not ok - %s:%d: ", __FILE__, __LINE__);		\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	fflush(stdout);							\
} while (0)

static inline int
t_done(void)
{
	printf("# %d passed, %d failed\n", t_passed, t_failed);
	return t_failed ? 1 : 0;
}

#endif
