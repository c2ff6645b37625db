/* SPDX-License-Identifier: MIT */
/*
 * Minimal IGT declarations for the nvsvm tests.
 *
 * This is a declaration-only stand-in for the subset of igt_core.h from
 * IGT (igt-gpu-tools) 1.27 that our tests use.  It contains no code of its
 * own: every macro expands to calls into libigt, and every prototype below
 * matches a symbol exported by Debian bookworm's libigt.so.0 (package
 * intel-gpu-tools 1.27.1, which ships the library but no headers).
 *
 * Build against it with:
 *
 *	cc -I igt-tests/include test.c /usr/lib/x86_64-linux-gnu/libigt.so.0
 *
 * When the real IGT headers are available, point the build at them with
 * IGT_INCLUDE=<dir>; that directory is searched first and its igt.h is used
 * instead of this file.
 *
 * Keep it small: add an entry only when a test needs it, and check the
 * symbol first with `nm -D --defined-only libigt.so.0`.
 */
#ifndef NVSVM_IGT_H
#define NVSVM_IGT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef IGT_LOG_DOMAIN
#define IGT_LOG_DOMAIN (NULL)
#endif

/* Process exit codes used by IGT (and understood by igt_runner/piglit). */
#define IGT_EXIT_SUCCESS	0
#define IGT_EXIT_SKIP		77
#define IGT_EXIT_INVALID	79	/* bad option or unknown subtest */
#define IGT_EXIT_FAILURE	98
#define IGT_EXIT_ABORT		112

/* --- library entry points (all exported by libigt.so.0) --------------- */

struct option;
typedef int (*igt_opt_handler_t)(int opt, int opt_index, void *data);

int igt_subtest_init_parse_opts(int *argc, char **argv,
				const char *extra_short_opts,
				const struct option *extra_long_opts,
				const char *help_str,
				igt_opt_handler_t extra_opt_handler,
				void *handler_data);
void igt_simple_init_parse_opts(int *argc, char **argv,
				const char *extra_short_opts,
				const struct option *extra_long_opts,
				const char *help_str,
				igt_opt_handler_t extra_opt_handler,
				void *handler_data);
__attribute__((noreturn)) void igt_exit(void);

/* Subtests and fixtures longjmp() back to these on skip/fail. */
extern jmp_buf igt_subtest_jmpbuf;
extern jmp_buf igt_dynamic_jmpbuf;

bool __igt_fixture(void);
void __igt_fixture_complete(void);
bool __igt_run_subtest(const char *name, const char *file, const int line);
bool __igt_enter_dynamic_container(void);
bool __igt_run_dynamic_subtest(const char *name);
const char *igt_subtest_name(void);
bool igt_only_list_subtests(void);

void igt_success(void);
__attribute__((noreturn)) void igt_fail(int exitcode);
__attribute__((noreturn, format(printf, 1, 2)))
void igt_skip(const char *fmt, ...);
__attribute__((noreturn, format(printf, 5, 6)))
void __igt_skip_check(const char *file, const int line, const char *func,
		      const char *check, const char *fmt, ...);
__attribute__((noreturn, format(printf, 6, 7)))
void __igt_fail_assert(const char *domain, const char *file, const int line,
		       const char *func, const char *assertion,
		       const char *fmt, ...);

__attribute__((format(printf, 1, 2)))
void igt_describe_f(const char *fmt, ...);

bool __igt_fork(void);
void igt_waitchildren(void);

enum igt_log_level {
	IGT_LOG_DEBUG,		/* shown only with --debug */
	IGT_LOG_INFO,
	IGT_LOG_WARN,		/* logged only; the subtest result is unchanged */
	IGT_LOG_CRITICAL,
	IGT_LOG_NONE,
};
__attribute__((format(printf, 3, 4)))
void igt_log(const char *domain, enum igt_log_level level,
	     const char *fmt, ...);

/* Read by libigt (weak reference) for --help-description. */
extern const char *__igt_test_description;

/* --- test structure ---------------------------------------------------- */

#define __igt_cat2(a, b)	a##b
#define __igt_cat(a, b)		__igt_cat2(a, b)
#define __igt_uniq(name)	__igt_cat(__igt_cat(__igt_, name), __LINE__)

#define IGT_TEST_DESCRIPTION(str) \
	const char *__igt_test_description = (str)

/*
 * igt_main { ... }: defines main(), which lets libigt parse the standard
 * options (--list-subtests, --run-subtest, --dynamic-subtest, --debug, ...),
 * runs the block and finishes with igt_exit(), which never returns.
 */
#define igt_main \
	static void __igt_uniq(main_body)(void); \
	int main(int argc, char **argv) \
	{ \
		igt_subtest_init_parse_opts(&argc, argv, NULL, NULL, NULL, \
					    NULL, NULL); \
		__igt_uniq(main_body)(); \
		igt_exit(); \
	} \
	static void __igt_uniq(main_body)(void)

/* Same, for a test without subtests: the whole binary is one test. */
#define igt_simple_main \
	static void __igt_uniq(main_body)(void); \
	int main(int argc, char **argv) \
	{ \
		igt_simple_init_parse_opts(&argc, argv, NULL, NULL, NULL, \
					   NULL, NULL); \
		__igt_uniq(main_body)(); \
		igt_exit(); \
	} \
	static void __igt_uniq(main_body)(void)

/*
 * Setup/teardown outside subtests.  Skipped when only listing subtests; a
 * skip or failure inside it makes all following subtests skip or fail.
 */
#define igt_fixture \
	for (volatile int __igt_uniq(once) = 0; \
	     __igt_uniq(once) < 1 && __igt_fixture() && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     __igt_uniq(once)++, __igt_fixture_complete())

/*
 * igt_subtest("name") { ... }: the block runs only if the subtest is
 * selected; igt_skip/igt_fail/igt_assert leave the block via longjmp, and
 * falling off its end reports success.  Names longer than 255 characters
 * are truncated in the _f variants.
 */
#define igt_subtest(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

#define igt_subtest_f(fmt...) __igt_subtest_f(__igt_uniq(name), fmt)
#define __igt_subtest_f(buf, fmt...) \
	for (char buf[256]; \
	     snprintf(buf, sizeof(buf), fmt), \
	     __igt_run_subtest(buf, __FILE__, __LINE__) && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

/*
 * A subtest whose results come only from the igt_dynamic() blocks inside it
 * (SKIP if none ran, FAIL if any failed).  igt_require/igt_skip are allowed
 * directly in the container, igt_assert is not.
 */
#define igt_subtest_with_dynamic(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	       __igt_enter_dynamic_container() && \
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

#define igt_dynamic(name) \
	for (; __igt_run_dynamic_subtest((name)) && \
	       sigsetjmp(igt_dynamic_jmpbuf, 1) == 0; \
	     igt_success())

#define igt_dynamic_f(fmt...) __igt_dynamic_f(__igt_uniq(name), fmt)
#define __igt_dynamic_f(buf, fmt...) \
	for (char buf[256]; \
	     snprintf(buf, sizeof(buf), fmt), \
	     __igt_run_dynamic_subtest(buf) && \
	     sigsetjmp(igt_dynamic_jmpbuf, 1) == 0; \
	     igt_success())

/* Documents the next subtest (shown by --describe). */
#define igt_describe(str)	igt_describe_f("%s", (str))

/* --- results ------------------------------------------------------------ */

#define igt_assert_f(expr, fmt...) \
	do { \
		if (!(expr)) \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
					  __func__, #expr, fmt); \
	} while (0)
#define igt_assert(expr)	igt_assert_f(expr, NULL)

/* Compare two values as type T; on failure print both with format F. */
#define __igt_assert_cmp(T, F, a, op, nop, b) \
	do { \
		T __a = (a), __b = (b); \
		if (!(__a op __b)) \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
					  __func__, #a " " #op " " #b, \
					  "error: " F " " #nop " " F "\n", \
					  __a, __b); \
	} while (0)

#define igt_assert_eq(a, b)	__igt_assert_cmp(int, "%d", a, ==, !=, b)
#define igt_assert_neq(a, b)	__igt_assert_cmp(int, "%d", a, !=, ==, b)
#define igt_assert_lt(a, b)	__igt_assert_cmp(int, "%d", a, <, >=, b)
#define igt_assert_lte(a, b)	__igt_assert_cmp(int, "%d", a, <=, >, b)
#define igt_assert_eq_u32(a, b)	__igt_assert_cmp(uint32_t, "%#x", a, ==, !=, b)
#define igt_assert_eq_u64(a, b) \
	__igt_assert_cmp(unsigned long long, "%#llx", a, ==, !=, b)

#define igt_require_f(expr, fmt...) \
	do { \
		if (!(expr)) \
			__igt_skip_check(__FILE__, __LINE__, __func__, \
					 #expr, fmt); \
	} while (0)
#define igt_require(expr)	igt_require_f(expr, NULL)

#define igt_skip_on_f(expr, fmt...) \
	do { \
		if (expr) \
			__igt_skip_check(__FILE__, __LINE__, __func__, \
					 "!(" #expr ")", fmt); \
	} while (0)
#define igt_skip_on(expr)	igt_skip_on_f(expr, NULL)

/* --- logging ------------------------------------------------------------ */

#define igt_debug(fmt...)	igt_log(IGT_LOG_DOMAIN, IGT_LOG_DEBUG, fmt)
#define igt_info(fmt...)	igt_log(IGT_LOG_DOMAIN, IGT_LOG_INFO, fmt)
#define igt_warn(fmt...)	igt_log(IGT_LOG_DOMAIN, IGT_LOG_WARN, fmt)

/* --- processes ---------------------------------------------------------- */

/*
 * igt_fork(i, n) { ... } runs the block in n child processes, with i set
 * to 0..n-1; a failing child fails the (sub)test once the parent calls
 * igt_waitchildren().  Do feature checks (igt_require) before forking.
 */
#define igt_fork(child, num_children) \
	for (int child = 0; child < (num_children); child++) \
		for (; __igt_fork(); exit(0))

#endif /* NVSVM_IGT_H */
